// Adamax (see adamax.hpp), composed from tensor ops in torch's order.
#include "optim/adamax.hpp"

#include <cmath>

#include "autograd/grad_mode.hpp"
#include "optim/checks.hpp"
#include "optim/pointwise.hpp"

namespace accmt::optim {

namespace {
Options to_map(const AdamaxOptions& o) {
  return {{"lr", o.lr},   {"beta1", o.betas.first},         {"beta2", o.betas.second},
          {"eps", o.eps}, {"weight_decay", o.weight_decay}, {"maximize", o.maximize ? 1.0 : 0.0}};
}
}  // namespace

Adamax::Adamax(std::vector<Tensor> params, AdamaxOptions options) : Optimizer(std::move(params), to_map(options)) {
  check_all_groups();
}
Adamax::Adamax(std::vector<ParamGroup> groups, AdamaxOptions defaults)
    : Optimizer(std::move(groups), to_map(defaults)) {
  check_all_groups();
}

void Adamax::check_options(const Options& o) const { detail::check_common("Adamax", o); }

void Adamax::step() {
  NoGradGuard no_grad;
  for (auto& g : param_groups()) {
    const double lr = g.get("lr"), beta1 = g.get("beta1"), beta2 = g.get("beta2"), eps = g.get("eps");
    const double wd = g.get("weight_decay");
    for_each_grad(g, [&](Tensor& p, Tensor grad, std::map<std::string, Tensor>& st) {
      if (!st.count("exp_avg")) {
        st["exp_avg"] = zeros_like(p);
        st["exp_inf"] = zeros_like(p);
      }
      const double t = next_step(st, p);
      if (wd != 0) grad = grad.add(p, wd);
      Tensor& m = st["exp_avg"];
      Tensor& u = st["exp_inf"];
      detail::lerp_(m, grad, 1.0 - beta1);
      u.copy_(u.mul(beta2).maximum(grad.abs().add(eps)));
      const double clr = lr / (1.0 - std::pow(beta1, t));
      detail::addcdiv_(p, m, u, -clr);
    });
  }
}

}  // namespace accmt::optim
