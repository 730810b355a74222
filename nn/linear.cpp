// Linear: PyTorch's default initialisation and a forward through functional::linear.
#include "nn/linear.hpp"

#include <cmath>

#include "nn/functional/activation.hpp"
#include "nn/init.hpp"
#include "nn/repr.hpp"

namespace accmt::nn {

Linear::Linear(int64_t in, int64_t out, const LinearOptions& options) : in_features(in), out_features(out) {
  ACCMT_CHECK(in >= 0 && out >= 0, "Linear: in_features and out_features must be non-negative, got in_features=", in,
              ", out_features=", out);
  TensorOptions opts{.dtype = options.dtype.value_or(get_default_dtype()), .device = options.device};
  ACCMT_CHECK(is_floating(opts.dtype), "Linear: expected a floating dtype, got ", dtype_name(opts.dtype));
  weight = register_parameter("weight", empty({out, in}, opts));
  bias = register_parameter("bias", options.bias ? empty({out}, opts) : Tensor());
  reset_parameters(options.generator);
}

void Linear::reset_parameters(Generator* gen) {
  // kaiming_uniform_ with a = sqrt(5) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the weight.
  init::kaiming_uniform_(weight, std::sqrt(5.0), "fan_in", "leaky_relu", gen);
  if (bias.defined()) {
    double bound = in_features > 0 ? 1.0 / std::sqrt(static_cast<double>(in_features)) : 0.0;
    init::uniform_(bias, -bound, bound, gen);
  }
}

Tensor Linear::forward(const Tensor& input) {
  ACCMT_CHECK(input.defined(), "Linear: the input tensor is undefined");
  ACCMT_CHECK(input.dim() >= 1 && input.size(-1) == in_features, "Linear(in_features=", in_features,
              ", out_features=", out_features, "): expected an input of shape [..., ", in_features, "], got ",
              shape_str(input.sizes()));
  return functional::linear(input, weight, bias);
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + py_bool(bias.defined());
}

}  // namespace accmt::nn
