#pragma once
// Dropout: zeroes elements with probability p while training and scales the kept ones by
// 1 / (1 - p); the identity in eval mode.
#include "nn/module.hpp"
#include "tensor/random.hpp"

namespace accmt::nn {

struct DropoutOptions {
  // Draws the masks; the default generator when null. Not owned: it must outlive the module.
  Generator* generator = nullptr;
};

class Dropout : public Module {
 public:
  // p outside [0, 1] raises accmt::Error.
  explicit Dropout(double p = 0.5, const DropoutOptions& options = {});

  Tensor forward(const Tensor& input) override;

  std::string type_name() const override { return "Dropout"; }
  std::string extra_repr() const override;

  double p = 0.5;
  Generator* generator = nullptr;
};

}  // namespace accmt::nn
