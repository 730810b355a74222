// SGD (see sgd.hpp): per-parameter fused update via native::sgd_step_.
#include "optim/sgd.hpp"

#include "autograd/grad_mode.hpp"
#include "optim/checks.hpp"
#include "tensor/native_optim.hpp"

namespace accmt::optim {

namespace {
Options to_map(const SGDOptions& o) {
  return {{"lr", o.lr},
          {"momentum", o.momentum},
          {"dampening", o.dampening},
          {"weight_decay", o.weight_decay},
          {"nesterov", o.nesterov ? 1.0 : 0.0},
          {"maximize", o.maximize ? 1.0 : 0.0}};
}
}  // namespace

SGD::SGD(std::vector<Tensor> params, SGDOptions options) : Optimizer(std::move(params), to_map(options)) {
  check_all_groups();
}
SGD::SGD(std::vector<ParamGroup> groups, SGDOptions defaults) : Optimizer(std::move(groups), to_map(defaults)) {
  check_all_groups();
}

void SGD::check_options(const Options& o) const {
  detail::check_common("SGD", o);
  detail::check_nonneg("SGD", "momentum value", o.at("momentum"));
  ACCMT_CHECK(!(o.at("nesterov") != 0 && (o.at("momentum") <= 0 || o.at("dampening") != 0)),
              "SGD: Nesterov momentum requires a momentum and zero dampening (got momentum ", o.at("momentum"),
              ", dampening ", o.at("dampening"), ")");
}

void SGD::step() {
  NoGradGuard no_grad;
  for (auto& g : param_groups()) {
    kernels::SgdStepArgs args{g.get("lr"),
                              g.get("momentum"),
                              g.get("dampening"),
                              g.get("weight_decay"),
                              detail::flag(g, "nesterov"),
                              detail::flag(g, "maximize"),
                              false};
    for (const Tensor& p : g.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      Tensor buf;
      if (args.momentum != 0) {
        Tensor& slot = state_of(p)["momentum_buffer"];
        args.first_step = !slot.defined();
        if (!slot.defined()) slot = empty_like(p);
        buf = slot;
      }
      native::sgd_step_(p, grad, buf, args);
    }
  }
}

}  // namespace accmt::optim
