// ASGD (see asgd.hpp), composed from tensor ops in torch's single-tensor order.
#include "optim/asgd.hpp"

#include <algorithm>
#include <cmath>

#include "autograd/grad_mode.hpp"
#include "optim/checks.hpp"
#include "optim/pointwise.hpp"

namespace accmt::optim {

namespace {
double b(bool v) { return v ? 1.0 : 0.0; }
Options to_map(const ASGDOptions& o) {
  return {{"lr", o.lr},
          {"lambd", o.lambd},
          {"alpha", o.alpha},
          {"t0", o.t0},
          {"weight_decay", o.weight_decay},
          {"maximize", b(o.maximize)}};
}
}  // namespace

ASGD::ASGD(std::vector<Tensor> params, ASGDOptions options) : Optimizer(std::move(params), to_map(options)) {
  check_all_groups();
}
ASGD::ASGD(std::vector<ParamGroup> groups, ASGDOptions defaults) : Optimizer(std::move(groups), to_map(defaults)) {
  check_all_groups();
}

void ASGD::check_options(const Options& o) const { detail::check_common("ASGD", o); }

void ASGD::step() {
  NoGradGuard no_grad;
  for (auto& g : param_groups()) {
    const double lr = g.get("lr"), lambd = g.get("lambd"), alpha = g.get("alpha"), t0 = g.get("t0");
    const double wd = g.get("weight_decay");
    for_each_grad(g, [&](Tensor& p, Tensor grad, std::map<std::string, Tensor>& st) {
      if (!st.count("ax")) {
        // eta and mu: CPU scalars in the parameter's dtype (PyTorch's default-dtype scalars).
        TensorOptions scalar{.dtype = p.dtype(), .device = kCPU};
        st["eta"] = full({}, lr, scalar);
        st["mu"] = ones({}, scalar);
        st["ax"] = zeros_like(p);
      }
      const double t = next_step(st, p);
      if (wd != 0) grad = grad.add(p, wd);
      Tensor& eta = st["eta"];
      Tensor& mu = st["mu"];
      Tensor& ax = st["ax"];
      const double eta_value = eta.item<double>();
      p.mul_(1.0 - lambd * eta_value);
      p.add_(grad, -eta_value);
      const double mu_value = mu.item<double>();  // exact: mu holds a value of p's dtype
      if (mu_value != 1.0)
        ax.add_(p.sub(ax).mul(mu_value));
      else
        ax.copy_(p);
      eta.fill_(lr / std::pow(1.0 + lambd * lr * t, alpha));
      mu.fill_(1.0 / std::max(1.0, t - t0));
    });
  }
}

}  // namespace accmt::optim
