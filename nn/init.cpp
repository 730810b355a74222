// torch.nn.init equivalents, composed from in-place tensor draws.
#include "nn/init.hpp"

#include <cmath>

#include "autograd/grad_mode.hpp"

namespace accmt::nn::init {

namespace {

void check_tensor(const char* fn, const Tensor& t) {
  ACCMT_CHECK(t.defined(), "nn::init::", fn, ": the tensor is undefined");
  ACCMT_CHECK(t.is_floating_point(), "nn::init::", fn, ": expected a floating tensor, got ", dtype_name(t.dtype()),
              " of shape ", shape_str(t.sizes()));
}

int64_t select_fan(const char* fn, const Tensor& t, const std::string& mode) {
  ACCMT_CHECK(mode == "fan_in" || mode == "fan_out", "nn::init::", fn, ": mode must be \"fan_in\" or \"fan_out\", got \"",
              mode, "\"");
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return mode == "fan_in" ? fan_in : fan_out;
}

// erfinv from Giles' single-precision rational approximation ("Approximating the erfinv
// function", 2010), polished by one Newton step on erf to about 1e-12.
Tensor erfinv(const Tensor& x) {
  Tensor w = ((1 - x) * (1 + x)).log().neg();
  Tensor central = w - 2.5;
  Tensor p = full_like(x, 2.81022636e-08);
  for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
                   0.246640727, 1.50140941})
    p = p * central + c;
  Tensor tail = w.sqrt() - 3.0;
  Tensor q = full_like(x, -0.000200214257);
  for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
                   1.00167406, 2.83297682})
    q = q * tail + c;
  Tensor y = where(w.lt(5.0), p, q) * x;
  const double two_over_sqrt_pi = 2.0 / std::sqrt(M_PI);
  return y - (y.erf() - x) / ((y.square().neg()).exp() * two_over_sqrt_pi);
}

double normal_cdf(double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); }

}  // namespace

double calculate_gain(const std::string& nonlinearity, std::optional<double> param) {
  static const char* linear_like[] = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                                      "conv_transpose2d", "conv_transpose3d", "sigmoid"};
  for (const char* name : linear_like)
    if (nonlinearity == name) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4.0;
  throw Error("nn::init::calculate_gain: unsupported nonlinearity \"" + nonlinearity +
              "\" (expected linear, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, "
              "sigmoid, tanh, relu, leaky_relu or selu)");
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  ACCMT_CHECK(t.defined(), "nn::init: the tensor is undefined");
  ACCMT_CHECK(t.dim() >= 2, "nn::init: fan in and fan out cannot be computed for a tensor with fewer than 2 dims, got shape ",
              shape_str(t.sizes()));
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

Tensor uniform_(Tensor tensor, double a, double b, Generator* gen) {
  check_tensor("uniform_", tensor);
  ACCMT_CHECK(a <= b, "nn::init::uniform_: expected a <= b, got a=", a, " b=", b);
  NoGradGuard no_grad;
  tensor.uniform_(a, b, gen);
  return tensor;
}

Tensor normal_(Tensor tensor, double mean, double stddev, Generator* gen) {
  check_tensor("normal_", tensor);
  ACCMT_CHECK(stddev >= 0, "nn::init::normal_: expected std >= 0, got ", stddev);
  NoGradGuard no_grad;
  tensor.normal_(mean, stddev, gen);
  return tensor;
}

Tensor constant_(Tensor tensor, double value) {
  ACCMT_CHECK(tensor.defined(), "nn::init::constant_: the tensor is undefined");
  NoGradGuard no_grad;
  tensor.fill_(value);
  return tensor;
}

Tensor zeros_(Tensor tensor) { return constant_(std::move(tensor), 0.0); }
Tensor ones_(Tensor tensor) { return constant_(std::move(tensor), 1.0); }

Tensor xavier_uniform_(Tensor tensor, double gain, Generator* gen) {
  check_tensor("xavier_uniform_", tensor);
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  if (tensor.numel() == 0) return tensor;
  double bound = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  return uniform_(std::move(tensor), -bound, bound, gen);
}

Tensor xavier_normal_(Tensor tensor, double gain, Generator* gen) {
  check_tensor("xavier_normal_", tensor);
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  if (tensor.numel() == 0) return tensor;
  double stddev = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  return normal_(std::move(tensor), 0.0, stddev, gen);
}

Tensor kaiming_uniform_(Tensor tensor, double a, const std::string& mode, const std::string& nonlinearity,
                        Generator* gen) {
  check_tensor("kaiming_uniform_", tensor);
  double gain = calculate_gain(nonlinearity, a);
  int64_t fan = select_fan("kaiming_uniform_", tensor, mode);
  if (tensor.numel() == 0) return tensor;  // PyTorch: a no-op on zero-element tensors
  double bound = std::sqrt(3.0) * gain / std::sqrt(static_cast<double>(fan));
  return uniform_(std::move(tensor), -bound, bound, gen);
}

Tensor kaiming_normal_(Tensor tensor, double a, const std::string& mode, const std::string& nonlinearity,
                       Generator* gen) {
  check_tensor("kaiming_normal_", tensor);
  double gain = calculate_gain(nonlinearity, a);
  int64_t fan = select_fan("kaiming_normal_", tensor, mode);
  if (tensor.numel() == 0) return tensor;
  return normal_(std::move(tensor), 0.0, gain / std::sqrt(static_cast<double>(fan)), gen);
}

Tensor trunc_normal_(Tensor tensor, double mean, double stddev, double a, double b, Generator* gen) {
  check_tensor("trunc_normal_", tensor);
  ACCMT_CHECK(stddev > 0, "nn::init::trunc_normal_: expected std > 0, got ", stddev);
  ACCMT_CHECK(a < b, "nn::init::trunc_normal_: expected a < b, got a=", a, " b=", b);
  if (tensor.numel() == 0) return tensor;
  NoGradGuard no_grad;
  // Uniform in the CDF image of [a, b], mapped back through the inverse normal CDF.
  double lo = 2.0 * normal_cdf((a - mean) / stddev) - 1.0, hi = 2.0 * normal_cdf((b - mean) / stddev) - 1.0;
  ACCMT_CHECK(hi > lo, "nn::init::trunc_normal_: [a, b] = [", a, ", ", b, "] has no probability mass under N(", mean,
              ", ", stddev, "^2)");
  Tensor u = empty(tensor.sizes(), {.dtype = DType::Float64, .device = tensor.device()});
  u.uniform_(lo, hi, gen);
  const double edge = 1.0 - 1e-15;  // keeps erfinv finite when a or b is infinite
  Tensor z = erfinv(u.clamp(-edge, edge));
  tensor.copy_((z * (stddev * std::sqrt(2.0)) + mean).clamp(a, b));
  return tensor;
}

}  // namespace accmt::nn::init
