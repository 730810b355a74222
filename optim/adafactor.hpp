#pragma once
// Adafactor with HuggingFace transformers' semantics (transformers.optimization.Adafactor):
// a factored second moment (row and column statistics) for parameters of 2 or more dims,
// relative step sizes scaled by the parameter's RMS, update clipping, optional first moment.
#include <optional>

#include "optim/optimizer.hpp"

namespace accmt::optim {

struct AdafactorOptions {
  // External learning rate; must be absent (None) with relative_step, present without it.
  std::optional<double> lr = std::nullopt;
  double eps1 = 1e-30;  // added to squared gradients
  double eps2 = 1e-3;   // lower bound of the parameter scale
  double clip_threshold = 1.0;
  double decay_rate = -0.8;
  std::optional<double> beta1 = std::nullopt;  // no first moment when absent
  double weight_decay = 0.0;
  bool scale_parameter = true;
  bool relative_step = true;
  bool warmup_init = false;
};

// Group keys: "lr" and "beta1" (NaN means None), "eps1", "eps2", "clip_threshold",
// "decay_rate", "weight_decay", "scale_parameter", "relative_step", "warmup_init".
// State per parameter: "step", "exp_avg" (with beta1), and "exp_avg_sq_row" +
// "exp_avg_sq_col" (factored, >= 2-D) or "exp_avg_sq".
class Adafactor : public Optimizer {
 public:
  explicit Adafactor(std::vector<Tensor> params, AdafactorOptions options = {});
  explicit Adafactor(std::vector<ParamGroup> groups, AdafactorOptions defaults = {});
  std::string name() const override { return "Adafactor"; }
  void step() override;

 protected:
  void check_options(const Options& o) const override;
};

}  // namespace accmt::optim
