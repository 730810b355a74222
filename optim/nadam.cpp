// NAdam (see nadam.hpp), composed from tensor ops in torch's single-tensor order.
#include "optim/nadam.hpp"

#include <cmath>

#include "autograd/grad_mode.hpp"
#include "optim/checks.hpp"
#include "optim/pointwise.hpp"

namespace accmt::optim {

namespace {
double b(bool v) { return v ? 1.0 : 0.0; }
Options to_map(const NAdamOptions& o) {
  return {{"lr", o.lr},
          {"beta1", o.betas.first},
          {"beta2", o.betas.second},
          {"eps", o.eps},
          {"weight_decay", o.weight_decay},
          {"momentum_decay", o.momentum_decay},
          {"decoupled_weight_decay", b(o.decoupled_weight_decay)},
          {"maximize", b(o.maximize)}};
}
}  // namespace

NAdam::NAdam(std::vector<Tensor> params, NAdamOptions options) : Optimizer(std::move(params), to_map(options)) {
  check_all_groups();
}
NAdam::NAdam(std::vector<ParamGroup> groups, NAdamOptions defaults) : Optimizer(std::move(groups), to_map(defaults)) {
  check_all_groups();
}

void NAdam::check_options(const Options& o) const {
  detail::check_common("NAdam", o);
  detail::check_nonneg("NAdam", "momentum_decay value", o.at("momentum_decay"));
}

void NAdam::step() {
  NoGradGuard no_grad;
  for (auto& g : param_groups()) {
    const double lr = g.get("lr"), beta1 = g.get("beta1"), beta2 = g.get("beta2"), eps = g.get("eps");
    const double wd = g.get("weight_decay"), momentum_decay = g.get("momentum_decay");
    for_each_grad(g, [&](Tensor& p, Tensor grad, std::map<std::string, Tensor>& st) {
      if (!st.count("exp_avg")) {
        st["mu_product"] = ones({}, TensorOptions{.dtype = p.dtype(), .device = kCPU});
        st["exp_avg"] = zeros_like(p);
        st["exp_avg_sq"] = zeros_like(p);
      }
      const double t = next_step(st, p);
      const double bias_correction2 = 1.0 - std::pow(beta2, t);
      if (wd != 0) {
        if (detail::flag(g, "decoupled_weight_decay"))
          p.mul_(1.0 - lr * wd);
        else
          grad = grad.add(p, wd);
      }
      const double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, t * momentum_decay));
      const double mu_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * momentum_decay));
      Tensor& mu_product = st["mu_product"];
      mu_product.mul_(mu);
      const double mu_prod = mu_product.item<double>();
      Tensor& m = st["exp_avg"];
      Tensor& v = st["exp_avg_sq"];
      detail::lerp_(m, grad, 1.0 - beta1);
      v.mul_(beta2);
      detail::addcmul_(v, grad, grad, 1.0 - beta2);
      Tensor denom = v.div(bias_correction2).sqrt().add(eps);
      const double mu_product_next = mu_prod * mu_next;
      detail::addcdiv_(p, grad, denom, -lr * (1.0 - mu) / (1.0 - mu_prod));
      detail::addcdiv_(p, m, denom, (-lr * mu_next) / (1.0 - mu_product_next));
    });
  }
}

}  // namespace accmt::optim
