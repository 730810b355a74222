#pragma once
// Scaled dot-product attention with torch.nn.functional.scaled_dot_product_attention's
// semantics (the math path): softmax(q @ k^T * scale + mask) @ v.
#include <optional>
#include <utility>

#include "tensor/random.hpp"
#include "tensor/tensor.hpp"

namespace accmt::nn::functional {

// query [..., L, E], key [..., S, E], value [..., S, Ev] (batch dims broadcast).
// attn_mask broadcastable to [..., L, S]: bool (true = may attend) or floating (added to
// the scores). is_causal: the top-left aligned lower-triangular mask (attn_mask must then
// be undefined). scale defaults to 1 / sqrt(E). Rows with every key masked give zeros
// (PyTorch's safe softmax). dropout_p > 0 drops attention weights with `gen` (or the
// default generator) and rescales by 1 / (1 - dropout_p) — callers pass 0 in eval mode.
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask = Tensor(), double dropout_p = 0.0, bool is_causal = false,
                                    std::optional<double> scale = std::nullopt, Generator* gen = nullptr);

// The same, also returning the attention weights [..., L, S] (after dropout) for modules
// that report them.
std::pair<Tensor, Tensor> scaled_dot_product_attention_with_weights(const Tensor& query, const Tensor& key,
                                                                    const Tensor& value,
                                                                    const Tensor& attn_mask = Tensor(),
                                                                    double dropout_p = 0.0, bool is_causal = false,
                                                                    std::optional<double> scale = std::nullopt,
                                                                    Generator* gen = nullptr);

}  // namespace accmt::nn::functional
