#pragma once
// Pooling layers: MaxPool2d, AvgPool2d, AdaptiveAvgPool2d (PyTorch's arguments and printing).
#include <utility>

#include "nn/functional/conv.hpp"
#include "nn/module.hpp"

namespace accmt::nn {

struct MaxPool2dOptions {
  Int2 stride;  // not given: kernel_size
  Int2 padding = 0;
  Int2 dilation = 1;
  bool return_indices = false;  // then use forward_with_indices(); forward() says so
  bool ceil_mode = false;
};

struct AvgPool2dOptions {
  Int2 stride;  // not given: kernel_size
  Int2 padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
  int64_t divisor_override = 0;  // 0: none
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Int2 kernel_size, MaxPool2dOptions options = {});
  Tensor forward(const Tensor& input) override;
  // Values and int64 indices (flat within each input plane), whatever return_indices says.
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string type_name() const override { return "MaxPool2d"; }
  std::string extra_repr() const override;

  Int2 kernel_size;
  MaxPool2dOptions options;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Int2 kernel_size, AvgPool2dOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "AvgPool2d"; }
  std::string extra_repr() const override;

  Int2 kernel_size;
  AvgPool2dOptions options;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Int2 output_size);
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "AdaptiveAvgPool2d"; }
  std::string extra_repr() const override;

  Int2 output_size;
};

}  // namespace accmt::nn
