#pragma once
// Rprop (resilient backpropagation), matching torch.optim.Rprop.
#include "optim/optimizer.hpp"

namespace accmt::optim {

struct RpropOptions {
  double lr = 1e-2;
  std::pair<double, double> etas = {0.5, 1.2};
  std::pair<double, double> step_sizes = {1e-6, 50.0};
  bool maximize = false;
};

// Group keys: "lr", "etaminus", "etaplus", "step_size_min", "step_size_max", "maximize".
// State per parameter: "step", "prev", "step_size".
class Rprop : public Optimizer {
 public:
  explicit Rprop(std::vector<Tensor> params, RpropOptions options = {});
  explicit Rprop(std::vector<ParamGroup> groups, RpropOptions defaults = {});
  std::string name() const override { return "Rprop"; }
  void step() override;

 protected:
  void check_options(const Options& o) const override;
};

}  // namespace accmt::optim
