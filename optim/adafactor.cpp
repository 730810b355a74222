// Adafactor (see adafactor.hpp), following transformers' reference algorithm step by step.
#include "optim/adafactor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd/grad_mode.hpp"
#include "optim/checks.hpp"

namespace accmt::optim {

namespace {
constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
double b(bool v) { return v ? 1.0 : 0.0; }
Options to_map(const AdafactorOptions& o) {
  return {{"lr", o.lr.value_or(kNone)},
          {"eps1", o.eps1},
          {"eps2", o.eps2},
          {"clip_threshold", o.clip_threshold},
          {"decay_rate", o.decay_rate},
          {"beta1", o.beta1.value_or(kNone)},
          {"weight_decay", o.weight_decay},
          {"scale_parameter", b(o.scale_parameter)},
          {"relative_step", b(o.relative_step)},
          {"warmup_init", b(o.warmup_init)}};
}

// Root mean square of all elements, as a 0-dim tensor.
Tensor rms(const Tensor& t) { return t.norm(2.0).div(std::sqrt(double(t.numel()))); }
}  // namespace

Adafactor::Adafactor(std::vector<Tensor> params, AdafactorOptions options)
    : Optimizer(std::move(params), to_map(options)) {
  check_all_groups();
}
Adafactor::Adafactor(std::vector<ParamGroup> groups, AdafactorOptions defaults)
    : Optimizer(std::move(groups), to_map(defaults)) {
  check_all_groups();
}

void Adafactor::check_options(const Options& o) const {
  const double lr = o.at("lr");
  const bool relative = o.at("relative_step") != 0;
  ACCMT_CHECK(!(relative && !std::isnan(lr)), "Adafactor: Cannot combine manual `lr` (", lr,
              ") and `relative_step=True` options");
  ACCMT_CHECK(!(o.at("warmup_init") != 0 && !relative), "Adafactor: `warmup_init=True` requires `relative_step=True`");
  ACCMT_CHECK(relative || !std::isnan(lr), "Adafactor: lr=None is only allowed with `relative_step=True`");
  if (!std::isnan(lr)) detail::check_nonneg("Adafactor", "learning rate", lr);
  detail::check_nonneg("Adafactor", "eps1 value", o.at("eps1"));
  detail::check_nonneg("Adafactor", "eps2 value", o.at("eps2"));
  detail::check_nonneg("Adafactor", "weight_decay value", o.at("weight_decay"));
  ACCMT_CHECK(o.at("clip_threshold") > 0, "Adafactor: Invalid clip_threshold: ", o.at("clip_threshold"),
              " (expected > 0)");
  ACCMT_CHECK(o.at("decay_rate") <= 0, "Adafactor: Invalid decay_rate: ", o.at("decay_rate"),
              " (expected <= 0, e.g. -0.8)");
  const double beta1 = o.at("beta1");
  if (!std::isnan(beta1)) detail::check_unit("Adafactor", "beta1", beta1);
}

void Adafactor::step() {
  NoGradGuard no_grad;
  for (auto& g : param_groups()) {
    const double eps1 = g.get("eps1"), eps2 = g.get("eps2"), clip = g.get("clip_threshold");
    const double decay_rate = g.get("decay_rate"), beta1 = g.get("beta1"), wd = g.get("weight_decay");
    const bool use_first_moment = !std::isnan(beta1);
    for (Tensor param : g.params) {
      Tensor grad = param.grad();
      if (!grad.defined()) continue;
      // 16-bit parameters are updated through a float32 copy, like transformers.
      const bool low_precision = param.dtype() == DType::Float16 || param.dtype() == DType::BFloat16;
      if (low_precision) grad = grad.to(DType::Float32);
      Tensor p = low_precision ? param.to(DType::Float32) : param;
      const bool factored = grad.dim() >= 2;
      auto& st = state_of(param);
      if (!st.count("exp_avg_sq") && !st.count("exp_avg_sq_row")) {
        if (use_first_moment) st["exp_avg"] = zeros_like(grad);
        if (factored) {
          Shape row(grad.sizes().begin(), grad.sizes().end() - 1);
          Shape col(grad.sizes().begin(), grad.sizes().end() - 2);
          col.push_back(grad.sizes().back());
          st["exp_avg_sq_row"] = zeros(row, grad.options());
          st["exp_avg_sq_col"] = zeros(col, grad.options());
        } else {
          st["exp_avg_sq"] = zeros_like(grad);
        }
      }
      const double t = next_step(st, param);
      // The learning rate: relative (1/sqrt(t), capped) and scaled by the parameter's RMS.
      double lr = g.get("lr");
      if (g.get("relative_step") != 0) {
        const double min_step = g.get("warmup_init") != 0 ? 1e-6 * t : 1e-2;
        lr = std::min(min_step, 1.0 / std::sqrt(t));
      }
      if (g.get("scale_parameter") != 0) lr *= std::max(eps2, rms(p).item<double>());
      const double beta2t = 1.0 - std::pow(t, decay_rate);
      Tensor update = grad.square().add(eps1);
      if (factored) {
        Tensor& row = st["exp_avg_sq_row"];
        Tensor& col = st["exp_avg_sq_col"];
        row.mul_(beta2t).add_(update.mean({-1}), 1.0 - beta2t);
        col.mul_(beta2t).add_(update.mean({-2}), 1.0 - beta2t);
        // Rank-1 reconstruction of the second moment: row_i * col_j / mean(row).
        Tensor r_factor = row.div(row.mean({-1}, true)).rsqrt().unsqueeze(-1);
        Tensor c_factor = col.unsqueeze(-2).rsqrt();
        update = r_factor.mul(c_factor).mul(grad);
      } else {
        Tensor& v = st["exp_avg_sq"];
        v.mul_(beta2t).add_(update, 1.0 - beta2t);
        update = v.rsqrt().mul(grad);
      }
      update.div_(rms(update).div(clip).clamp_min(1.0));
      update.mul_(lr);
      if (use_first_moment) {
        Tensor& m = st["exp_avg"];
        m.mul_(beta1).add_(update, 1.0 - beta1);
        update = m;
      }
      if (wd != 0) p.add_(p, -wd * lr);
      p.sub_(update);
      if (low_precision) param.copy_(p);
    }
  }
}

}  // namespace accmt::optim
