#pragma once
// NAdam (Adam with Nesterov momentum and a momentum-decay schedule), matching torch.optim.NAdam.
#include "optim/optimizer.hpp"

namespace accmt::optim {

struct NAdamOptions {
  double lr = 2e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum_decay = 4e-3;
  bool decoupled_weight_decay = false;
  bool maximize = false;
};

// Group keys: "lr", "beta1", "beta2", "eps", "weight_decay", "momentum_decay", "decoupled_weight_decay", "maximize".
// State per parameter: "step", "mu_product" (a scalar in the parameter's dtype), "exp_avg", "exp_avg_sq".
class NAdam : public Optimizer {
 public:
  explicit NAdam(std::vector<Tensor> params, NAdamOptions options = {});
  explicit NAdam(std::vector<ParamGroup> groups, NAdamOptions defaults = {});
  std::string name() const override { return "NAdam"; }
  void step() override;

 protected:
  void check_options(const Options& o) const override;
};

}  // namespace accmt::optim
