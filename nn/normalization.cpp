// LayerNorm, RMSNorm, GroupNorm, BatchNorm1d/2d.
#include "nn/normalization.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "autograd/grad_mode.hpp"
#include "kernels/common/error.hpp"

namespace accmt::nn {

namespace F = functional;

namespace {

// Python's repr of a float (shortest round-trip digits; 1e-05, 0.1, 1e-06), so printed
// modules read like PyTorch's.
std::string py_float(double v) {
  char buf[40];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  // buf is d.ddde±XX: rebuild in Python's style (fixed for 1e-4 <= |v| < 1e16, as Python does).
  std::string s(buf);
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  int exp = std::atoi(s.c_str() + e + 1);
  std::string digits;
  bool neg = mant[0] == '-';
  for (char ch : mant) if (ch >= '0' && ch <= '9') digits += ch;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = neg ? "-" : "";
  if (exp >= -4 && exp < 16) {
    if (exp < 0) {
      out += "0." + std::string(-exp - 1, '0') + digits;
    } else {
      std::string ip = digits.substr(0, std::min<size_t>(digits.size(), exp + 1));
      ip += std::string(exp + 1 - ip.size(), '0');
      std::string fp = digits.size() > size_t(exp + 1) ? digits.substr(exp + 1) : "0";
      out += ip + "." + fp;
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) {
    out += '.';
    out.append(digits, 1, std::string::npos);
  }
  char eb[16];
  std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
  return out + eb;
}

// Python's repr of a tuple of ints: (768,) or (2, 3).
std::string py_tuple(const Shape& s) {
  std::ostringstream os;
  os << '(';
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << (s.size() == 1 ? ",)" : ")");
  return os.str();
}

const char* py_bool(bool b) { return b ? "True" : "False"; }

void check_shape(const char* module, const Shape& s) {
  ACCMT_CHECK(!s.empty(), module, ": normalized_shape must have at least one dim");
  for (int64_t d : s) ACCMT_CHECK(d > 0, module, ": normalized_shape ", shape_str(s), " must have positive sizes");
}

}  // namespace

// ---- LayerNorm
LayerNorm::LayerNorm(Shape shape, LayerNormOptions opts) : normalized_shape(std::move(shape)), options(opts) {
  check_shape("LayerNorm", normalized_shape);
  if (options.elementwise_affine) {
    weight = register_parameter("weight", ones(normalized_shape));
    bias = register_parameter("bias", options.bias ? zeros(normalized_shape) : Tensor());
  } else {
    weight = register_parameter("weight", Tensor());
    bias = register_parameter("bias", Tensor());
  }
}

Tensor LayerNorm::forward(const Tensor& x) { return F::layer_norm(x, normalized_shape, weight, bias, options.eps); }

std::string LayerNorm::extra_repr() const {
  return py_tuple(normalized_shape) + ", eps=" + py_float(options.eps) +
         ", elementwise_affine=" + py_bool(options.elementwise_affine);
}

// ---- RMSNorm
RMSNorm::RMSNorm(Shape shape, RMSNormOptions opts) : normalized_shape(std::move(shape)), options(opts) {
  check_shape("RMSNorm", normalized_shape);
  weight = register_parameter("weight", options.elementwise_affine ? ones(normalized_shape) : Tensor());
}

Tensor RMSNorm::forward(const Tensor& x) { return F::rms_norm(x, normalized_shape, weight, options.eps); }

std::string RMSNorm::extra_repr() const {
  return py_tuple(normalized_shape) + ", eps=" + (options.eps ? py_float(*options.eps) : "None") +
         ", elementwise_affine=" + py_bool(options.elementwise_affine);
}

// ---- GroupNorm
GroupNorm::GroupNorm(int64_t groups, int64_t channels, GroupNormOptions opts)
    : num_groups(groups), num_channels(channels), options(opts) {
  ACCMT_CHECK(groups > 0 && channels > 0, "GroupNorm: num_groups and num_channels must be positive, got ", groups,
              " and ", channels);
  ACCMT_CHECK(channels % groups == 0, "GroupNorm: num_channels must be divisible by num_groups, got num_channels=",
              channels, " and num_groups=", groups);
  weight = register_parameter("weight", options.affine ? ones({channels}) : Tensor());
  bias = register_parameter("bias", options.affine ? zeros({channels}) : Tensor());
}

Tensor GroupNorm::forward(const Tensor& x) {
  ACCMT_CHECK(x.defined() && x.dim() >= 2 && x.size(1) == num_channels, "GroupNorm: expected input [N, ",
              num_channels, ", *], got ", x.defined() ? shape_str(x.sizes()) : std::string("an undefined tensor"));
  return F::group_norm(x, num_groups, weight, bias, options.eps);
}

std::string GroupNorm::extra_repr() const {
  return std::to_string(num_groups) + ", " + std::to_string(num_channels) + ", eps=" + py_float(options.eps) +
         ", affine=" + py_bool(options.affine);
}

// ---- BatchNorm
BatchNormBase::BatchNormBase(int64_t features, BatchNormOptions opts) : num_features(features), options(opts) {
  ACCMT_CHECK(features > 0, "BatchNorm: num_features must be positive, got ", features);
  weight = register_parameter("weight", options.affine ? ones({features}) : Tensor());
  bias = register_parameter("bias", options.affine ? zeros({features}) : Tensor());
  if (options.track_running_stats) {
    running_mean = register_buffer("running_mean", zeros({features}));
    running_var = register_buffer("running_var", ones({features}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, {.dtype = DType::Int64}));
  } else {
    running_mean = register_buffer("running_mean", Tensor());
    running_var = register_buffer("running_var", Tensor());
    num_batches_tracked = register_buffer("num_batches_tracked", Tensor());
  }
}

void BatchNormBase::reset_running_stats() {
  if (!options.track_running_stats) return;
  NoGradGuard no_grad;
  running_mean.copy_(zeros_like(running_mean));
  running_var.copy_(ones_like(running_var));
  num_batches_tracked.copy_(zeros_like(num_batches_tracked));
}

Tensor BatchNormBase::forward(const Tensor& x) {
  ACCMT_CHECK(x.defined(), type_name(), ": input is undefined");
  check_input_dim(x);
  ACCMT_CHECK(x.size(1) == num_features, type_name(), ": expected ", num_features, " channels (dim 1) in input ",
              shape_str(x.sizes()), ", got ", x.size(1));
  const bool training = is_training();
  const bool track = options.track_running_stats;
  // Checked before the counter moves, so a rejected batch leaves the buffers untouched.
  ACCMT_CHECK(!training || x.numel() / num_features > 1, type_name(),
              ": expected more than 1 value per channel when training, got input size ", shape_str(x.sizes()));
  double factor = options.momentum.value_or(0.0);
  if (training && track) {
    NoGradGuard no_grad;
    num_batches_tracked.add_(Scalar(1));
    if (!options.momentum) factor = 1.0 / num_batches_tracked.item<double>();  // cumulative average
  }
  // Batch statistics in training, and always without running statistics.
  const bool use_batch = training || !track;
  return F::batch_norm(x, track ? running_mean : Tensor(), track ? running_var : Tensor(), weight, bias, use_batch,
                       factor, options.eps);
}

std::string BatchNormBase::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + py_float(options.eps) +
         ", momentum=" + (options.momentum ? py_float(*options.momentum) : "None") +
         ", affine=" + py_bool(options.affine) + ", track_running_stats=" + py_bool(options.track_running_stats);
}

void BatchNorm1d::check_input_dim(const Tensor& x) const {
  ACCMT_CHECK(x.dim() == 2 || x.dim() == 3, "BatchNorm1d: expected 2D or 3D input (got ", x.dim(), "D input of shape ",
              shape_str(x.sizes()), ")");
}

void BatchNorm2d::check_input_dim(const Tensor& x) const {
  ACCMT_CHECK(x.dim() == 4, "BatchNorm2d: expected 4D input (got ", x.dim(), "D input of shape ",
              shape_str(x.sizes()), ")");
}

}  // namespace accmt::nn
