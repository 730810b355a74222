#pragma once
// RMSprop (optionally centered, with momentum), matching torch.optim.RMSprop.
#include "optim/optimizer.hpp"

namespace accmt::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
  bool maximize = false;
};

// Group keys: "lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize".
// State per parameter: "step", "square_avg", "momentum_buffer" (momentum > 0), "grad_avg" (centered).
class RMSprop : public Optimizer {
 public:
  explicit RMSprop(std::vector<Tensor> params, RMSpropOptions options = {});
  explicit RMSprop(std::vector<ParamGroup> groups, RMSpropOptions defaults = {});
  std::string name() const override { return "RMSprop"; }
  void step() override;

 protected:
  void check_options(const Options& o) const override;
};

}  // namespace accmt::optim
