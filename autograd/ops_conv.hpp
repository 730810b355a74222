#pragma once
// Differentiable convolution and pooling primitives (the functional layer in
// nn/functional/conv.hpp parses user arguments and calls these).
//
// The three convolution ops are the partial derivatives of the bilinear form
// <gy, conv(x, w)>: conv2d (in gy), conv2d_backward_input (in x) and
// conv2d_backward_weight (in w). Each one's backward is made of the other two, so
// gradients of any order work, and conv_transpose2d is conv2d_backward_input.
#include <utility>

#include "tensor/native_conv.hpp"

namespace accmt::autograd {

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const native::ConvGeometry& g, int64_t out_h,
              int64_t out_w);
Tensor conv2d_backward_input(const Tensor& gy, const Tensor& w, const native::ConvGeometry& g, int64_t in_h,
                             int64_t in_w);
Tensor conv2d_backward_weight(const Tensor& gy, const Tensor& x, const native::ConvGeometry& g, int64_t kernel_h,
                              int64_t kernel_w);

// Pooling over [N, C, H, W]; `w` carries the input and output sizes.
std::pair<Tensor, Tensor> max_pool2d(const Tensor& x, const kernels::Window2d& w);
Tensor avg_pool2d(const Tensor& x, const kernels::Window2d& w, bool count_include_pad, int64_t divisor_override);
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);

}  // namespace accmt::autograd
