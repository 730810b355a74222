// Copies and conversions: clone, contiguous, to(dtype/device), copy_, fill_, zero_.
#include "autograd/ops_util.hpp"

namespace accmt {

using autograd::Grads;

Tensor Tensor::clone() const {
  native::check_defined("clone", *this);
  Tensor out = native::clone(*this);
  autograd::record("clone", {*this}, {out}, [](const Grads& g) -> std::vector<Tensor> { return {g[0]}; });
  return out;
}

Tensor Tensor::contiguous() const {
  native::check_defined("contiguous", *this);
  return is_contiguous() ? *this : clone();
}

Tensor Tensor::to(Device device, DType dt, bool copy) const {
  native::check_defined("to", *this);
  if (device == this->device() && dt == dtype() && !copy) return *this;
  if (device.is_cuda())
    ACCMT_CHECK(device.index < cuda::device_count(), "to: device ", device.str(), " is not available (",
                cuda::device_count(), " CUDA devices visible)");
  Tensor out = native::empty(sizes(), dt, device);
  native::copy_(out, *this);
  if (is_floating(dt) && autograd::needs_grad({*this})) {
    Device src_device = this->device();
    DType src_dtype = dtype();
    autograd::record("to", {*this}, {out}, [src_device, src_dtype](const Grads& g) -> std::vector<Tensor> {
      return {g[0].to(src_device, src_dtype)};
    });
  }
  return out;
}
Tensor Tensor::to(DType dt, bool copy) const { return to(device(), dt, copy); }
Tensor Tensor::to(Device device, bool copy) const { return to(device, dtype(), copy); }

Tensor& Tensor::copy_(const Tensor& src) {
  autograd::check_inplace(*this, "copy_");
  native::check_defined("copy_", src);
  ACCMT_CHECK(broadcast_shapes_for("copy_", src.sizes(), sizes()) == sizes(), "copy_: source of shape ", shape_str(src.sizes()),
              " cannot be broadcast to the destination shape ", shape_str(sizes()));
  bool in_graph = autograd::needs_grad({*this, src}) || (is_view() && autograd::needs_grad({base()}));
  if (!in_graph) {
    native::copy_(*this, src);
    bump_version(*this);
    return *this;
  }
  return autograd::commit_inplace(*this, src.to(device(), dtype()).expand(sizes()), "copy_");
}

Tensor& Tensor::fill_(const Scalar& value) {
  autograd::check_inplace(*this, "fill_");
  bool in_graph = autograd::needs_grad({*this}) || (is_view() && autograd::needs_grad({base()}));
  if (!in_graph) {
    native::fill_(*this, value);
    bump_version(*this);
    return *this;
  }
  // commit_inplace gives the overwritten values a zero gradient (views included).
  return autograd::commit_inplace(*this, full(sizes(), value, options()), "fill_");
}

Tensor& Tensor::zero_() { return fill_(0); }

}  // namespace accmt
