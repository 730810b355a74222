#pragma once
// Functional convolution and pooling (torch.nn.functional names and defaults).
// Inputs are batched [N, C, H, W] (conv1d: [N, C, L]) or unbatched without N.
// Sizes are a number or an (h, w) pair: `3`, `{3, 5}`; padding may also be "same"/"valid".
#include <concepts>
#include <cstdint>
#include <string>
#include <utility>

#include "tensor/tensor.hpp"

namespace accmt::nn {

// One size per spatial dim of a 2-D op: `k` (both dims) or `{h, w}`. Default-constructed
// means "not given" (pooling strides then default to the kernel size).
struct Int2 {
  int64_t h = 0, w = 0;
  bool given = false;
  Int2() = default;
  template <std::integral I> Int2(I v) : h(v), w(v), given(true) {}
  Int2(int64_t h_, int64_t w_) : h(h_), w(w_), given(true) {}
  std::string str() const;  // "(h, w)", like PyTorch prints tuples
};

// Convolution padding: a number, an (h, w) pair, or the strings "same" / "valid".
struct Padding2 {
  Int2 size = 0;
  std::string mode;  // empty for numeric padding
  template <std::integral I> Padding2(I v) : size(v) {}
  Padding2(int64_t h, int64_t w) : size(h, w) {}
  Padding2(Int2 v) : size(v) {}
  Padding2(const char* s) : mode(s) {}
  Padding2(std::string s) : mode(std::move(s)) {}
};

// Conv1d padding: a number or "same" / "valid".
struct Padding1 {
  int64_t size = 0;
  std::string mode;
  template <std::integral I> Padding1(I v) : size(v) {}
  Padding1(const char* s) : mode(s) {}
  Padding1(std::string s) : mode(std::move(s)) {}
};

namespace functional {

struct Conv1dFuncOptions {
  int64_t stride = 1;
  Padding1 padding = 0;
  int64_t dilation = 1;
  int64_t groups = 1;
};
struct Conv2dFuncOptions {
  Int2 stride = 1;
  Padding2 padding = 0;
  Int2 dilation = 1;
  int64_t groups = 1;
};
struct ConvTranspose2dFuncOptions {
  Int2 stride = 1;
  Int2 padding = 0;
  Int2 output_padding = 0;
  int64_t groups = 1;
  Int2 dilation = 1;
};
struct MaxPool2dFuncOptions {
  Int2 stride;  // not given: the kernel size
  Int2 padding = 0;
  Int2 dilation = 1;
  bool ceil_mode = false;
};
struct AvgPool2dFuncOptions {
  Int2 stride;  // not given: the kernel size
  Int2 padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
  int64_t divisor_override = 0;  // 0: none (PyTorch's None)
};

// weight [out, in / groups, k] / [out, in / groups, kh, kw]; bias [out] or undefined.
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, const Conv1dFuncOptions& opts = {});
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, const Conv2dFuncOptions& opts = {});
// weight [in, out / groups, kh, kw].
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {},
                        const ConvTranspose2dFuncOptions& opts = {});

Tensor max_pool2d(const Tensor& input, Int2 kernel_size, const MaxPool2dFuncOptions& opts = {});
// Values and int64 indices (flat y * W + x within each input plane, like PyTorch).
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Int2 kernel_size,
                                                  const MaxPool2dFuncOptions& opts = {});
Tensor avg_pool2d(const Tensor& input, Int2 kernel_size, const AvgPool2dFuncOptions& opts = {});
Tensor adaptive_avg_pool2d(const Tensor& input, Int2 output_size);

}  // namespace functional
}  // namespace accmt::nn
