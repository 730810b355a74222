#pragma once
// The fused bias + activation family: y = act(x + b), b broadcast over the last dim of x.
// The activation is ops.hpp's apply_unary and its gradient the *Backward binary op that the
// unfused backward runs, so fused and unfused compute the same per-element math. For
// 16-bit dtypes the kernels round x + b to the dtype before the activation and grad_x to
// the dtype before summing it into grad_b, exactly as the unfused ops (and PyTorch's
// F.gelu(x + b)) do.
#include "kernels/common/ops.hpp"

namespace accmt::ops {

// The activations the fused family takes (X(Name) per Unary op, for switches).
#define ACCMT_FOR_EACH_BIAS_ACT(X) X(GeluExact) X(GeluTanh) X(Silu) X(Relu)

inline constexpr bool is_bias_activation(Unary op) {
  return op == Unary::GeluExact || op == Unary::GeluTanh || op == Unary::Silu || op == Unary::Relu;
}

// grad * act'(z) as the binary op apply_binary(op, grad, z) evaluates. ReluBackward tests
// its second operand > 0, and z > 0 exactly where relu(z) > 0.
inline constexpr Binary bias_act_backward_op(Unary op) {
  switch (op) {
    case Unary::GeluExact: return Binary::GeluExactBackward;
    case Unary::GeluTanh: return Binary::GeluTanhBackward;
    case Unary::Silu: return Binary::SiluBackward;
    default: return Binary::ReluBackward;
  }
}

// Calls f.template operator()<kAct>() with the activation as a compile-time constant, so
// the kernels have no switch inside (host code of both backends).
template <class F> void with_bias_activation(Unary act, F&& f) {
#define ACCMT_BIAS_ACT_CASE(NAME) \
  case Unary::NAME: return f.template operator()<Unary::NAME>();
  switch (act) {
    ACCMT_FOR_EACH_BIAS_ACT(ACCMT_BIAS_ACT_CASE)
    default: return;
  }
#undef ACCMT_BIAS_ACT_CASE
}

}  // namespace accmt::ops
