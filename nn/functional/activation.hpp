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

// linear followed by an activation: "none", "relu", "gelu", "gelu_tanh" or "silu". With
// a bias the bias add and the activation run as one fused op (bias_relu etc. below), so
// the [..., out_features] result is written once and read once in backward; the values
// equal activation(linear(input, weight, bias)) up to rounding.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias, const std::string& activation);

// Fused bias + activation: act(input + bias) for input [..., N] and bias [N] of the same
// floating dtype and device, in one pass forward and one backward (which yields the
// gradients of input and bias together; bias's is summed in a fixed order, so it is the
// same from run to run). Values equal gelu(input + bias) etc. up to rounding; 16-bit
// inputs round input + bias to their dtype first, like the unfused ops and PyTorch.
// approximate: "none" (erf form) or "tanh", as in gelu.
Tensor bias_gelu(const Tensor& input, const Tensor& bias, const std::string& approximate = "none");
Tensor bias_silu(const Tensor& input, const Tensor& bias);
Tensor bias_relu(const Tensor& input, const Tensor& bias);

// Inverted dropout: in training, zeroes each element with probability p and scales the
// rest by 1 / (1 - p); otherwise returns the input unchanged. p must be in [0, 1].
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true, Generator* gen = nullptr);

// Rows of weight [num_embeddings, dim] picked by integer indices (any shape), giving
// [*indices.shape, dim]. Rows picked by padding_idx (negative counts from the end)
// receive no gradient.
Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<int64_t> padding_idx = std::nullopt);

}  // namespace accmt::nn::functional
