#pragma once
// Adagrad, matching torch.optim.Adagrad.
#include "optim/optimizer.hpp"

namespace accmt::optim {

struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
  bool maximize = false;
};

// Group keys: "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "maximize".
// State per parameter: "step", "sum".
class Adagrad : public Optimizer {
 public:
  explicit Adagrad(std::vector<Tensor> params, AdagradOptions options = {});
  explicit Adagrad(std::vector<ParamGroup> groups, AdagradOptions defaults = {});
  std::string name() const override { return "Adagrad"; }
  void step() override;

 protected:
  void check_options(const Options& o) const override;
};

}  // namespace accmt::optim
