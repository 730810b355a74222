// Adam and AdamW (see adam.hpp): per-parameter fused update via native::adam_step_.
#include "optim/adam.hpp"

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

void Adam::step() {
  NoGradGuard no_grad;
  for (auto& g : param_groups()) {
    kernels::AdamStepArgs args{g.get("lr"),
                               g.get("beta1"),
                               g.get("beta2"),
                               g.get("eps"),
                               g.get("weight_decay"),
                               detail::flag(g, "decoupled_weight_decay"),
                               detail::flag(g, "amsgrad"),
                               detail::flag(g, "maximize"),
                               0.0};
    for (const Tensor& p : g.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      auto& st = state_of(p);
      if (!st.count("exp_avg")) {
        st["exp_avg"] = zeros_like(p);
        st["exp_avg_sq"] = zeros_like(p);
      }
      if (args.amsgrad && !st.count("max_exp_avg_sq")) st["max_exp_avg_sq"] = zeros_like(p);
      args.step = next_step(st, p);
      native::adam_step_(p, grad, st["exp_avg"], st["exp_avg_sq"], args.amsgrad ? st["max_exp_avg_sq"] : Tensor(),
                         args);
    }
  }
}

}  // namespace accmt::optim
