// Rprop (see rprop.hpp), composed from tensor ops in torch's single-tensor order.
#include "optim/rprop.hpp"

#include <cmath>

#include "autograd/grad_mode.hpp"
#include "optim/checks.hpp"
#include "optim/pointwise.hpp"

namespace accmt::optim {

namespace {
double b(bool v) { return v ? 1.0 : 0.0; }
Options to_map(const RpropOptions& o) {
  return {{"lr", o.lr},
          {"etaminus", o.etas.first},
          {"etaplus", o.etas.second},
          {"step_size_min", o.step_sizes.first},
          {"step_size_max", o.step_sizes.second},
          {"maximize", b(o.maximize)}};
}
}  // namespace

Rprop::Rprop(std::vector<Tensor> params, RpropOptions options) : Optimizer(std::move(params), to_map(options)) {
  check_all_groups();
}
Rprop::Rprop(std::vector<ParamGroup> groups, RpropOptions defaults) : Optimizer(std::move(groups), to_map(defaults)) {
  check_all_groups();
}

void Rprop::check_options(const Options& o) const {
  detail::check_common("Rprop", o);
  const double minus = o.at("etaminus"), plus = o.at("etaplus");
  ACCMT_CHECK(0.0 < minus && minus < 1.0 && 1.0 < plus, "Rprop: Invalid eta values: (", minus, ", ", plus,
              ") (expected 0 < etaminus < 1 < etaplus)");
  ACCMT_CHECK(o.at("step_size_min") >= 0 && o.at("step_size_min") <= o.at("step_size_max"),
              "Rprop: Invalid step sizes: (", o.at("step_size_min"), ", ", o.at("step_size_max"),
              ") (expected 0 <= min <= max)");
}

void Rprop::step() {
  NoGradGuard no_grad;
  for (auto& g : param_groups()) {
    const double etaminus = g.get("etaminus"), etaplus = g.get("etaplus");
    const double smin = g.get("step_size_min"), smax = g.get("step_size_max");
    for_each_grad(g, [&](Tensor& p, Tensor grad, std::map<std::string, Tensor>& st) {
      if (!st.count("prev")) {
        st["prev"] = zeros_like(p);
        st["step_size"] = full_like(p, g.get("lr"));
      }
      next_step(st, p);
      Tensor& prev = st["prev"];
      Tensor& step_size = st["step_size"];
      // Same sign as last step: grow; opposite: shrink and skip this update; zero: keep.
      Tensor factor = grad.mul(prev).sign();
      factor = factor.masked_fill(factor.gt(0), etaplus);
      factor = factor.masked_fill(factor.lt(0), etaminus);
      factor = factor.masked_fill(factor.eq(0), 1.0);
      step_size.mul_(factor).clamp_(smin, smax);
      grad = grad.masked_fill(factor.eq(etaminus), 0.0);
      detail::addcmul_(p, grad.sign(), step_size, -1.0);
      prev.copy_(grad);
    });
  }
}

}  // namespace accmt::optim
