// Adadelta (see adadelta.hpp), composed from tensor ops in torch's single-tensor order.
#include "optim/adadelta.hpp"

#include <cmath>

#include "autograd/grad_mode.hpp"
#include "optim/checks.hpp"
#include "optim/pointwise.hpp"

namespace accmt::optim {

namespace {
double b(bool v) { return v ? 1.0 : 0.0; }
Options to_map(const AdadeltaOptions& o) {
  return {{"lr", o.lr}, {"rho", o.rho}, {"eps", o.eps}, {"weight_decay", o.weight_decay}, {"maximize", b(o.maximize)}};
}
}  // namespace

Adadelta::Adadelta(std::vector<Tensor> params, AdadeltaOptions options)
    : Optimizer(std::move(params), to_map(options)) {
  check_all_groups();
}
Adadelta::Adadelta(std::vector<ParamGroup> groups, AdadeltaOptions defaults)
    : Optimizer(std::move(groups), to_map(defaults)) {
  check_all_groups();
}

void Adadelta::check_options(const Options& o) const {
  detail::check_common("Adadelta", o);
  const double rho = o.at("rho");
  ACCMT_CHECK(rho >= 0.0 && rho <= 1.0, "Adadelta: Invalid rho value: ", rho, " (expected 0 <= rho <= 1)");
}

void Adadelta::step() {
  NoGradGuard no_grad;
  for (auto& g : param_groups()) {
    const double lr = g.get("lr"), rho = g.get("rho"), eps = g.get("eps"), wd = g.get("weight_decay");
    for_each_grad(g, [&](Tensor& p, Tensor grad, std::map<std::string, Tensor>& st) {
      if (!st.count("square_avg")) {
        st["square_avg"] = zeros_like(p);
        st["acc_delta"] = zeros_like(p);
      }
      next_step(st, p);
      if (wd != 0) grad = grad.add(p, wd);
      Tensor& square_avg = st["square_avg"];
      Tensor& acc_delta = st["acc_delta"];
      square_avg.mul_(rho);
      detail::addcmul_(square_avg, grad, grad, 1.0 - rho);
      Tensor std_ = square_avg.add(eps).sqrt();
      Tensor delta = acc_delta.add(eps).sqrt().div(std_).mul(grad);
      acc_delta.mul_(rho);
      detail::addcmul_(acc_delta, delta, delta, 1.0 - rho);
      p.add_(delta, -lr);
    });
  }
}

}  // namespace accmt::optim
