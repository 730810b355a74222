#pragma once
// RAdam (rectified Adam), matching torch.optim.RAdam.
#include "optim/optimizer.hpp"

namespace accmt::optim {

struct RAdamOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool decoupled_weight_decay = false;
  bool maximize = false;
};

// Group keys: "lr", "beta1", "beta2", "eps", "weight_decay", "decoupled_weight_decay", "maximize".
// State per parameter: "step", "exp_avg", "exp_avg_sq".
class RAdam : public Optimizer {
 public:
  explicit RAdam(std::vector<Tensor> params, RAdamOptions options = {});
  explicit RAdam(std::vector<ParamGroup> groups, RAdamOptions defaults = {});
  std::string name() const override { return "RAdam"; }
  void step() override;

 protected:
  void check_options(const Options& o) const override;
};

}  // namespace accmt::optim
