// Elementwise front-ends: copies, casts, fills, unary and binary maps, where, clamp.
#include "tensor/native.hpp"

namespace accmt::native {

kernels::TensorRef ref(const Tensor& t) {
  kernels::TensorRef r;
  r.data = t.data_ptr();
  r.dtype = t.dtype();
  r.ndim = static_cast<int>(t.dim());
  r.sizes = t.sizes().data();
  r.strides = t.strides().data();
  r.device_index = t.device().index;
  return r;
}

kernels::Backend& backend_of(const Tensor& t) { return kernels::backend(t.device().type); }

void check_defined(const char* op, const Tensor& t) {
  ACCMT_CHECK(t.defined(), op, ": got an undefined tensor");
}

void check_same_device(const char* op, const std::vector<Tensor>& tensors) {
  for (const Tensor& t : tensors) check_defined(op, t);
  for (size_t i = 1; i < tensors.size(); ++i)
    ACCMT_CHECK(tensors[i].device() == tensors[0].device(), op, ": expected all tensors on the same device, got ",
                tensors[0].device().str(), " and ", tensors[i].device().str());
}

Tensor empty(const Shape& sizes, DType dtype, Device device) { return make_tensor(sizes, dtype, device); }

Tensor expand(const Tensor& t, const Shape& sizes) {
  if (t.sizes() == sizes) return t;
  int64_t n = static_cast<int64_t>(sizes.size()), k = t.dim();
  ACCMT_CHECK(n >= k, "expand: cannot expand a tensor of shape ", shape_str(t.sizes()), " to fewer dims ",
              shape_str(sizes));
  Shape strides(n, 0);
  Shape out_sizes(sizes);
  for (int64_t i = 0; i < n; ++i) {
    int64_t j = i - (n - k);
    if (j < 0) {
      ACCMT_CHECK(sizes[i] >= 0, "expand: size -1 not allowed in a new leading dim, target ", shape_str(sizes));
      continue;
    }
    int64_t have = t.sizes()[j];
    if (sizes[i] == -1) out_sizes[i] = have;
    ACCMT_CHECK(have == out_sizes[i] || have == 1, "expand: the expanded size ", sizes[i],
                " must match the existing size ", have, " at dim ", i, " (tensor shape ", shape_str(t.sizes()),
                ", target ", shape_str(sizes), ")");
    strides[i] = (have == 1 && out_sizes[i] != 1) ? 0 : t.strides()[j];
  }
  Tensor v = make_view(t, out_sizes, strides, t.storage_offset());
  return v;
}

void copy_(const Tensor& dst, const Tensor& src) {
  check_defined("copy_", dst);
  check_defined("copy_", src);
  ACCMT_CHECK(broadcast_shapes_for("copy_", src.sizes(), dst.sizes()) == dst.sizes(), "copy_: source of shape ",
              shape_str(src.sizes()), " cannot be broadcast to the destination shape ", shape_str(dst.sizes()));
  Tensor s = expand(src, dst.sizes());
  if (dst.device() == s.device()) {
    backend_of(dst).copy_cast(ref(dst), ref(s));
    return;
  }
  // Across devices: convert on the source side, move bytes, then place.
  Tensor packed = contiguous(cast(s, dst.dtype()));
  Tensor landing = dst.is_contiguous() ? dst : empty(dst.sizes(), dst.dtype(), dst.device());
  size_t nbytes = static_cast<size_t>(packed.numel() * dtype_size(packed.dtype()));
  bool dst_host = dst.device().is_cpu(), src_host = packed.device().is_cpu();
  kernels::Backend& mover = kernels::backend(dst_host ? packed.device().type : dst.device().type);
  if (nbytes) mover.copy_bytes(landing.data_ptr(), packed.data_ptr(), nbytes, dst_host, src_host);
  if (!landing.is_same(dst)) backend_of(dst).copy_cast(ref(dst), ref(landing));
}

Tensor cast(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = empty(t.sizes(), dtype, t.device());
  backend_of(t).copy_cast(ref(out), ref(t));
  return out;
}

Tensor clone(const Tensor& t) {
  Tensor out = empty(t.sizes(), t.dtype(), t.device());
  backend_of(t).copy_cast(ref(out), ref(t));
  return out;
}

Tensor contiguous(const Tensor& t) { return t.is_contiguous() ? t : clone(t); }

void fill_(const Tensor& t, const Scalar& value) { backend_of(t).fill(ref(t), value); }

Tensor unary(ops::Unary op, const Tensor& x) {
  Tensor out = empty(x.sizes(), x.dtype(), x.device());
  backend_of(x).unary(op, ref(out), ref(x));
  return out;
}

void unary_out(ops::Unary op, const Tensor& out, const Tensor& x) { backend_of(x).unary(op, ref(out), ref(x)); }

Tensor binary(ops::Binary op, const Tensor& a, const Tensor& b, DType compute) {
  check_same_device(ops::name(op), {a, b});
  Shape shape = broadcast_shapes_for(ops::name(op), a.sizes(), b.sizes());
  Tensor out = empty(shape, ops::is_comparison(op) ? DType::Bool : compute, a.device());
  Tensor ca = expand(cast(a, compute), shape), cb = expand(cast(b, compute), shape);
  backend_of(a).binary(op, ref(out), ref(ca), ref(cb));
  return out;
}

void binary_out(ops::Binary op, const Tensor& out, const Tensor& a, const Tensor& b) {
  check_same_device(ops::name(op), {out, a, b});
  Tensor ca = expand(cast(a, out.dtype()), out.sizes()), cb = expand(cast(b, out.dtype()), out.sizes());
  backend_of(out).binary(op, ref(out), ref(ca), ref(cb));
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_same_device("where", {cond, a, b});
  ACCMT_CHECK(cond.dtype() == DType::Bool || cond.dtype() == DType::UInt8,
              "where: expected a bool condition, got ", dtype_name(cond.dtype()));
  Shape shape = broadcast_shapes_for("where", broadcast_shapes_for("where", cond.sizes(), a.sizes()), b.sizes());
  DType dt = result_type(a, b);
  Tensor out = empty(shape, dt, a.device());
  Tensor cc = expand(cast(cond, DType::Bool), shape);
  Tensor ca = expand(cast(a, dt), shape), cb = expand(cast(b, dt), shape);
  backend_of(a).where(ref(out), ref(cc), ref(ca), ref(cb));
  return out;
}

Tensor clamp(const Tensor& x, const Scalar* lo, const Scalar* hi) {
  Tensor out = empty(x.sizes(), x.dtype(), x.device());
  backend_of(x).clamp(ref(out), ref(x), lo, hi);
  return out;
}

}  // namespace accmt::native
