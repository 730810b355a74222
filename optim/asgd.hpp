#pragma once
// Averaged SGD, matching torch.optim.ASGD.
#include "optim/optimizer.hpp"

namespace accmt::optim {

struct ASGDOptions {
  double lr = 1e-2;
  double lambd = 1e-4;
  double alpha = 0.75;
  double t0 = 1e6;
  double weight_decay = 0.0;
  bool maximize = false;
};

// Group keys: "lr", "lambd", "alpha", "t0", "weight_decay", "maximize".
// State per parameter: "step", "eta", "mu" (scalars in the parameter's dtype), "ax" (the average).
class ASGD : public Optimizer {
 public:
  explicit ASGD(std::vector<Tensor> params, ASGDOptions options = {});
  explicit ASGD(std::vector<ParamGroup> groups, ASGDOptions defaults = {});
  std::string name() const override { return "ASGD"; }
  void step() override;

 protected:
  void check_options(const Options& o) const override;
};

}  // namespace accmt::optim
