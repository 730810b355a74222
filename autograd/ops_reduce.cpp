// Differentiable reductions and softmax.
#include <cmath>
#include <limits>

#include "autograd/ops_util.hpp"

namespace accmt {

using autograd::Grads;
using autograd::SavedTensor;
using kernels::Reduce;

namespace {

Shape all_dims_if_empty(const Shape& dims, int64_t ndim) {
  if (!dims.empty()) return dims;
  Shape all(ndim);
  for (int64_t i = 0; i < ndim; ++i) all[i] = i;
  return all;
}

// Reshapes a reduced gradient so it broadcasts against the input again.
Tensor unreduce(const Tensor& g, const Shape& in_shape, const Shape& dims, bool keepdim) {
  if (keepdim || in_shape.empty()) return g;
  return g.reshape(native::reduced_shape(in_shape, dims, true));
}

DType sum_dtype(DType in) { return is_integral(in, true) ? DType::Int64 : in; }

}  // namespace

Tensor Tensor::sum(const Shape& dims_in, bool keepdim, std::optional<DType> dt) const {
  native::check_defined("sum", *this);
  Shape dims = native::normalize_dims(all_dims_if_empty(dims_in, dim()), sizes(), "sum");
  Tensor out = native::reduce(Reduce::Sum, *this, dims, keepdim, dt.value_or(sum_dtype(dtype())));
  if (is_floating(out.dtype()) && autograd::needs_grad({*this})) {
    Shape in_shape = sizes();
    DType in_dtype = dtype();
    autograd::record("sum", {*this}, {out}, [=](const Grads& g) -> std::vector<Tensor> {
      return {unreduce(g[0], in_shape, dims, keepdim).expand(in_shape).to(in_dtype)};
    });
  }
  return out;
}
Tensor Tensor::sum(std::optional<DType> dt) const { return sum(Shape{}, false, dt); }

Tensor Tensor::mean(const Shape& dims_in, bool keepdim) const {
  native::check_defined("mean", *this);
  ACCMT_CHECK(is_floating(dtype()), "mean: expected a floating tensor, got ", dtype_name(dtype()),
              "; convert it with to(DType::Float32) first");
  Shape dims = native::normalize_dims(all_dims_if_empty(dims_in, dim()), sizes(), "mean");
  int64_t count = 1;
  for (int64_t d : dims) count *= sizes()[d];
  return sum(dims, keepdim).div(Scalar(static_cast<double>(count)));
}
Tensor Tensor::mean() const { return mean(Shape{}, false); }

Tensor Tensor::prod(int64_t d, bool keepdim) const {
  native::check_defined("prod", *this);
  d = normalize_dim(d, sizes(), "prod");
  Shape dims = dim() ? Shape{d} : Shape{};
  Tensor out = native::reduce(Reduce::Prod, *this, dims, keepdim, sum_dtype(dtype()));
  if (is_floating(out.dtype()) && autograd::needs_grad({*this})) {
    SavedTensor sx(*this), so(out, true);
    Shape in_shape = sizes();
    autograd::record("prod", {*this}, {out}, [=](const Grads& g) -> std::vector<Tensor> {
      Tensor x = sx.get();
      // Product of the others: out / x where x != 0, else recomputed without that element.
      Tensor o = unreduce(so.get(g), in_shape, dims, keepdim);
      Tensor gg = unreduce(g[0], in_shape, dims, keepdim);
      Tensor zero_mask = x.eq(Scalar(0));
      if (!zero_mask.any().item<bool>()) return {gg * o / x};
      // Exclusive products by brute force (rare path): prod of x with x_i replaced by 1.
      int64_t ax = dims.empty() ? 0 : dims[0];
      Tensor xm = dims.empty() ? x.reshape({1}) : x;
      int64_t n = xm.size(ax);
      std::vector<Tensor> parts;
      for (int64_t i = 0; i < n; ++i) {
        Tensor ones_at = xm.clone();
        NoGradGuard ng;
        native::fill_(ones_at.narrow(ax, i, 1), 1);
        parts.push_back(ones_at.prod(ax, true));
      }
      Tensor excl = cat(parts, ax);
      return {(gg * excl).reshape(in_shape)};
    });
  }
  return out;
}
Tensor Tensor::prod() const { return dim() == 0 ? clone() : flatten().prod(0, false); }

namespace {
// max/min over all elements: gradient split evenly among ties (as PyTorch).
Tensor extremum_all(const Tensor& x, bool is_max) {
  const char* name = is_max ? "max" : "min";
  native::check_defined(name, x);
  ACCMT_CHECK(x.numel() > 0, name, ": expected a non-empty tensor (shape ", shape_str(x.sizes()), ")");
  Tensor out = native::reduce(is_max ? Reduce::Max : Reduce::Min, x, {}, false, x.dtype());
  if (is_floating(x.dtype()) && autograd::needs_grad({x})) {
    SavedTensor sx(x), so(out, true);
    autograd::record(name, {x}, {out}, [sx, so](const Grads& g) -> std::vector<Tensor> {
      Tensor x = sx.get();
      Tensor mask = x.eq(so.get()).to(x.dtype());
      return {mask * (g[0] / mask.sum())};
    });
  }
  return out;
}

// amax/amin over dims: ties share the gradient evenly.
Tensor extremum_dims(const Tensor& x, const Shape& dims_in, bool keepdim, bool is_max) {
  const char* name = is_max ? "amax" : "amin";
  native::check_defined(name, x);
  Shape dims = native::normalize_dims(all_dims_if_empty(dims_in, x.dim()), x.sizes(), name);
  Tensor out = native::reduce(is_max ? Reduce::Max : Reduce::Min, x, dims, keepdim, x.dtype());
  if (is_floating(x.dtype()) && autograd::needs_grad({x})) {
    SavedTensor sx(x), so(out, true);
    Shape in_shape = x.sizes();
    autograd::record(name, {x}, {out}, [=](const Grads& g) -> std::vector<Tensor> {
      Tensor xv = sx.get();
      Tensor mask = xv.eq(unreduce(so.get(), in_shape, dims, keepdim)).to(xv.dtype());
      Tensor count = mask.sum(dims, true);
      return {mask * unreduce(g[0], in_shape, dims, keepdim) / count};
    });
  }
  return out;
}

// max/min along one dim with indices: gradient goes to the chosen index only.
std::pair<Tensor, Tensor> extremum_dim(const Tensor& x, int64_t d, bool keepdim, bool is_max) {
  const char* name = is_max ? "max" : "min";
  native::check_defined(name, x);
  d = normalize_dim(d, x.sizes(), name);
  Shape dims = x.dim() ? Shape{d} : Shape{};
  Tensor idx = native::reduce(is_max ? Reduce::ArgMax : Reduce::ArgMin, x, dims, true, DType::Int64);
  Tensor values = native::gather(x.dim() ? x : x.reshape({1}), x.dim() ? d : 0, x.dim() ? idx : idx.reshape({1}));
  if (!x.dim()) values = restride_fresh(values, {}, {});
  if (is_floating(x.dtype()) && autograd::needs_grad({x})) {
    Shape in_shape = x.sizes();
    Tensor keep_idx = idx;
    autograd::record(name, {x}, {values}, [=](const Grads& g) -> std::vector<Tensor> {
      Tensor gi = zeros(in_shape, {.dtype = g[0].dtype(), .device = g[0].device()});
      if (in_shape.empty()) return {g[0].reshape({})};
      return {gi.scatter(d, keep_idx, g[0].reshape(keep_idx.sizes()))};
    });
  }
  if (!keepdim && x.dim()) {
    values = values.squeeze(d);
    idx = restride_fresh(idx, native::reduced_shape(x.sizes(), dims, false), contiguous_strides(native::reduced_shape(x.sizes(), dims, false)));
  } else if (!x.dim()) {
    idx = restride_fresh(idx, {}, {});
  }
  return {values, idx};
}
}  // namespace

Tensor Tensor::max() const { return extremum_all(*this, true); }
Tensor Tensor::min() const { return extremum_all(*this, false); }
std::pair<Tensor, Tensor> Tensor::max(int64_t d, bool keepdim) const { return extremum_dim(*this, d, keepdim, true); }
std::pair<Tensor, Tensor> Tensor::min(int64_t d, bool keepdim) const { return extremum_dim(*this, d, keepdim, false); }
Tensor Tensor::amax(const Shape& dims, bool keepdim) const { return extremum_dims(*this, dims, keepdim, true); }
Tensor Tensor::amin(const Shape& dims, bool keepdim) const { return extremum_dims(*this, dims, keepdim, false); }

Tensor Tensor::argmax(std::optional<int64_t> d, bool keepdim) const {
  native::check_defined("argmax", *this);
  if (!d) return native::reduce(Reduce::ArgMax, contiguous().reshape({-1}), {0}, false, DType::Int64);
  int64_t dd = normalize_dim(*d, sizes(), "argmax");
  return native::reduce(Reduce::ArgMax, *this, dim() ? Shape{dd} : Shape{}, keepdim, DType::Int64);
}
Tensor Tensor::argmin(std::optional<int64_t> d, bool keepdim) const {
  native::check_defined("argmin", *this);
  if (!d) return native::reduce(Reduce::ArgMin, contiguous().reshape({-1}), {0}, false, DType::Int64);
  int64_t dd = normalize_dim(*d, sizes(), "argmin");
  return native::reduce(Reduce::ArgMin, *this, dim() ? Shape{dd} : Shape{}, keepdim, DType::Int64);
}

Tensor Tensor::var(const Shape& dims_in, int64_t correction, bool keepdim) const {
  native::check_defined("var", *this);
  ACCMT_CHECK(is_floating(dtype()), "var: expected a floating tensor, got ", dtype_name(dtype()));
  Shape dims = native::normalize_dims(all_dims_if_empty(dims_in, dim()), sizes(), "var");
  int64_t n = 1;
  for (int64_t d : dims) n *= sizes()[d];
  Tensor centered = *this - mean(dims, true);
  double denom = std::max<double>(0.0, static_cast<double>(n - correction));
  return centered.square().sum(dims, keepdim).div(Scalar(denom));
}

Tensor Tensor::std(const Shape& dims, int64_t correction, bool keepdim) const {
  return var(dims, correction, keepdim).sqrt();
}

Tensor Tensor::norm(double p, const Shape& dims_in, bool keepdim) const {
  native::check_defined("norm", *this);
  ACCMT_CHECK(is_floating(dtype()), "norm: expected a floating tensor, got ", dtype_name(dtype()));
  Shape dims = all_dims_if_empty(dims_in, dim());
  if (std::isinf(p)) return p > 0 ? abs().amax(dims, keepdim) : abs().amin(dims, keepdim);
  if (p == 0) return ne(Scalar(0)).to(dtype()).sum(dims, keepdim);
  if (p == 1) return abs().sum(dims, keepdim);
  if (p == 2) {
    // sqrt of the sum of squares; the gradient x / norm is 0 (not NaN) at a zero norm.
    Tensor sq = square().sum(dims, keepdim);
    Tensor out = native::unary(ops::Unary::Sqrt, sq);
    if (autograd::needs_grad({*this})) {
      SavedTensor sx(*this), so(out, true);
      Shape in_shape = sizes();
      Shape nd = native::normalize_dims(dims, sizes(), "norm");
      autograd::record("norm", {*this}, {out}, [=](const Grads& g) -> std::vector<Tensor> {
        Tensor o = unreduce(so.get(g), in_shape, nd, keepdim);
        Tensor gg = unreduce(g[0], in_shape, nd, keepdim);
        Tensor scale = where(o.eq(Scalar(0)), Scalar(0), gg / o);
        return {sx.get() * scale};
      });
    }
    return out;
  }
  return abs().pow(Scalar(p)).sum(dims, keepdim).pow(Scalar(1.0 / p));
}

Tensor Tensor::logsumexp(const Shape& dims_in, bool keepdim) const {
  native::check_defined("logsumexp", *this);
  Tensor x = is_floating(dtype()) ? *this : to(get_default_dtype());
  Shape dims = native::normalize_dims(all_dims_if_empty(dims_in, dim()), sizes(), "logsumexp");
  Tensor m = x.detach().amax(dims, true);
  // An all -inf slice keeps its -inf result without NaNs from (-inf) - (-inf).
  m = where(m.eq(Scalar(-std::numeric_limits<double>::infinity())), Scalar(0), m);
  Tensor r = (x - m).exp().sum(dims, true).log() + m;
  return keepdim ? r : r.reshape(native::reduced_shape(sizes(), dims, false));
}

Tensor Tensor::any() const { return native::reduce(Reduce::Any, *this, {}, false, DType::Bool); }
Tensor Tensor::all() const { return native::reduce(Reduce::All, *this, {}, false, DType::Bool); }
Tensor Tensor::any(int64_t d, bool keepdim) const {
  d = normalize_dim(d, sizes(), "any");
  return native::reduce(Reduce::Any, *this, dim() ? Shape{d} : Shape{}, keepdim, DType::Bool);
}
Tensor Tensor::all(int64_t d, bool keepdim) const {
  d = normalize_dim(d, sizes(), "all");
  return native::reduce(Reduce::All, *this, dim() ? Shape{d} : Shape{}, keepdim, DType::Bool);
}

Tensor Tensor::softmax(int64_t d) const {
  native::check_defined("softmax", *this);
  Tensor x = is_floating(dtype()) ? *this : to(get_default_dtype());
  Tensor out = native::softmax(x, d, false);
  if (autograd::needs_grad({x})) {
    SavedTensor so(out, true);
    int64_t dd = normalize_dim(d, sizes(), "softmax");
    autograd::record("softmax", {x}, {out}, [so, dd](const Grads& g) -> std::vector<Tensor> {
      Tensor y = so.get(g);
      Tensor gy = g[0] * y;
      return {gy - y * gy.sum({dd}, true)};
    });
  }
  return out;
}

Tensor Tensor::log_softmax(int64_t d) const {
  native::check_defined("log_softmax", *this);
  Tensor x = is_floating(dtype()) ? *this : to(get_default_dtype());
  Tensor out = native::softmax(x, d, true);
  if (autograd::needs_grad({x})) {
    SavedTensor so(out, true);
    int64_t dd = normalize_dim(d, sizes(), "log_softmax");
    autograd::record("log_softmax", {x}, {out}, [so, dd](const Grads& g) -> std::vector<Tensor> {
      Tensor y = so.get(g);
      return {g[0] - y.exp() * g[0].sum({dd}, true)};
    });
  }
  return out;
}

}  // namespace accmt
