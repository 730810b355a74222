#pragma once
// SparseAdam exists for name parity with torch.optim: it needs sparse gradients, which
// accmt does not have, so constructing one throws accmt::Error saying so.
#include "optim/optimizer.hpp"

namespace accmt::optim {

struct SparseAdamOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  bool maximize = false;
};

class SparseAdam : public Optimizer {
 public:
  // Always throws accmt::Error (use Adam or AdamW with dense gradients instead).
  explicit SparseAdam(std::vector<Tensor> params, SparseAdamOptions options = {});
  std::string name() const override { return "SparseAdam"; }
  void step() override;
};

}  // namespace accmt::optim
