// Multi-tensor norm and scale front-ends (see native_clip.hpp).
#include "tensor/native_clip.hpp"

#include "tensor/native.hpp"

namespace accmt::native {

namespace {
// Checks that all tensors share the first one's device and floating dtype.
void check_list(const char* op, const std::vector<Tensor>& tensors) {
  const Tensor& first = tensors.front();
  for (const Tensor& t : tensors) {
    check_defined(op, t);
    ACCMT_CHECK(t.is_floating_point(), op, ": expected floating tensors, got ", dtype_name(t.dtype()));
    ACCMT_CHECK(t.device() == first.device() && t.dtype() == first.dtype(), op,
                ": every tensor of one call needs the same device and dtype, got ", t.device().str(), " ",
                dtype_name(t.dtype()), " and ", first.device().str(), " ", dtype_name(first.dtype()));
  }
}
}  // namespace

Tensor multi_norm(const std::vector<Tensor>& tensors, double norm_type) {
  ACCMT_CHECK(!tensors.empty(), "multi_norm: got an empty list of tensors");
  ACCMT_CHECK(norm_type > 0, "multi_norm: norm_type must be > 0 (or inf), got ", norm_type);
  check_list("multi_norm", tensors);
  const Tensor& first = tensors.front();
  std::vector<Tensor> dense;
  std::vector<kernels::TensorRef> refs;
  dense.reserve(tensors.size());
  for (const Tensor& t : tensors) dense.push_back(t.is_contiguous() ? t : contiguous(t));
  for (const Tensor& t : dense) refs.push_back(ref(t));
  Tensor out = empty({int64_t(tensors.size())}, TensorOptions{.dtype = first.dtype(), .device = first.device()});
  backend_of(first).multi_norm(refs.data(), refs.size(), norm_type, ref(out));
  return out;
}

void multi_scale_(const std::vector<Tensor>& tensors, const Tensor& scale) {
  if (tensors.empty()) return;
  check_list("multi_scale_", tensors);
  const Tensor& first = tensors.front();
  check_defined("multi_scale_", scale);
  ACCMT_CHECK(scale.numel() == 1 && scale.device() == first.device(),
              "multi_scale_: expected a one-element scale on ", first.device().str(), ", got shape ",
              shape_str(scale.sizes()), " on ", scale.device().str());
  const Tensor s = scale.to(first.dtype()).contiguous();
  std::vector<Tensor> dense;
  std::vector<kernels::TensorRef> refs;
  dense.reserve(tensors.size());
  for (const Tensor& t : tensors) dense.push_back(t.is_contiguous() ? t : contiguous(t));
  for (const Tensor& t : dense) refs.push_back(ref(t));
  backend_of(first).multi_scale(refs.data(), refs.size(), ref(s));
  for (size_t i = 0; i < tensors.size(); ++i)
    if (!dense[i].is_same(tensors[i])) copy_(tensors[i], dense[i]);
}

}  // namespace accmt::native
