#pragma once
// Convolution layers: Conv1d, Conv2d, ConvTranspose2d with PyTorch's arguments, default
// initialisation (U(+-1/sqrt(fan_in)) for weight and bias), parameter names and printing.
#include <optional>
#include <string>

#include "nn/functional/conv.hpp"
#include "nn/module.hpp"
#include "tensor/random.hpp"

namespace accmt::nn {

struct Conv1dOptions {
  int64_t stride = 1;
  Padding1 padding = 0;  // a number, "same" or "valid"
  int64_t dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  std::string padding_mode = "zeros";  // the only mode implemented; others are rejected
  std::optional<DType> dtype = std::nullopt;          // default: get_default_dtype()
  Generator* generator = nullptr;      // for the initial weights (default generator if null)
};

struct Conv2dOptions {
  Int2 stride = 1;
  Padding2 padding = 0;  // a number, a pair, "same" or "valid"
  Int2 dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  std::string padding_mode = "zeros";
  std::optional<DType> dtype = std::nullopt;
  Generator* generator = nullptr;
};

struct ConvTranspose2dOptions {
  Int2 stride = 1;
  Int2 padding = 0;
  Int2 output_padding = 0;
  int64_t groups = 1;
  Int2 dilation = 1;
  bool bias = true;
  std::optional<DType> dtype = std::nullopt;
  Generator* generator = nullptr;
};

// weight [out, in / groups, k]; bias [out].
class Conv1d : public Module {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, Conv1dOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Conv1d"; }
  std::string extra_repr() const override;

  int64_t in_channels, out_channels, kernel_size;
  Conv1dOptions options;
  Tensor weight, bias;  // bias undefined when options.bias is false
};

// weight [out, in / groups, kh, kw]; bias [out].
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Int2 kernel_size, Conv2dOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "Conv2d"; }
  std::string extra_repr() const override;

  int64_t in_channels, out_channels;
  Int2 kernel_size;
  Conv2dOptions options;
  Tensor weight, bias;
};

// weight [in, out / groups, kh, kw]; bias [out].
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, Int2 kernel_size, ConvTranspose2dOptions options = {});
  Tensor forward(const Tensor& input) override;
  // PyTorch's forward(input, output_size): a stride above 1 leaves several output sizes
  // possible; this picks the output padding that gives `output_size` (the last two dims;
  // 2 or 4 numbers), which must lie in [smallest, smallest + stride - 1] per dim (an
  // accmt::Error names the valid range otherwise). options.output_padding is ignored.
  Tensor forward(const Tensor& input, const std::vector<int64_t>& output_size);
  std::string type_name() const override { return "ConvTranspose2d"; }
  std::string extra_repr() const override;

  int64_t in_channels, out_channels;
  Int2 kernel_size;
  ConvTranspose2dOptions options;
  Tensor weight, bias;
};

}  // namespace accmt::nn
