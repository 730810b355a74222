#pragma once
// Embedding: a lookup table of num_embeddings vectors of size embedding_dim.
#include <cstdint>
#include <optional>

#include "nn/module.hpp"
#include "tensor/random.hpp"

namespace accmt::nn {

struct EmbeddingOptions {
  // Entry whose row starts at zero and never receives a gradient (negative counts from
  // the end; stored normalised, like PyTorch).
  std::optional<int64_t> padding_idx = std::nullopt;
  std::optional<DType> dtype = std::nullopt;  // the default dtype when unset
  Device device = kCPU;
  Generator* generator = nullptr;  // for the initial values; the default generator when null
};

// weight [num_embeddings, embedding_dim] drawn from N(0, 1). forward takes integer
// indices of any shape and returns [*indices.shape, embedding_dim].
class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, const EmbeddingOptions& options = {});

  Tensor forward(const Tensor& indices) override;
  void reset_parameters(Generator* gen = nullptr);

  std::string type_name() const override { return "Embedding"; }
  std::string extra_repr() const override;

  int64_t num_embeddings = 0, embedding_dim = 0;
  std::optional<int64_t> padding_idx = std::nullopt;
  Tensor weight;
};

}  // namespace accmt::nn
