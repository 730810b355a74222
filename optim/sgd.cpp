// SGD (see sgd.hpp): multi-tensor fused updates via native::sgd_step_multi_.
#include "optim/sgd.hpp"

#include <map>
#include <tuple>

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

void SGD::upload_hyperparameters() {
  if (!capturable()) return;
  hyper_.upload(param_groups(), [](const ParamGroup& g) {
    return std::vector<double>{g.get("lr"), g.get("momentum"), g.get("dampening"), g.get("weight_decay")};
  });
}

void SGD::step() {
  NoGradGuard no_grad;
  const bool cap = capturable();
  const bool in_capture = cap && capture::capturing(param_groups());
  if (cap && !in_capture) upload_hyperparameters();
  for (size_t gi = 0; gi < param_groups().size(); ++gi) {
    ParamGroup& g = param_groups()[gi];
    kernels::SgdStepArgs args{g.get("lr"),
                              g.get("momentum"),
                              g.get("dampening"),
                              g.get("weight_decay"),
                              detail::flag(g, "nesterov"),
                              detail::flag(g, "maximize"),
                              false};
    // One multi-tensor call per (device type, device index, dtype, first use of the
    // momentum buffer): the buffer's first value is the gradient, decided on the host.
    std::map<std::tuple<int, int, int, bool>, std::vector<native::SgdOperands>> buckets;
    for (const Tensor& p : g.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      Tensor buf;
      bool first = false;
      if (args.momentum != 0) {
        Tensor& slot = state_of(p)["momentum_buffer"];
        if (cap) capture::check_warm(in_capture, slot.defined(), name());
        first = !slot.defined();
        if (!slot.defined()) slot = empty_like(p);
        buf = slot;
      }
      buckets[{int(p.device().type), p.device().index, int(p.dtype()), first}].push_back({p, grad, buf});
    }
    for (auto& [key, list] : buckets) {
      args.first_step = std::get<3>(key);
      native::sgd_step_multi_(list, args, cap ? hyper_.at(gi, list.front().param.device(), name()) : Tensor());
    }
  }
}

}  // namespace accmt::optim
