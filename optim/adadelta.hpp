#pragma once
// Adadelta, matching torch.optim.Adadelta.
#include "optim/optimizer.hpp"

namespace accmt::optim {

struct AdadeltaOptions {
  double lr = 1.0;
  double rho = 0.9;
  double eps = 1e-6;
  double weight_decay = 0.0;
  bool maximize = false;
};

// Group keys: "lr", "rho", "eps", "weight_decay", "maximize".
// State per parameter: "step", "square_avg", "acc_delta".
class Adadelta : public Optimizer {
 public:
  explicit Adadelta(std::vector<Tensor> params, AdadeltaOptions options = {});
  explicit Adadelta(std::vector<ParamGroup> groups, AdadeltaOptions defaults = {});
  std::string name() const override { return "Adadelta"; }
  void step() override;

 protected:
  void check_options(const Options& o) const override;
};

}  // namespace accmt::optim
