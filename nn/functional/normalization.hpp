#pragma once
// Normalisation functions, like torch.nn.functional's. An undefined Tensor stands for
// Python's None (no weight, no bias, no running statistics).
#include <optional>

#include "tensor/tensor.hpp"

namespace accmt::nn::functional {

// Normalises over the trailing dims given by normalized_shape (which must equal x's last
// dims): (x - mean) / sqrt(var + eps) * weight + bias, with the biased variance.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);

// x / sqrt(mean(x^2) + eps) * weight over the trailing normalized_shape dims; eps defaults
// to the machine epsilon of x's dtype, like torch.nn.functional.rms_norm.
Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                std::optional<double> eps = std::nullopt);

// x is [N, C, *]; channels are split into num_groups groups, each normalised over its
// channels and all spatial positions; weight and bias are per channel ([C]).
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = {}, const Tensor& bias = {},
                  double eps = 1e-5);

// x is [N, C, *]. training: normalise with the batch statistics (biased variance) and, if
// running_mean/running_var are given, update them in place:
//   running = (1 - momentum) * running + momentum * batch_stat (unbiased variance).
// Not training: normalise with running_mean/running_var, which are then required.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight = {},
                  const Tensor& bias = {}, bool training = false, double momentum = 0.1, double eps = 1e-5);

// The machine epsilon of a floating dtype (torch.finfo(dtype).eps).
double dtype_eps(DType dtype);

}  // namespace accmt::nn::functional
