// Adagrad (see adagrad.hpp), composed from tensor ops in torch's single-tensor order.
#include "optim/adagrad.hpp"

#include <cmath>

#include "autograd/grad_mode.hpp"
#include "optim/checks.hpp"
#include "optim/pointwise.hpp"

namespace accmt::optim {

namespace {
double b(bool v) { return v ? 1.0 : 0.0; }
Options to_map(const AdagradOptions& o) {
  return {{"lr", o.lr},
          {"lr_decay", o.lr_decay},
          {"weight_decay", o.weight_decay},
          {"initial_accumulator_value", o.initial_accumulator_value},
          {"eps", o.eps},
          {"maximize", b(o.maximize)}};
}
}  // namespace

Adagrad::Adagrad(std::vector<Tensor> params, AdagradOptions options) : Optimizer(std::move(params), to_map(options)) {
  check_all_groups();
}
Adagrad::Adagrad(std::vector<ParamGroup> groups, AdagradOptions defaults)
    : Optimizer(std::move(groups), to_map(defaults)) {
  check_all_groups();
}

void Adagrad::check_options(const Options& o) const {
  detail::check_common("Adagrad", o);
  detail::check_nonneg("Adagrad", "lr_decay value", o.at("lr_decay"));
  detail::check_nonneg("Adagrad", "initial_accumulator_value", o.at("initial_accumulator_value"));
}

void Adagrad::step() {
  NoGradGuard no_grad;
  for (auto& g : param_groups()) {
    const double lr = g.get("lr"), lr_decay = g.get("lr_decay"), eps = g.get("eps"), wd = g.get("weight_decay");
    for_each_grad(g, [&](Tensor& p, Tensor grad, std::map<std::string, Tensor>& st) {
      if (!st.count("sum")) st["sum"] = full_like(p, g.get("initial_accumulator_value"));
      const double t = next_step(st, p);
      if (wd != 0) grad = grad.add(p, wd);
      const double clr = lr / (1.0 + (t - 1.0) * lr_decay);
      Tensor& sum = st["sum"];
      detail::addcmul_(sum, grad, grad, 1.0);
      detail::addcdiv_(p, grad, sum.sqrt().add(eps), -clr);
    });
  }
}

}  // namespace accmt::optim
