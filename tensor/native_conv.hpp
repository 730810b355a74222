#pragma once
// Raw convolution and pooling front-ends (no autograd): shape/dtype checks, allocation,
// im2col + batched GEMM, dispatch to the pooling kernels. Inputs are 4-D [N, C, H, W];
// float32 or float64; bfloat16/float16 run natively where the backend has a path (cuDNN)
// and in float32, rounded once, elsewhere. autograd/ops_conv.cpp builds the
// differentiable ops on these.
#include <utility>

#include "kernels/backend.hpp"
#include "tensor/tensor.hpp"

namespace accmt::native {

// A 2-D convolution's hyper-parameters (conv1d uses height 1). pad is the top/left
// padding; the output size is passed explicitly, which also covers asymmetric "same"
// padding and transposed convolutions' output_padding.
struct ConvGeometry {
  int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dilation_h = 1, dilation_w = 1, groups = 1;
};

// y = conv(x, w) (+ bias): x [N, C, H, W], w [O, C / groups, kh, kw], bias [O] or
// undefined -> y [N, O, out_h, out_w].
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvGeometry& g, int64_t out_h,
              int64_t out_w);
// The adjoint of conv2d in x (the input gradient; also the transposed convolution):
// gy [N, O, oh, ow] -> [N, C, in_h, in_w].
Tensor conv2d_backward_input(const Tensor& gy, const Tensor& w, const ConvGeometry& g, int64_t in_h, int64_t in_w);
// The weight gradient of conv2d: gy [N, O, oh, ow], x [N, C, H, W] -> [O, C / groups, kh, kw].
Tensor conv2d_backward_weight(const Tensor& gy, const Tensor& x, const ConvGeometry& g, int64_t kernel_h,
                              int64_t kernel_w);

// Pooling over [N, C, H, W] with the window in `w` (its in_*/out_* sizes are filled in by
// the caller). max_pool2d returns values and int64 indices (flat within each plane).
std::pair<Tensor, Tensor> max_pool2d(const Tensor& x, const kernels::Window2d& w);
Tensor max_pool2d_backward(const Tensor& gy, const Tensor& indices, const Shape& input_shape);
Tensor avg_pool2d(const Tensor& x, const kernels::Window2d& w, bool count_include_pad, int64_t divisor_override);
Tensor avg_pool2d_backward(const Tensor& gy, const Shape& input_shape, const kernels::Window2d& w,
                           bool count_include_pad, int64_t divisor_override);
Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w);
Tensor adaptive_avg_pool2d_backward(const Tensor& gy, const Shape& input_shape);

}  // namespace accmt::native
