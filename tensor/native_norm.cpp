// Front-ends of the fused LayerNorm / RMSNorm kernel family.
#include "tensor/native_norm.hpp"

namespace accmt::native {

namespace {

Shape trailing(const Shape& s, int64_t k) { return Shape(s.end() - k, s.end()); }

void check_param(const char* op, const char* what, const Tensor& p, const Tensor& x, int64_t k) {
  if (!p.defined()) return;
  Shape want = trailing(x.sizes(), k);
  ACCMT_CHECK(p.sizes() == want, op, ": ", what, " has shape ", shape_str(p.sizes()), ", expected ", shape_str(want),
              " (the normalised trailing dims of input ", shape_str(x.sizes()), ")");
  ACCMT_CHECK(p.dtype() == x.dtype(), op, ": ", what, " has dtype ", dtype_name(p.dtype()), ", expected the input's ",
              dtype_name(x.dtype()));
  ACCMT_CHECK(p.device() == x.device(), op, ": ", what, " is on ", p.device().str(), ", input on ", x.device().str());
}

}  // namespace

DType norm_stat_dtype(DType x) { return (x == DType::Float16 || x == DType::BFloat16) ? DType::Float32 : x; }

LayerNormForward layer_norm_forward(const Tensor& x_in, int64_t k, const Tensor& weight, const Tensor& bias,
                                    double eps, bool rms) {
  const char* op = rms ? "rms_norm" : "layer_norm";
  check_defined(op, x_in);
  ACCMT_CHECK(is_floating(x_in.dtype()), op, ": expected a floating input, got ", dtype_name(x_in.dtype()));
  ACCMT_CHECK(k >= 1 && k <= x_in.dim(), op, ": cannot normalise the last ", k, " dims of input ",
              shape_str(x_in.sizes()));
  ACCMT_CHECK(!(rms && bias.defined()), op, ": RMSNorm has no bias");
  check_param(op, "weight", weight, x_in, k);
  check_param(op, "bias", bias, x_in, k);
  Tensor x = contiguous(x_in);
  Shape lead(x.sizes().begin(), x.sizes().end() - k);
  int64_t rows = 1;
  for (int64_t s : lead) rows *= s;
  LayerNormForward r;
  r.y = empty(x.sizes(), x.dtype(), x.device());
  DType sd = norm_stat_dtype(x.dtype());
  r.rstd = empty({rows}, sd, x.device());
  if (!rms) r.mean = empty({rows}, sd, x.device());
  if (x.numel() == 0 && rows > 0) {  // rows of zero elements: nothing to normalise
    fill_(r.rstd, 0);
    if (!rms) fill_(r.mean, 0);
    return r;
  }
  kernels::TensorRef mref, wref, bref;
  if (!rms) mref = ref(r.mean);
  Tensor wc = weight.defined() ? contiguous(weight) : Tensor(), bc = bias.defined() ? contiguous(bias) : Tensor();
  if (wc.defined()) wref = ref(wc);
  if (bc.defined()) bref = ref(bc);
  backend_of(x).layer_norm_forward(ref(r.y), rms ? nullptr : &mref, ref(r.rstd), ref(x), wc.defined() ? &wref : nullptr,
                                   bc.defined() ? &bref : nullptr, eps);
  return r;
}

LayerNormGrads layer_norm_backward(const Tensor& dy_in, const Tensor& x_in, const Tensor& mean, const Tensor& rstd,
                                   const Tensor& weight, int64_t k, bool need_dx, bool need_dweight, bool need_dbias) {
  const char* op = mean.defined() ? "layer_norm_backward" : "rms_norm_backward";
  ACCMT_CHECK(dy_in.sizes() == x_in.sizes() && dy_in.dtype() == x_in.dtype(), op, ": gradient ",
              shape_str(dy_in.sizes()), " ", dtype_name(dy_in.dtype()), " does not match input ",
              shape_str(x_in.sizes()), " ", dtype_name(x_in.dtype()));
  check_param(op, "weight", weight, x_in, k);
  Tensor x = contiguous(x_in), dy = contiguous(dy_in);
  Shape norm = trailing(x.sizes(), k);
  LayerNormGrads g;
  kernels::TensorRef dxr, dwr, dbr, mr, wr;
  if (need_dx) dxr = ref(g.dx = empty(x.sizes(), x.dtype(), x.device()));
  if (need_dweight) dwr = ref(g.dweight = empty(norm, x.dtype(), x.device()));
  if (need_dbias) dbr = ref(g.dbias = empty(norm, x.dtype(), x.device()));
  if (!need_dx && !need_dweight && !need_dbias) return g;
  if (mean.defined()) mr = ref(mean);
  Tensor wc = weight.defined() ? contiguous(weight) : Tensor();
  if (wc.defined()) wr = ref(wc);
  if (x.numel() == 0) {  // nothing flows: zero gradients
    if (need_dweight) fill_(g.dweight, 0);
    if (need_dbias) fill_(g.dbias, 0);
    return g;
  }
  backend_of(x).layer_norm_backward(need_dx ? &dxr : nullptr, need_dweight ? &dwr : nullptr,
                                    need_dbias ? &dbr : nullptr, ref(dy), ref(x), mean.defined() ? &mr : nullptr,
                                    ref(rstd), wc.defined() ? &wr : nullptr);
  return g;
}

}  // namespace accmt::native
