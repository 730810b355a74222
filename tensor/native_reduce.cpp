// Reduction and softmax front-ends.
#include <algorithm>

#include "tensor/native.hpp"

namespace accmt::native {

namespace {
const char* reduce_name(kernels::Reduce op) {
  switch (op) {
    case kernels::Reduce::Sum: return "sum";
    case kernels::Reduce::Prod: return "prod";
    case kernels::Reduce::Max: return "max";
    case kernels::Reduce::Min: return "min";
    case kernels::Reduce::ArgMax: return "argmax";
    case kernels::Reduce::ArgMin: return "argmin";
    case kernels::Reduce::Any: return "any";
    case kernels::Reduce::All: return "all";
  }
  return "reduce";
}
}  // namespace

Shape normalize_dims(const Shape& dims, const Shape& sizes, const char* op) {
  Shape out;
  for (int64_t d : dims) {
    int64_t nd = normalize_dim(d, sizes, op);
    ACCMT_CHECK(std::find(out.begin(), out.end(), nd) == out.end(), op, ": dim ", d, " appears more than once in ",
                shape_str(dims));
    out.push_back(nd);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Shape reduced_shape(const Shape& sizes, const Shape& dims, bool keepdim) {
  Shape out;
  for (int64_t i = 0; i < static_cast<int64_t>(sizes.size()); ++i) {
    bool reduced = dims.empty() || std::find(dims.begin(), dims.end(), i) != dims.end();
    if (!reduced) out.push_back(sizes[i]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

Tensor reduce(kernels::Reduce op, const Tensor& x_in, Shape dims, bool keepdim, DType out_dtype) {
  check_defined(reduce_name(op), x_in);
  const char* name = reduce_name(op);
  Tensor x = x_in;
  if (op == kernels::Reduce::Sum || op == kernels::Reduce::Prod) x = cast(x, out_dtype);
  int64_t nd = x.dim();
  if (dims.empty()) {
    dims.resize(nd);
    for (int64_t i = 0; i < nd; ++i) dims[i] = i;
  }
  bool identity_free = op == kernels::Reduce::Max || op == kernels::Reduce::Min || op == kernels::Reduce::ArgMax ||
                       op == kernels::Reduce::ArgMin;
  if (identity_free) {
    for (int64_t d : dims)
      ACCMT_CHECK(x.sizes()[d] > 0, name, ": cannot reduce over dim ", d, " of size 0 (shape ",
                  shape_str(x.sizes()), "); the operation has no identity");
    ACCMT_CHECK(x.numel() > 0 || nd > 0, name, ": expected a non-empty tensor");
  }
  // Move kept dims to the front and reduced dims to the back.
  Shape perm, kept_sizes;
  for (int64_t i = 0; i < nd; ++i)
    if (std::find(dims.begin(), dims.end(), i) == dims.end()) {
      perm.push_back(i);
      kept_sizes.push_back(x.sizes()[i]);
    }
  for (int64_t d : dims) perm.push_back(d);
  Shape psizes, pstrides;
  for (int64_t p : perm) {
    psizes.push_back(x.sizes()[p]);
    pstrides.push_back(x.strides()[p]);
  }
  Tensor xp = make_view(x, psizes, pstrides, x.storage_offset());
  Tensor out = empty(kept_sizes, out_dtype, x.device());
  backend_of(x).reduce(op, ref(out), ref(xp), static_cast<int>(dims.size()));
  Shape final_shape = reduced_shape(x.sizes(), dims, keepdim);
  out.impl()->sizes = final_shape;  // fresh contiguous buffer: reshape in place
  out.impl()->strides = contiguous_strides(final_shape);
  return out;
}

Tensor move_dim_last(const Tensor& x, int64_t dim, Shape& perm) {
  perm.clear();
  for (int64_t i = 0; i < x.dim(); ++i)
    if (i != dim) perm.push_back(i);
  perm.push_back(dim);
  Shape s, st;
  for (int64_t p : perm) {
    s.push_back(x.sizes()[p]);
    st.push_back(x.strides()[p]);
  }
  return contiguous(make_view(x, s, st, x.storage_offset()));
}

Tensor move_last_back(const Tensor& y, const Shape& perm) {
  int64_t nd = y.dim();
  Shape s(nd), st(nd);
  for (int64_t i = 0; i < nd; ++i) {
    s[perm[i]] = y.sizes()[i];
    st[perm[i]] = y.strides()[i];
  }
  return contiguous(restride_fresh(y, s, st));
}

Tensor softmax(const Tensor& x, int64_t dim, bool log) {
  const char* name = log ? "log_softmax" : "softmax";
  check_defined(name, x);
  ACCMT_CHECK(is_floating(x.dtype()), name, ": expected a floating tensor, got ", dtype_name(x.dtype()));
  int64_t nd = x.dim();
  if (nd == 0) {
    Tensor r = softmax(make_view(x, {1}, {1}, x.storage_offset()), 0, log);
    r.impl()->sizes = {};
    r.impl()->strides = {};
    return r;
  }
  dim = normalize_dim(dim, x.sizes(), name);
  // Row kernel over the last dim: move `dim` last, run, move it back.
  Shape perm;
  Tensor xp = move_dim_last(x, dim, perm);
  Tensor out = empty(xp.sizes(), x.dtype(), x.device());
  if (out.numel() > 0) backend_of(x).softmax_lastdim(ref(out), ref(xp), log);
  return move_last_back(out, perm);
}

}  // namespace accmt::native
