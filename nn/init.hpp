#pragma once
// Parameter initialisation, like torch.nn.init. Every function fills its tensor in place
// (without recording autograd, so it works on parameters that require grad), returns the
// same handle, and draws from `gen` or, when it is null, the default generator.
#include <optional>
#include <string>
#include <utility>

#include "tensor/random.hpp"
#include "tensor/tensor.hpp"

namespace accmt::nn::init {

// The recommended gain for a nonlinearity: "linear", "conv1d", "conv2d", "conv3d",
// "conv_transpose1d/2d/3d", "sigmoid" -> 1; "tanh" -> 5/3; "relu" -> sqrt(2);
// "leaky_relu" -> sqrt(2 / (1 + slope^2)) (slope = param, default 0.01); "selu" -> 3/4.
// Unknown names raise accmt::Error listing the valid ones.
double calculate_gain(const std::string& nonlinearity, std::optional<double> param = std::nullopt);

// (fan_in, fan_out) of a weight of at least 2 dims: size(1) * receptive field and
// size(0) * receptive field, where the receptive field is the product of dims 2.. .
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

Tensor uniform_(Tensor tensor, double a = 0.0, double b = 1.0, Generator* gen = nullptr);
Tensor normal_(Tensor tensor, double mean = 0.0, double stddev = 1.0, Generator* gen = nullptr);
Tensor constant_(Tensor tensor, double value);
Tensor zeros_(Tensor tensor);
Tensor ones_(Tensor tensor);

// U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor tensor, double gain = 1.0, Generator* gen = nullptr);
// N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor tensor, double gain = 1.0, Generator* gen = nullptr);

// He initialisation: std = calculate_gain(nonlinearity, a) / sqrt(fan), where fan is
// fan_in or fan_out by `mode`; uniform bound = sqrt(3) * std. `a` is the negative slope
// of leaky_relu (ignored by "relu").
Tensor kaiming_uniform_(Tensor tensor, double a = 0.0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);
Tensor kaiming_normal_(Tensor tensor, double a = 0.0, const std::string& mode = "fan_in",
                       const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);

// N(mean, std^2) restricted to [a, b] (inverse-CDF sampling, so no value is redrawn).
Tensor trunc_normal_(Tensor tensor, double mean = 0.0, double stddev = 1.0, double a = -2.0, double b = 2.0,
                     Generator* gen = nullptr);

}  // namespace accmt::nn::init
