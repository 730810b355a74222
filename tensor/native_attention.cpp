// Fused attention front-ends.
#include "tensor/native_attention.hpp"

namespace accmt::native {

namespace {

// Product of the batch dims (all but the last two).
int64_t batch_of(const Tensor& t) {
  int64_t b = 1;
  for (int64_t d = 0; d + 2 < t.dim(); ++d) b *= t.size(d);
  return b;
}

Shape batch_dims(const Tensor& t) { return Shape(t.sizes().begin(), t.sizes().end() - 2); }

// A contiguous tensor seen by the kernels as [B, rows, cols] (batch dims flattened). The
// ref borrows this object's sizes and strides: keep it alive across the kernel call.
class Flat3 {
 public:
  explicit Flat3(const Tensor& t) : t_(contiguous(t)) {
    sizes_[0] = batch_of(t_);
    sizes_[1] = t_.size(-2);
    sizes_[2] = t_.size(-1);
    strides_[0] = sizes_[1] * sizes_[2];
    strides_[1] = sizes_[2];
    strides_[2] = 1;
    ref_ = ref(t_);
    ref_.ndim = 3;
    ref_.sizes = sizes_;
    ref_.strides = strides_;
  }
  Flat3(const Flat3&) = delete;
  Flat3& operator=(const Flat3&) = delete;
  const kernels::TensorRef& get() const { return ref_; }

 private:
  Tensor t_;
  int64_t sizes_[3], strides_[3];
  kernels::TensorRef ref_;
};

void check_inputs(const char* op, const Tensor& q, const Tensor& k, const Tensor& v) {
  check_defined(op, q);
  check_defined(op, k);
  check_defined(op, v);
  check_same_device(op, {q, k, v});
  ACCMT_CHECK(q.dim() >= 2 && q.dim() == k.dim() && q.dim() == v.dim() && batch_dims(q) == batch_dims(k) &&
                  batch_dims(q) == batch_dims(v),
              op, ": expected query [..., L, E], key [..., S, E] and value [..., S, Ev] with identical batch dims, got ",
              shape_str(q.sizes()), ", ", shape_str(k.sizes()), ", ", shape_str(v.sizes()));
  ACCMT_CHECK(q.size(-1) == k.size(-1) && k.size(-2) == v.size(-2), op, ": mismatched sizes: query ",
              shape_str(q.sizes()), ", key ", shape_str(k.sizes()), ", value ", shape_str(v.sizes()));
  ACCMT_CHECK(is_floating(q.dtype()) && q.dtype() == k.dtype() && q.dtype() == v.dtype(), op,
              ": query, key and value must share one floating dtype, got ", dtype_name(q.dtype()), ", ",
              dtype_name(k.dtype()), ", ", dtype_name(v.dtype()));
}

}  // namespace

std::optional<AttentionForward> attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, double scale,
                                                  bool causal) {
  check_inputs("attention_forward", q, k, v);
  Flat3 fq(q), fk(k), fv(v);
  Shape out_sizes = q.sizes();
  out_sizes.back() = v.size(-1);
  AttentionForward r{empty(out_sizes, q.dtype(), q.device()),
                     empty({batch_of(q), q.size(-2)}, DType::Float32, q.device())};
  Flat3 fo(r.out);
  const kernels::AttentionArgs args{fq.get(), fk.get(), fv.get(), scale, causal};
  if (!backend_of(q).attention_forward(args, fo.get(), ref(r.lse))) return std::nullopt;
  return r;
}

std::optional<std::array<Tensor, 3>> attention_backward(const Tensor& q, const Tensor& k, const Tensor& v,
                                                        const Tensor& out, const Tensor& lse, const Tensor& dout,
                                                        double scale, bool causal) {
  const char* op = "attention_backward";
  check_inputs(op, q, k, v);
  Shape out_sizes = q.sizes();
  out_sizes.back() = v.size(-1);
  ACCMT_CHECK(out.sizes() == out_sizes && dout.sizes() == out_sizes && out.dtype() == q.dtype() &&
                  dout.dtype() == q.dtype(),
              op, ": expected out and dout of shape ", shape_str(out_sizes), " and dtype ", dtype_name(q.dtype()),
              ", got ", shape_str(out.sizes()), " ", dtype_name(out.dtype()), " and ", shape_str(dout.sizes()), " ",
              dtype_name(dout.dtype()));
  ACCMT_CHECK(lse.sizes() == Shape({batch_of(q), q.size(-2)}) && lse.dtype() == DType::Float32, op,
              ": expected a float32 lse of shape [", batch_of(q), ", ", q.size(-2), "], got ", dtype_name(lse.dtype()),
              " ", shape_str(lse.sizes()));
  check_same_device(op, {q, out, lse, dout});
  Flat3 fq(q), fk(k), fv(v), fo(out), fdo(dout);
  std::array<Tensor, 3> grads{empty(q.sizes(), q.dtype(), q.device()), empty(k.sizes(), k.dtype(), k.device()),
                              empty(v.sizes(), v.dtype(), v.device())};
  Flat3 fdq(grads[0]), fdk(grads[1]), fdv(grads[2]);
  Tensor l = contiguous(lse);
  const kernels::AttentionArgs args{fq.get(), fk.get(), fv.get(), scale, causal};
  if (!backend_of(q).attention_backward(args, fo.get(), fdo.get(), ref(l), fdq.get(), fdk.get(), fdv.get()))
    return std::nullopt;
  return grads;
}

}  // namespace accmt::native
