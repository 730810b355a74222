// Gradient clipping (see clip.hpp): per-gradient norms in one fused call, then the norm
// of those norms; the scale factor stays on the device.
#include "optim/clip.hpp"

#include <cmath>
#include <map>

#include "autograd/grad_mode.hpp"
#include "tensor/native_clip.hpp"

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

// The grads' indices by dtype (one fused call each; usually a single group).
std::map<int, std::vector<size_t>> by_dtype(const std::vector<Tensor>& grads) {
  std::map<int, std::vector<size_t>> out;
  for (size_t i = 0; i < grads.size(); ++i) out[int(grads[i].dtype())].push_back(i);
  return out;
}

std::vector<Tensor> pick(const std::vector<Tensor>& grads, const std::vector<size_t>& idx) {
  std::vector<Tensor> out;
  for (size_t i : idx) out.push_back(grads[i]);
  return out;
}

void check_norm_type(const char* op, double norm_type) {
  ACCMT_CHECK(!std::isnan(norm_type) && norm_type > 0, op, ": norm_type must be > 0 (or inf), got ", norm_type);
}

// The norm of the per-gradient norms (each in its gradient's dtype, then combined in the
// widest one), like PyTorch; everything stays on the device.
Tensor total_norm(const char* op, const std::vector<Tensor>& grads, double norm_type) {
  const DType dt = combine_dtype(grads);
  const Device dev = grads.front().device();
  for (const Tensor& g : grads) ACCMT_CHECK(g.device() == dev, op, ": gradients on different devices");
  const auto groups = by_dtype(grads);
  Tensor norms;
  if (groups.size() == 1) {
    norms = native::multi_norm(grads, norm_type).to(dt);
  } else {
    norms = empty({int64_t(grads.size())}, TensorOptions{.dtype = dt, .device = dev});
    for (const auto& [dtype, idx] : groups) {
      Tensor part = native::multi_norm(pick(grads, idx), norm_type);
      for (size_t j = 0; j < idx.size(); ++j) norms[int64_t(idx[j])].copy_(part[int64_t(j)]);
    }
  }
  return norms.norm(norm_type);
}
}  // namespace

Tensor grad_norm(const std::vector<Tensor>& params, double norm_type) {
  check_norm_type("grad_norm", norm_type);
  NoGradGuard no_grad;
  std::vector<Tensor> grads = grads_of(params);
  if (grads.empty()) return zeros({});
  return total_norm("grad_norm", grads, norm_type);
}

Tensor clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  check_norm_type("clip_grad_norm_", norm_type);
  ACCMT_CHECK(!std::isnan(max_norm), "clip_grad_norm_: max_norm is NaN");
  NoGradGuard no_grad;
  std::vector<Tensor> grads = grads_of(params);
  if (grads.empty()) return zeros({});
  Tensor total = total_norm("clip_grad_norm_", grads, norm_type);
  if (error_if_nonfinite) {
    const double v = total.item<double>();  // the only host read: the check needs the value
    ACCMT_CHECK(std::isfinite(v), "clip_grad_norm_: the total norm of order ", norm_type,
                " for gradients from `parameters` is non-finite (", v,
                "), so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                "anyway, set error_if_nonfinite=false");
  }
  // min(1, max_norm / (total + 1e-6)) on the device; each dtype's gradients scaled in one call.
  Tensor coef = (max_norm / total.add(1e-6)).clamp_max(1.0);
  for (const auto& [dtype, idx] : by_dtype(grads)) native::multi_scale_(pick(grads, idx), coef);
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  ACCMT_CHECK(!std::isnan(clip_value) && clip_value >= 0, "clip_grad_value_: clip_value must be >= 0, got ",
              clip_value);
  NoGradGuard no_grad;
  for (Tensor g : grads_of(params)) g.clamp_(-clip_value, clip_value);
}

}  // namespace accmt::optim
