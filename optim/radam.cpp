// RAdam (see radam.hpp), composed from tensor ops in torch's single-tensor order.
#include "optim/radam.hpp"

#include <cmath>

#include "autograd/grad_mode.hpp"
#include "optim/checks.hpp"
#include "optim/pointwise.hpp"

namespace accmt::optim {

namespace {
double b(bool v) { return v ? 1.0 : 0.0; }
Options to_map(const RAdamOptions& o) {
  return {{"lr", o.lr},
          {"beta1", o.betas.first},
          {"beta2", o.betas.second},
          {"eps", o.eps},
          {"weight_decay", o.weight_decay},
          {"decoupled_weight_decay", b(o.decoupled_weight_decay)},
          {"maximize", b(o.maximize)}};
}
}  // namespace

RAdam::RAdam(std::vector<Tensor> params, RAdamOptions options) : Optimizer(std::move(params), to_map(options)) {
  check_all_groups();
}
RAdam::RAdam(std::vector<ParamGroup> groups, RAdamOptions defaults) : Optimizer(std::move(groups), to_map(defaults)) {
  check_all_groups();
}

void RAdam::check_options(const Options& o) const { detail::check_common("RAdam", o); }

void RAdam::step() {
  NoGradGuard no_grad;
  for (auto& g : param_groups()) {
    const double lr = g.get("lr"), beta1 = g.get("beta1"), beta2 = g.get("beta2"), eps = g.get("eps");
    const double wd = g.get("weight_decay");
    for_each_grad(g, [&](Tensor& p, Tensor grad, std::map<std::string, Tensor>& st) {
      if (!st.count("exp_avg")) {
        st["exp_avg"] = zeros_like(p);
        st["exp_avg_sq"] = zeros_like(p);
      }
      const double t = next_step(st, p);
      if (wd != 0) {
        if (detail::flag(g, "decoupled_weight_decay"))
          p.mul_(1.0 - lr * wd);
        else
          grad = grad.add(p, wd);
      }
      Tensor& m = st["exp_avg"];
      Tensor& v = st["exp_avg_sq"];
      detail::lerp_(m, grad, 1.0 - beta1);
      v.mul_(beta2);
      detail::addcmul_(v, grad, grad, 1.0 - beta2);
      const double bc1 = 1.0 - std::pow(beta1, t), bc2 = 1.0 - std::pow(beta2, t);
      Tensor corrected = m.div(bc1);
      // Length of the approximated simple moving average; the variance is tractable above 5.
      const double rho_inf = 2.0 / (1.0 - beta2) - 1.0;
      const double rho_t = rho_inf - 2.0 * t * std::pow(beta2, t) / bc2;
      if (rho_t > 5.0) {
        const double rect =
            std::sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t));
        Tensor adaptive = std::sqrt(bc2) / v.sqrt().add(eps);
        p.add_(corrected.mul(lr).mul(adaptive).mul(rect), -1.0);
      } else {
        p.add_(corrected.mul(lr), -1.0);
      }
    });
  }
}

}  // namespace accmt::optim
