// Activation modules: thin wrappers over nn::functional.
#include "nn/activation.hpp"

#include "nn/functional/activation.hpp"
#include "nn/repr.hpp"

namespace accmt::nn {

Tensor ReLU::forward(const Tensor& input) { return functional::relu(input); }

GELU::GELU(std::string approx) : approximate(std::move(approx)) {
  ACCMT_CHECK(approximate == "none" || approximate == "tanh", "GELU: approximate must be 'none' or 'tanh', got '",
              approximate, "'");
}
Tensor GELU::forward(const Tensor& input) { return functional::gelu(input, approximate); }

Tensor SiLU::forward(const Tensor& input) { return functional::silu(input); }
Tensor Tanh::forward(const Tensor& input) { return functional::tanh(input); }
Tensor Sigmoid::forward(const Tensor& input) { return functional::sigmoid(input); }

Tensor LeakyReLU::forward(const Tensor& input) { return functional::leaky_relu(input, negative_slope); }
std::string LeakyReLU::extra_repr() const { return "negative_slope=" + py_float(negative_slope); }

Tensor Softmax::forward(const Tensor& input) { return functional::softmax(input, dim); }
Tensor LogSoftmax::forward(const Tensor& input) { return functional::log_softmax(input, dim); }

}  // namespace accmt::nn
