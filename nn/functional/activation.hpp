#pragma once
// torch.nn.functional equivalents for activations, linear, dropout and embedding. All are
// differentiable compositions of tensor ops, so they run on any device.
#include <cstdint>
#include <optional>
#include <string>

#include "tensor/random.hpp"
#include "tensor/tensor.hpp"

namespace accmt::nn::functional {

Tensor relu(const Tensor& input);
// approximate: "none" (erf form) or "tanh"; anything else raises accmt::Error.
Tensor gelu(const Tensor& input, const std::string& approximate = "none");
Tensor silu(const Tensor& input);
Tensor tanh(const Tensor& input);
Tensor sigmoid(const Tensor& input);
// x if x > 0 else negative_slope * x (the gradient at 0 is negative_slope, like PyTorch).
Tensor leaky_relu(const Tensor& input, double negative_slope = 0.01);
// dtype: cast the input first (e.g. to float32 for a float16 input).
Tensor softmax(const Tensor& input, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor log_softmax(const Tensor& input, int64_t dim, std::optional<DType> dtype = std::nullopt);

// input [..., in_features] @ weight[out_features, in_features]^T + bias[out_features].
// bias may be undefined. Input and weight must have the same dtype.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = Tensor());

// Inverted dropout: in training, zeroes each element with probability p and scales the
// rest by 1 / (1 - p); otherwise returns the input unchanged. p must be in [0, 1].
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true, Generator* gen = nullptr);

// Rows of weight [num_embeddings, dim] picked by integer indices (any shape), giving
// [*indices.shape, dim]. Rows picked by padding_idx (negative counts from the end)
// receive no gradient.
Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<int64_t> padding_idx = std::nullopt);

}  // namespace accmt::nn::functional
