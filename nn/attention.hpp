#pragma once
// nn::MultiheadAttention with torch.nn.MultiheadAttention's parameters, names and forward
// semantics, so that state_dicts load from PyTorch: in_proj_weight [3E, E],
// in_proj_bias [3E], out_proj.weight [E, E], out_proj.bias [E].
#include <memory>
#include <utility>

#include "nn/module.hpp"
#include "tensor/random.hpp"

namespace accmt::nn {

namespace detail {
// out_proj: a weight [out, in] and optional bias, y = x W^T + b (PyTorch's Linear layout).
class AttnOutProj : public Module {
 public:
  AttnOutProj(int64_t in, int64_t out, bool bias);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "NonDynamicallyQuantizableLinear"; }
  std::string extra_repr() const override;
  Tensor weight, bias;
};
}  // namespace detail

struct MultiheadAttentionOptions {
  double dropout = 0.0;       // on the attention weights, in training mode
  bool bias = true;           // in_proj_bias and out_proj.bias
  bool batch_first = false;   // [N, L, E] instead of [L, N, E]
  int64_t kdim = 0;           // 0 = embed_dim; other values are rejected (not supported)
  int64_t vdim = 0;
};

class MultiheadAttention : public Module {
 public:
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, const MultiheadAttentionOptions& opts = {});

  // query [L, N, E] ([N, L, E] if batch_first, [L, E] unbatched), key/value [S, N, E].
  // key_padding_mask [N, S] ([S] unbatched): bool true = ignore that key, or floating
  // (added). attn_mask [L, S] or [N * num_heads, L, S]: bool true = may NOT attend (the
  // opposite of scaled_dot_product_attention), or floating (added). is_causal: with an
  // attn_mask it is a hint, as in PyTorch; without one, a causal mask is applied (PyTorch
  // raises instead). Returns {output, weights}: weights [N, L, S] averaged over heads, or
  // [N, num_heads, L, S]; undefined unless need_weights.
  std::pair<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& key_padding_mask = Tensor(), bool need_weights = true,
                                    const Tensor& attn_mask = Tensor(), bool average_attn_weights = true,
                                    bool is_causal = false);
  // Self-attention output, for containers.
  Tensor forward(const Tensor& x) override;

  // PyTorch's initialisation: xavier_uniform_ in_proj_weight, zero biases, out_proj.weight
  // like Linear (uniform in +-1/sqrt(E)).
  void reset_parameters(Generator* gen = nullptr);

  std::string type_name() const override { return "MultiheadAttention"; }

  int64_t embed_dim, num_heads, head_dim;
  MultiheadAttentionOptions options;
  Tensor in_proj_weight, in_proj_bias;
  std::shared_ptr<detail::AttnOutProj> out_proj;
  Generator* generator = nullptr;  // dropout draws (nullptr: the default generator)
};

}  // namespace accmt::nn
