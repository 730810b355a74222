#pragma once
// Helpers shared by the differentiable op definitions in autograd/ops_*.cpp.
#include <vector>

#include "autograd/grad_mode.hpp"
#include "autograd/node.hpp"
#include "tensor/native.hpp"

namespace accmt::autograd {

// Sums a broadcast gradient back down to `shape` (the input's shape before broadcasting).
Tensor sum_to(const Tensor& grad, const Shape& shape);

// The dtype unary float ops compute in: the tensor's own floating type, or the default
// float dtype for integer and bool inputs (torch.exp(int_tensor) is float32).
DType float_dtype(const Tensor& t);

// The activations' backward g * act'(x) as differentiable tensor ops, for create_graph
// (the fused kernels used otherwise have no backward of their own): tanh, sigmoid and
// relu read out (relu only its sign), gelu, gelu_tanh, silu and softplus read x. Returns
// an undefined tensor for other ops.
Tensor activation_backward_composite(ops::Unary op, const Tensor& g, const Tensor& x, const Tensor& out);

// Tensor holding a scalar, on t's device, with dtype dt.
Tensor scalar_like(const Scalar& s, const Tensor& t, DType dt);

// In-place helper: checks that self may be written (autograd rules), writes `result`'s
// values into self, bumps the version and rewires self's history to `result`'s grad_fn.
Tensor& commit_inplace(Tensor& self, const Tensor& result, const char* op);

// Rejects in-place writes that autograd cannot support (a leaf that requires grad).
void check_inplace(const Tensor& self, const char* op);

}  // namespace accmt::autograd
