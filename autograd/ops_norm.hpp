#pragma once
// The differentiable fused LayerNorm / RMSNorm op (kernels in the normalisation family).
// nn::functional::layer_norm and rms_norm are the user-facing entry points.
#include "tensor/tensor.hpp"

namespace accmt::autograd {

// Normalises the trailing `normalized_ndim` dims of x; weight and bias may be undefined.
// rms: RMSNorm (x * rsqrt(mean(x^2) + eps) * weight; bias must be undefined).
// Backward runs the fused kernel; under create_graph it is built from differentiable ops
// so that higher-order gradients are exact.
Tensor fused_layer_norm(const Tensor& x, int64_t normalized_ndim, const Tensor& weight, const Tensor& bias, double eps,
                        bool rms);

}  // namespace accmt::autograd
