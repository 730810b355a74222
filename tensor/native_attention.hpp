#pragma once
// Raw front-ends of the fused attention kernel family (kernels/backend.hpp): checks,
// flattening of the batch dims, allocation, dispatch. autograd/ops_attention.cpp builds
// the differentiable op on top; nn::functional::scaled_dot_product_attention decides
// when to use it.
#include <array>
#include <optional>

#include "tensor/native.hpp"

namespace accmt::native {

struct AttentionForward {
  Tensor out;  // [..., L, Ev] in q's dtype
  Tensor lse;  // [B, L] float32: logsumexp of each row of scaled scores (B = batch dims flattened)
};

// q [..., L, E], k [..., S, E], v [..., S, Ev] with identical batch dims, one floating
// dtype, one device. Returns nothing when the device's backend does not take the case
// (then nothing was computed; the caller runs the math path).
std::optional<AttentionForward> attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, double scale,
                                                  bool causal);

// {dq, dk, dv} shaped like q, k, v, from the forward's out and lse and the output's
// gradient dout (shaped like out); nothing when the backend does not take the case.
std::optional<std::array<Tensor, 3>> attention_backward(const Tensor& q, const Tensor& k, const Tensor& v,
                                                        const Tensor& out, const Tensor& lse, const Tensor& dout,
                                                        double scale, bool causal);

}  // namespace accmt::native
