// Gradient clipping (see clip.hpp): per-gradient norms, then the norm of those norms.
#include "optim/clip.hpp"

#include <cmath>

#include "autograd/grad_mode.hpp"

namespace accmt::optim {

namespace {
std::vector<Tensor> grads_of(const std::vector<Tensor>& params) {
  std::vector<Tensor> out;
  for (const Tensor& p : params) {
    ACCMT_CHECK(p.defined(), "clip_grad: got an undefined parameter");
    Tensor g = p.grad();
    if (g.defined()) out.push_back(g);
  }
  return out;
}

// The dtype the per-gradient norms are combined in: the widest floating grad dtype.
DType combine_dtype(const std::vector<Tensor>& grads) {
  DType dt = grads.front().dtype();
  for (const Tensor& g : grads)
    if (g.dtype() != dt) dt = (g.dtype() == DType::Float64 || dt == DType::Float64) ? DType::Float64 : DType::Float32;
  return dt;
}
}  // namespace

Tensor clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  ACCMT_CHECK(!std::isnan(norm_type) && norm_type > 0, "clip_grad_norm_: norm_type must be > 0 (or inf), got ",
              norm_type);
  ACCMT_CHECK(!std::isnan(max_norm), "clip_grad_norm_: max_norm is NaN");
  NoGradGuard no_grad;
  std::vector<Tensor> grads = grads_of(params);
  if (grads.empty()) return zeros({});
  const DType dt = combine_dtype(grads);
  const Device dev = grads.front().device();
  Tensor norms = empty({int64_t(grads.size())}, TensorOptions{.dtype = dt, .device = dev});
  for (size_t i = 0; i < grads.size(); ++i) {
    ACCMT_CHECK(grads[i].device() == dev, "clip_grad_norm_: gradients on different devices");
    norms[int64_t(i)].copy_(grads[i].norm(norm_type));
  }
  Tensor total = norms.norm(norm_type);
  if (error_if_nonfinite) {
    const double v = total.item<double>();
    ACCMT_CHECK(std::isfinite(v), "clip_grad_norm_: the total norm of order ", norm_type,
                " for gradients from `parameters` is non-finite (", v,
                "), so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                "anyway, set error_if_nonfinite=false");
  }
  Tensor coef = (max_norm / total.add(1e-6)).clamp_max(1.0);
  for (Tensor& g : grads) g.mul_(coef.to(g.dtype()));
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  ACCMT_CHECK(!std::isnan(clip_value) && clip_value >= 0, "clip_grad_value_: clip_value must be >= 0, got ",
              clip_value);
  NoGradGuard no_grad;
  for (Tensor g : grads_of(params)) g.clamp_(-clip_value, clip_value);
}

}  // namespace accmt::optim
