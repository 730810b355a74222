#pragma once
// The differentiable fused bias + activation op, act(x + bias) with bias broadcast over
// the last dim of x (kernels in the bias_act family). nn::functional::bias_gelu,
// bias_silu, bias_relu and linear with an activation are the user-facing entry points.
#include "kernels/common/ops.hpp"
#include "tensor/tensor.hpp"

namespace accmt::autograd {

// act: ops::Unary::GeluExact, GeluTanh, Silu or Relu. Backward runs the fused kernel
// (grad_x and grad_bias in one pass); under create_graph it is built from differentiable
// ops on x + bias instead, so higher-order gradients are exact.
Tensor fused_bias_act(const Tensor& x, const Tensor& bias, ops::Unary act);

}  // namespace accmt::autograd
