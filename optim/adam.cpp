// Adam and AdamW (see adam.hpp): multi-tensor fused updates via native::adam_step_multi_.
#include "optim/adam.hpp"

#include <map>
#include <tuple>

#include "autograd/grad_mode.hpp"
#include "optim/checks.hpp"
#include "tensor/native_optim.hpp"

namespace accmt::optim {

namespace {
template <class O>
Options to_map(const O& o, bool decoupled) {
  return {{"lr", o.lr},
          {"decoupled_weight_decay", decoupled ? 1.0 : 0.0},
          {"beta1", o.betas.first},
          {"beta2", o.betas.second},
          {"eps", o.eps},
          {"weight_decay", o.weight_decay},
          {"amsgrad", o.amsgrad ? 1.0 : 0.0},
          {"maximize", o.maximize ? 1.0 : 0.0}};
}
}  // namespace

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Adam(std::move(params), to_map(options, options.decoupled_weight_decay), false) {}
Adam::Adam(std::vector<ParamGroup> groups, AdamOptions defaults)
    : Adam(std::move(groups), to_map(defaults, defaults.decoupled_weight_decay), false) {}
Adam::Adam(std::vector<Tensor> params, Options defaults, bool adamw)
    : Optimizer(std::move(params), std::move(defaults)), adamw_(adamw) {
  check_all_groups();
}
Adam::Adam(std::vector<ParamGroup> groups, Options defaults, bool adamw)
    : Optimizer(std::move(groups), std::move(defaults)), adamw_(adamw) {
  check_all_groups();
}
AdamW::AdamW(std::vector<Tensor> params, AdamWOptions options) : Adam(std::move(params), to_map(options, true), true) {}
AdamW::AdamW(std::vector<ParamGroup> groups, AdamWOptions defaults)
    : Adam(std::move(groups), to_map(defaults, true), true) {}

void Adam::check_options(const Options& o) const { detail::check_common(adamw_ ? "AdamW" : "Adam", o); }

void Adam::upload_hyperparameters() {
  if (!capturable()) return;
  hyper_.upload(param_groups(), [](const ParamGroup& g) {
    return std::vector<double>{g.get("lr"), g.get("beta1"), g.get("beta2"), g.get("eps"), g.get("weight_decay")};
  });
}

void Adam::step() {
  NoGradGuard no_grad;
  const bool cap = capturable();
  const bool in_capture = cap && capture::capturing(param_groups());
  if (cap && !in_capture) upload_hyperparameters();
  for (size_t gi = 0; gi < param_groups().size(); ++gi) {
    ParamGroup& g = param_groups()[gi];
    kernels::AdamStepArgs args{g.get("lr"),
                               g.get("beta1"),
                               g.get("beta2"),
                               g.get("eps"),
                               g.get("weight_decay"),
                               detail::flag(g, "decoupled_weight_decay"),
                               detail::flag(g, "amsgrad"),
                               detail::flag(g, "maximize"),
                               0.0};
    // One multi-tensor call per (device type, device index, dtype, host step count); the
    // count is 0 for all in capturable mode, where each kernel reads its own counter.
    std::map<std::tuple<int, int, int, double>, std::vector<native::AdamOperands>> buckets;
    for (const Tensor& p : g.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      auto& st = state_of(p);
      if (cap) {
        const bool warm = st.count("exp_avg") && st.count("step") && st.at("step").device() == p.device() &&
                          st.at("step").dtype() == DType::Float32 &&
                          (!args.amsgrad || st.count("max_exp_avg_sq"));
        capture::check_warm(in_capture, warm, name());
      }
      if (!st.count("exp_avg")) {
        st["exp_avg"] = zeros_like(p);
        st["exp_avg_sq"] = zeros_like(p);
      }
      if (args.amsgrad && !st.count("max_exp_avg_sq")) st["max_exp_avg_sq"] = zeros_like(p);
      native::AdamOperands ops{p, grad, st["exp_avg"], st["exp_avg_sq"],
                               args.amsgrad ? st["max_exp_avg_sq"] : Tensor(), Tensor()};
      const double count = cap ? 0.0 : next_step(st, p);
      if (cap) ops.step = capture::device_step(st, p);
      buckets[{int(p.device().type), p.device().index, int(p.dtype()), count}].push_back(std::move(ops));
    }
    for (auto& [key, list] : buckets) {
      if (cap) {
        std::vector<Tensor> steps;
        for (const auto& ops : list) steps.push_back(ops.step);
        native::increment_counters_(steps);
        native::adam_step_multi_(list, args, hyper_.at(gi, list.front().param.device(), name()));
      } else {
        args.step = std::get<3>(key);
        native::adam_step_multi_(list, args);
      }
    }
  }
}

}  // namespace accmt::optim
