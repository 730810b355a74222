#pragma once
// Raw front-ends of the fused bias + activation kernels (no autograd; see
// autograd/ops_bias_act.hpp for the differentiable op and nn/functional for the API).
#include "tensor/native.hpp"

namespace accmt::native {

// The name of a fused activation in messages ("bias_gelu", "bias_gelu_tanh", ...).
const char* bias_act_name(ops::Unary act);

// Throws accmt::Error naming `op` unless act is a fused activation, x is a floating
// tensor of at least one dim and bias is 1-D [x.size(-1)] with x's dtype and device.
void check_bias_act(const char* op, ops::Unary act, const Tensor& x, const Tensor& bias);

// act(x + bias), bias broadcast over the last dim of x; x's shape and dtype.
Tensor bias_act_forward(ops::Unary act, const Tensor& x, const Tensor& bias);

struct BiasActGrads {
  Tensor grad_x;     // x's shape: grad_y * act'(x + bias)
  Tensor grad_bias;  // [N]: grad_x summed over the leading dims; undefined unless asked for
};

// The backward of bias_act_forward in one pass (grad_y has x's shape and dtype).
BiasActGrads bias_act_backward(ops::Unary act, const Tensor& grad_y, const Tensor& x, const Tensor& bias,
                               bool need_grad_bias);

}  // namespace accmt::native
