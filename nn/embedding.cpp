// Embedding: N(0, 1) table with an optional zeroed, gradient-free padding row.
#include "nn/embedding.hpp"

#include "autograd/grad_mode.hpp"
#include "nn/functional/activation.hpp"
#include "nn/init.hpp"

namespace accmt::nn {

Embedding::Embedding(int64_t num, int64_t dim, const EmbeddingOptions& options)
    : num_embeddings(num), embedding_dim(dim), padding_idx(options.padding_idx) {
  ACCMT_CHECK(num >= 0 && dim >= 0, "Embedding: num_embeddings and embedding_dim must be non-negative, got ", num, " and ",
              dim);
  if (padding_idx) {
    ACCMT_CHECK(*padding_idx >= -num && *padding_idx < num, "Embedding: padding_idx ", *padding_idx,
                " must be within num_embeddings (", num, ")");
    if (*padding_idx < 0) *padding_idx += num;
  }
  TensorOptions opts{.dtype = options.dtype.value_or(get_default_dtype()), .device = options.device};
  ACCMT_CHECK(is_floating(opts.dtype), "Embedding: expected a floating dtype, got ", dtype_name(opts.dtype));
  weight = register_parameter("weight", empty({num, dim}, opts));
  reset_parameters(options.generator);
}

void Embedding::reset_parameters(Generator* gen) {
  init::normal_(weight, 0.0, 1.0, gen);
  if (padding_idx) {
    NoGradGuard no_grad;
    weight[*padding_idx].fill_(0.0);
  }
}

Tensor Embedding::forward(const Tensor& indices) { return functional::embedding(indices, weight, padding_idx); }

std::string Embedding::extra_repr() const {
  std::string s = std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim);
  if (padding_idx) s += ", padding_idx=" + std::to_string(*padding_idx);
  return s;
}

}  // namespace accmt::nn
