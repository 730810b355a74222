#pragma once
// Adamax (Adam with the infinity norm), matching torch.optim.Adamax.
#include "optim/optimizer.hpp"

namespace accmt::optim {

struct AdamaxOptions {
  double lr = 2e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool maximize = false;
};

// Group keys: "lr", "beta1", "beta2", "eps", "weight_decay", "maximize".
// State: "step", "exp_avg", "exp_inf".
class Adamax : public Optimizer {
 public:
  explicit Adamax(std::vector<Tensor> params, AdamaxOptions options = {});
  explicit Adamax(std::vector<ParamGroup> groups, AdamaxOptions defaults = {});
  std::string name() const override { return "Adamax"; }
  void step() override;

 protected:
  void check_options(const Options& o) const override;
};

}  // namespace accmt::optim
