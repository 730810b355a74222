// Normalisation functions. layer_norm, rms_norm and group_norm run the fused
// normalisation kernels (autograd/ops_norm.hpp); batch_norm composes tensor ops.
#include "nn/functional/normalization.hpp"

#include <limits>
#include <sstream>

#include "autograd/grad_mode.hpp"
#include "autograd/ops_norm.hpp"
#include "kernels/common/error.hpp"

namespace accmt::nn::functional {

namespace {

std::string list_str(const Shape& s) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << ']';
  return os.str();
}

void check_floating(const char* op, const Tensor& x) {
  ACCMT_CHECK(x.defined(), op, ": input is undefined");
  ACCMT_CHECK(x.is_floating_point(), op, ": expected a floating input, got ", dtype_name(x.dtype()));
}

// normalized_shape must be non-empty and equal to x's trailing dims; weight/bias (when
// given) must have exactly normalized_shape.
void check_normalized(const char* op, const Tensor& x, const Shape& ns, const Tensor& weight, const Tensor& bias) {
  check_floating(op, x);
  ACCMT_CHECK(!ns.empty(), op, ": normalized_shape must have at least one dim, got []");
  bool ok = static_cast<int64_t>(ns.size()) <= x.dim() && Shape(x.sizes().end() - ns.size(), x.sizes().end()) == ns;
  ACCMT_CHECK(ok, op, ": given normalized_shape=", list_str(ns), ", expected input with shape [*, ",
              list_str(ns).substr(1), ", but got input of size ", list_str(x.sizes()));
  for (auto [what, p] : {std::pair<const char*, const Tensor*>{"weight", &weight}, {"bias", &bias}})
    ACCMT_CHECK(!p->defined() || p->sizes() == ns, op, ": expected ", what, " of the same shape as normalized_shape ",
                list_str(ns), ", but got ", what, " of shape ", list_str(p->sizes()));
}

// [C] -> [1, C, 1, ...] broadcasting against an input of `ndim` dims.
Tensor per_channel(const Tensor& t, int64_t ndim) {
  Shape s(ndim, 1);
  s[1] = t.numel();
  return t.reshape(s);
}

void check_channel_param(const char* op, const char* what, const Tensor& p, const Tensor& x) {
  if (!p.defined()) return;
  ACCMT_CHECK(p.dim() == 1 && p.size(0) == x.size(1), op, ": expected ", what, " of shape [", x.size(1),
              "] (one per channel of input ", list_str(x.sizes()), "), got ", list_str(p.sizes()));
}

}  // namespace

double dtype_eps(DType dtype) {
  switch (dtype) {
    case DType::Float16: return 0.0009765625;   // 2^-10
    case DType::BFloat16: return 0.0078125;     // 2^-7
    case DType::Float64: return std::numeric_limits<double>::epsilon();
    case DType::Float32: return std::numeric_limits<float>::epsilon();
    default: break;
  }
  throw Error(std::string("dtype_eps: expected a floating dtype, got ") + dtype_name(dtype));
}

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  check_normalized("layer_norm", x, normalized_shape, weight, bias);
  return autograd::fused_layer_norm(x, static_cast<int64_t>(normalized_shape.size()), weight, bias, eps, false);
}

Tensor rms_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight, std::optional<double> eps) {
  check_normalized("rms_norm", x, normalized_shape, weight, Tensor());
  return autograd::fused_layer_norm(x, static_cast<int64_t>(normalized_shape.size()), weight, Tensor(),
                                    eps.value_or(dtype_eps(x.dtype())), true);
}

Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  check_floating("group_norm", x);
  ACCMT_CHECK(x.dim() >= 2, "group_norm: expected an input of at least 2 dims [N, C, *], got ", list_str(x.sizes()));
  ACCMT_CHECK(num_groups > 0, "group_norm: num_groups must be positive, got ", num_groups);
  const int64_t n = x.size(0), c = x.size(1);
  ACCMT_CHECK(c % num_groups == 0, "group_norm: expected the number of channels in the input to be divisible by "
              "num_groups, but got input of shape ", list_str(x.sizes()), " and num_groups=", num_groups);
  check_channel_param("group_norm", "weight", weight, x);
  check_channel_param("group_norm", "bias", bias, x);
  // Each (sample, group) is one row of the fused kernel; the affine part is per channel.
  Tensor y = autograd::fused_layer_norm(x.reshape({n, num_groups, -1}), 1, Tensor(), Tensor(), eps, false)
                 .reshape(x.sizes());
  if (weight.defined()) y = y * per_channel(weight, x.dim());
  if (bias.defined()) y = y + per_channel(bias, x.dim());
  return y;
}

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  check_floating("batch_norm", x);
  ACCMT_CHECK(x.dim() >= 2, "batch_norm: expected an input of at least 2 dims [N, C, *], got ", list_str(x.sizes()));
  const int64_t c = x.size(1);
  check_channel_param("batch_norm", "weight", weight, x);
  check_channel_param("batch_norm", "bias", bias, x);
  check_channel_param("batch_norm", "running_mean", running_mean, x);
  check_channel_param("batch_norm", "running_var", running_var, x);
  ACCMT_CHECK(running_mean.defined() == running_var.defined(),
              "batch_norm: running_mean and running_var must both be given or both be undefined");
  Shape dims{0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  const int64_t count = c ? x.numel() / c : 0;
  Tensor y;
  if (training) {
    ACCMT_CHECK(count > 1, "batch_norm: expected more than 1 value per channel when training, got input size ",
                list_str(x.sizes()));
    Tensor mean = x.mean(dims, true);
    Tensor xc = x - mean;
    Tensor var = xc.square().mean(dims, true);  // biased, for normalising
    y = xc * (var + eps).rsqrt();
    if (running_mean.defined()) {
      NoGradGuard no_grad;
      Tensor m = mean.detach().reshape({c}).to(running_mean.dtype());
      Tensor v = (var.detach().reshape({c}) * (static_cast<double>(count) / static_cast<double>(count - 1)))
                     .to(running_var.dtype());
      Tensor rm = running_mean, rv = running_var;
      rm.mul_(1.0 - momentum).add_(m, momentum);
      rv.mul_(1.0 - momentum).add_(v, momentum);
    }
  } else {
    ACCMT_CHECK(running_mean.defined(),
                "batch_norm: running_mean and running_var are required when not training (evaluation mode)");
    Tensor rm = per_channel(running_mean.to(x.dtype()), x.dim()), rv = per_channel(running_var.to(x.dtype()), x.dim());
    y = (x - rm) * (rv + eps).rsqrt();
  }
  if (weight.defined()) y = y * per_channel(weight, x.dim());
  if (bias.defined()) y = y + per_channel(bias, x.dim());
  return y;
}

}  // namespace accmt::nn::functional
