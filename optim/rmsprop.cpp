// RMSprop (see rmsprop.hpp), composed from tensor ops in torch's single-tensor order.
#include "optim/rmsprop.hpp"

#include <cmath>

#include "autograd/grad_mode.hpp"
#include "optim/checks.hpp"
#include "optim/pointwise.hpp"

namespace accmt::optim {

namespace {
double b(bool v) { return v ? 1.0 : 0.0; }
Options to_map(const RMSpropOptions& o) {
  return {{"lr", o.lr},
          {"alpha", o.alpha},
          {"eps", o.eps},
          {"weight_decay", o.weight_decay},
          {"momentum", o.momentum},
          {"centered", b(o.centered)},
          {"maximize", b(o.maximize)}};
}
}  // namespace

RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions options) : Optimizer(std::move(params), to_map(options)) {
  check_all_groups();
}
RMSprop::RMSprop(std::vector<ParamGroup> groups, RMSpropOptions defaults)
    : Optimizer(std::move(groups), to_map(defaults)) {
  check_all_groups();
}

void RMSprop::check_options(const Options& o) const {
  detail::check_common("RMSprop", o);
  detail::check_nonneg("RMSprop", "momentum value", o.at("momentum"));
  detail::check_nonneg("RMSprop", "alpha value", o.at("alpha"));
}

void RMSprop::step() {
  NoGradGuard no_grad;
  for (auto& g : param_groups()) {
    const double lr = g.get("lr"), alpha = g.get("alpha"), eps = g.get("eps"), wd = g.get("weight_decay");
    const double momentum = g.get("momentum");
    const bool centered = detail::flag(g, "centered");
    for_each_grad(g, [&](Tensor& p, Tensor grad, std::map<std::string, Tensor>& st) {
      if (!st.count("square_avg")) st["square_avg"] = zeros_like(p);
      if (momentum > 0 && !st.count("momentum_buffer")) st["momentum_buffer"] = zeros_like(p);
      if (centered && !st.count("grad_avg")) st["grad_avg"] = zeros_like(p);
      next_step(st, p);
      if (wd != 0) grad = grad.add(p, wd);
      Tensor& square_avg = st["square_avg"];
      square_avg.mul_(alpha);
      detail::addcmul_(square_avg, grad, grad, 1.0 - alpha);
      Tensor avg;
      if (centered) {
        Tensor& grad_avg = st["grad_avg"];
        detail::lerp_(grad_avg, grad, 1.0 - alpha);
        avg = square_avg.clone();
        detail::addcmul_(avg, grad_avg, grad_avg, -1.0);
        avg = avg.sqrt();
      } else {
        avg = square_avg.sqrt();
      }
      avg = avg.add(eps);
      if (momentum > 0) {
        Tensor& buf = st["momentum_buffer"];
        buf.mul_(momentum);
        detail::addcdiv_(buf, grad, avg, 1.0);
        p.add_(buf, -lr);
      } else {
        detail::addcdiv_(p, grad, avg, -lr);
      }
    });
  }
}

}  // namespace accmt::optim
