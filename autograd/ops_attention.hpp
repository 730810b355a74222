#pragma once
// The differentiable fused scaled-dot-product attention (one kernel forward, one
// recompute-based backward). nn::functional::scaled_dot_product_attention routes to it
// when the case qualifies and falls back to its math path otherwise.
#include "tensor/tensor.hpp"

namespace accmt::autograd {

// softmax(q k^T * scale [causal: keys j <= query i]) v for q [..., L, E], k [..., S, E],
// v [..., S, Ev] with identical batch dims. Returns an undefined tensor when the device's
// backend does not take the case (nothing was computed). A create_graph backward uses
// the same gradient formulas written with differentiable tensor ops.
Tensor fused_attention(const Tensor& q, const Tensor& k, const Tensor& v, double scale, bool causal);

}  // namespace accmt::autograd
