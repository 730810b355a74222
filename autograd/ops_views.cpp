// Views (sharing storage) and their backward functions.
#include <algorithm>
#include <numeric>

#include "autograd/ops_util.hpp"

namespace accmt {

using autograd::Grads;

namespace {

// Records a view op: `out` shares storage with `self`; backward maps g to self's shape.
Tensor record_view(const char* name, const Tensor& self, Tensor out, std::function<Tensor(const Tensor&)> back) {
  if (autograd::needs_grad({self}))
    autograd::record(name, {self}, {out}, [back = std::move(back)](const Grads& g) -> std::vector<Tensor> {
      return {back(g[0])};
    });
  return out;
}

// Strides for viewing (sizes, strides) as `shape` without copying, if possible
// (PyTorch's rule: each run of merged input dims must be contiguous within itself).
std::optional<Shape> view_strides(const Shape& old_sizes, const Shape& old_strides, const Shape& shape) {
  Shape out(shape.size());
  int64_t numel = 1;
  for (int64_t s : old_sizes) numel *= s;
  if (numel == 0 || old_sizes.empty()) {
    return contiguous_strides(shape);
  }
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk_base_stride = old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old_sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_sizes[d];
    if (d == 0 || (old_sizes[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = old_strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}

Shape infer_shape(const Shape& shape, int64_t numel, const char* op, const Shape& input) {
  Shape out = shape;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      ACCMT_CHECK(infer < 0, op, ": only one dimension can be inferred (-1) in ", shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else {
      ACCMT_CHECK(out[i] >= 0, op, ": invalid size ", out[i], " in ", shape_str(shape));
      known *= out[i];
    }
  }
  if (infer >= 0) {
    ACCMT_CHECK(known != 0 && numel % known == 0, op, ": shape ", shape_str(shape), " is invalid for input of shape ",
                shape_str(input), " (", numel, " elements)");
    out[infer] = numel / known;
  } else {
    ACCMT_CHECK(known == numel, op, ": shape ", shape_str(shape), " is invalid for input of shape ", shape_str(input),
                " (", numel, " elements)");
  }
  return out;
}

// Storage positions (element units) of every element of a geometry, as an int64 tensor.
Tensor storage_positions(const Shape& sizes, const Shape& strides, int64_t offset, Device device) {
  Tensor pos = full({}, offset, {.dtype = DType::Int64, .device = device});
  for (size_t d = 0; d < sizes.size(); ++d) {
    Shape view_shape(sizes.size(), 1);
    view_shape[d] = sizes[d];
    Tensor r = arange(Scalar(int64_t(0)), Scalar(sizes[d]), Scalar(int64_t(1)), TensorOptions{.dtype = DType::Int64, .device = device})
                   .mul(Scalar(strides[d]))
                   .view(view_shape);
    pos = pos + r;
  }
  return pos.expand(sizes).contiguous();
}

}  // namespace

Tensor Tensor::view(const Shape& shape) const {
  native::check_defined("view", *this);
  Shape target = infer_shape(shape, numel(), "view", sizes());
  auto strides_opt = view_strides(sizes(), strides(), target);
  ACCMT_CHECK(strides_opt.has_value(), "view: shape ", shape_str(target), " is not compatible with the input's size ",
              shape_str(sizes()), " and stride ", shape_str(strides()),
              " (at least one dimension spans two contiguous subspaces); use reshape() instead");
  Shape in_shape = sizes();
  return record_view("view", *this, make_view(*this, target, *strides_opt, storage_offset()),
                     [in_shape](const Tensor& g) { return g.reshape(in_shape); });
}

Tensor Tensor::reshape(const Shape& shape) const {
  native::check_defined("reshape", *this);
  Shape target = infer_shape(shape, numel(), "reshape", sizes());
  if (view_strides(sizes(), strides(), target)) return view(target);
  return contiguous().view(target);
}

Tensor Tensor::permute(const Shape& dims) const {
  native::check_defined("permute", *this);
  ACCMT_CHECK(static_cast<int64_t>(dims.size()) == dim(), "permute: got ", dims.size(), " dims ", shape_str(dims),
              " for a tensor with ", dim(), " dims (shape ", shape_str(sizes()), ")");
  Shape nd = native::normalize_dims(dims, sizes(), "permute");  // also rejects repeats
  (void)nd;
  Shape s(dims.size()), st(dims.size()), inverse(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = normalize_dim(dims[i], sizes(), "permute");
    s[i] = sizes()[d];
    st[i] = strides()[d];
    inverse[d] = static_cast<int64_t>(i);
  }
  return record_view("permute", *this, make_view(*this, s, st, storage_offset()),
                     [inverse](const Tensor& g) { return g.permute(inverse); });
}

Tensor Tensor::transpose(int64_t d0, int64_t d1) const {
  native::check_defined("transpose", *this);
  if (dim() == 0) return view({});
  d0 = normalize_dim(d0, sizes(), "transpose");
  d1 = normalize_dim(d1, sizes(), "transpose");
  Shape perm(dim());
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[d0], perm[d1]);
  return permute(perm);
}

Tensor Tensor::t() const {
  ACCMT_CHECK(dim() <= 2, "t: expects a tensor with <= 2 dims, got shape ", shape_str(sizes()), "; use transpose()");
  return dim() < 2 ? view(sizes()) : transpose(0, 1);
}

Tensor Tensor::slice(int64_t d, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step) const {
  native::check_defined("slice", *this);
  ACCMT_CHECK(dim() > 0, "slice: cannot slice a 0-d tensor");
  d = normalize_dim(d, sizes(), "slice");
  ACCMT_CHECK(step > 0, "slice: step must be positive, got ", step);
  int64_t n = sizes()[d];
  auto clampi = [n](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + n : v, 0, n); };
  int64_t b = start ? clampi(*start) : 0, e = stop ? clampi(*stop) : n;
  int64_t len = e > b ? (e - b + step - 1) / step : 0;
  Shape s = sizes(), st = strides();
  s[d] = len;
  st[d] *= step;
  Shape in_shape = sizes();
  DType dt = dtype();
  return record_view("slice", *this, make_view(*this, s, st, storage_offset() + b * strides()[d]),
                     [in_shape, dt, d, b, e, step](const Tensor& g) {
                       Tensor gi = zeros(in_shape, {.dtype = g.dtype(), .device = g.device()});
                       NoGradGuard guard;
                       native::copy_(gi.slice(d, b, e, step), g);
                       return gi;
                     });
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  native::check_defined("narrow", *this);
  d = normalize_dim(d, sizes(), "narrow");
  int64_t n = sizes()[d];
  if (start < 0) start += n;
  ACCMT_CHECK(start >= 0 && length >= 0 && start + length <= n, "narrow: start ", start, " and length ", length,
              " are out of range for dim ", d, " of size ", n, " (shape ", shape_str(sizes()), ")");
  return slice(d, start, start + length, 1);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  native::check_defined("select", *this);
  ACCMT_CHECK(dim() > 0, "select: cannot select from a 0-d tensor");
  d = normalize_dim(d, sizes(), "select");
  int64_t n = sizes()[d];
  ACCMT_CHECK(index >= -n && index < n, "select: index ", index, " is out of range for dim ", d, " of size ", n,
              " (shape ", shape_str(sizes()), ")");
  if (index < 0) index += n;
  Shape s = sizes(), st = strides();
  s.erase(s.begin() + d);
  st.erase(st.begin() + d);
  Shape in_shape = sizes();
  return record_view("select", *this, make_view(*this, s, st, storage_offset() + index * strides()[d]),
                     [in_shape, d, index](const Tensor& g) {
                       Tensor gi = zeros(in_shape, {.dtype = g.dtype(), .device = g.device()});
                       NoGradGuard guard;
                       native::copy_(gi.select(d, index), g);
                       return gi;
                     });
}

Tensor Tensor::expand(const Shape& shape) const {
  native::check_defined("expand", *this);
  Tensor out = native::expand(*this, shape);
  if (out.is_same(*this)) out = make_view(*this, sizes(), strides(), storage_offset());
  Shape in_shape = sizes();
  return record_view("expand", *this, out, [in_shape](const Tensor& g) { return autograd::sum_to(g, in_shape); });
}

Tensor Tensor::squeeze() const {
  Shape s;
  for (int64_t v : sizes())
    if (v != 1) s.push_back(v);
  return view(s);
}

Tensor Tensor::squeeze(int64_t d) const {
  native::check_defined("squeeze", *this);
  if (dim() == 0) return view({});
  d = normalize_dim(d, sizes(), "squeeze");
  if (sizes()[d] != 1) return view(sizes());
  Shape s = sizes();
  s.erase(s.begin() + d);
  return view(s);
}

Tensor Tensor::unsqueeze(int64_t d) const {
  native::check_defined("unsqueeze", *this);
  d = normalize_dim(d, dim() + 1, "unsqueeze");
  Shape s = sizes(), st = strides();
  int64_t new_stride = d < dim() ? sizes()[d] * strides()[d] : 1;
  s.insert(s.begin() + d, 1);
  st.insert(st.begin() + d, new_stride);
  Shape in_shape = sizes();
  return record_view("unsqueeze", *this, make_view(*this, s, st, storage_offset()),
                     [in_shape](const Tensor& g) { return g.reshape(in_shape); });
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  native::check_defined("flatten", *this);
  if (dim() == 0) return reshape({1});
  start_dim = normalize_dim(start_dim, sizes(), "flatten");
  end_dim = normalize_dim(end_dim, sizes(), "flatten");
  ACCMT_CHECK(start_dim <= end_dim, "flatten: start_dim ", start_dim, " must not come after end_dim ", end_dim);
  Shape s(sizes().begin(), sizes().begin() + start_dim);
  int64_t merged = 1;
  for (int64_t i = start_dim; i <= end_dim; ++i) merged *= sizes()[i];
  s.push_back(merged);
  s.insert(s.end(), sizes().begin() + end_dim + 1, sizes().end());
  return reshape(s);
}

Tensor Tensor::unflatten(int64_t d, const Shape& shape) const {
  native::check_defined("unflatten", *this);
  d = normalize_dim(d, sizes(), "unflatten");
  Shape parts = infer_shape(shape, sizes()[d], "unflatten", sizes());
  Shape s(sizes().begin(), sizes().begin() + d);
  s.insert(s.end(), parts.begin(), parts.end());
  s.insert(s.end(), sizes().begin() + d + 1, sizes().end());
  return view(s);
}

Tensor Tensor::as_strided(const Shape& shape, const Shape& strides_in, int64_t offset) const {
  native::check_defined("as_strided", *this);
  ACCMT_CHECK(shape.size() == strides_in.size(), "as_strided: got ", shape.size(), " sizes but ", strides_in.size(),
              " strides");
  int64_t max_pos = offset;
  for (size_t i = 0; i < shape.size(); ++i) {
    ACCMT_CHECK(shape[i] >= 0 && strides_in[i] >= 0, "as_strided: negative size or stride in ", shape_str(shape), " / ",
                shape_str(strides_in));
    if (shape[i] > 0) max_pos += (shape[i] - 1) * strides_in[i];
  }
  int64_t capacity = static_cast<int64_t>(storage()->nbytes()) / dtype_size(dtype());
  ACCMT_CHECK(max_pos < capacity || shape.empty() || std::find(shape.begin(), shape.end(), 0) != shape.end(),
              "as_strided: geometry ", shape_str(shape), " / ", shape_str(strides_in), " at offset ", offset,
              " reaches element ", max_pos, " beyond the storage of ", capacity, " elements");
  Shape in_shape = sizes(), in_strides = strides();
  int64_t in_offset = storage_offset();
  return record_view("as_strided", *this, make_view(*this, shape, strides_in, offset),
                     [=](const Tensor& g) {
                       // Scatter-add g to storage positions, then read the input's positions.
                       Device dev = g.device();
                       Tensor out_pos = storage_positions(shape, strides_in, offset, dev).flatten();
                       Tensor in_pos = storage_positions(in_shape, in_strides, in_offset, dev).flatten();
                       int64_t extent = std::max<int64_t>(capacity, 1);
                       Tensor buffer = zeros({extent}, {.dtype = g.dtype(), .device = dev});
                       buffer = buffer.index_add(0, out_pos, g.reshape({-1}));
                       return buffer.index_select(0, in_pos).view(in_shape);
                     });
}

std::vector<Tensor> Tensor::unbind(int64_t d) const {
  d = normalize_dim(d, sizes(), "unbind");
  std::vector<Tensor> out;
  for (int64_t i = 0; i < sizes()[d]; ++i) out.push_back(select(d, i));
  return out;
}

std::vector<Tensor> Tensor::split(int64_t split_size, int64_t d) const {
  native::check_defined("split", *this);
  d = normalize_dim(d, sizes(), "split");
  int64_t n = sizes()[d];
  ACCMT_CHECK(split_size > 0 || (split_size == 0 && n == 0), "split: split_size must be positive, got ", split_size);
  std::vector<Tensor> out;
  if (n == 0) return {narrow(d, 0, 0)};
  for (int64_t start = 0; start < n; start += split_size) out.push_back(narrow(d, start, std::min(split_size, n - start)));
  return out;
}

std::vector<Tensor> Tensor::split_with_sizes(const Shape& parts, int64_t d) const {
  native::check_defined("split_with_sizes", *this);
  d = normalize_dim(d, sizes(), "split_with_sizes");
  int64_t total = 0;
  for (int64_t p : parts) total += p;
  ACCMT_CHECK(total == sizes()[d], "split_with_sizes: sizes ", shape_str(parts), " add up to ", total,
              " but dim ", d, " has size ", sizes()[d]);
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t p : parts) {
    out.push_back(narrow(d, start, p));
    start += p;
  }
  return out;
}

std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t d) const {
  ACCMT_CHECK(chunks > 0, "chunk: number of chunks must be positive, got ", chunks);
  d = normalize_dim(d, sizes(), "chunk");
  int64_t n = sizes()[d];
  int64_t size = (n + chunks - 1) / chunks;
  return split(std::max<int64_t>(size, n == 0 ? 0 : 1), d);
}

Tensor Tensor::index(const std::vector<TensorIndex>& indices) const {
  native::check_defined("index", *this);
  int64_t consuming = 0;
  bool has_ellipsis = false;
  for (const auto& idx : indices) {
    if (std::holds_alternative<EllipsisIndex>(idx)) {
      ACCMT_CHECK(!has_ellipsis, "index: at most one Ellipsis is allowed");
      has_ellipsis = true;
    } else if (!std::holds_alternative<NoneIndex>(idx)) {
      ++consuming;
    }
  }
  ACCMT_CHECK(consuming <= dim(), "index: too many indices (", consuming, ") for a tensor of shape ", shape_str(sizes()));
  Tensor r = *this;
  int64_t d = 0;  // current dim in r
  for (const auto& idx : indices) {
    if (auto* i = std::get_if<int64_t>(&idx)) {
      r = r.select(d, *i);
    } else if (auto* s = std::get_if<Slice>(&idx)) {
      r = r.slice(d, s->start, s->stop, s->step);
      ++d;
    } else if (std::holds_alternative<NoneIndex>(idx)) {
      r = r.unsqueeze(d);
      ++d;
    } else if (std::holds_alternative<EllipsisIndex>(idx)) {
      d += dim() - consuming;
    } else {
      const Tensor& t = std::get<Tensor>(idx);
      ACCMT_CHECK(t.dim() <= 1 && (t.dtype() == DType::Int64 || t.dtype() == DType::Int32), "index: tensor indices must be "
                  "1-D int64/int32 tensors, got ", dtype_name(t.dtype()), " of shape ", shape_str(t.sizes()));
      r = r.index_select(d, t);
      ++d;
    }
  }
  return r;
}

// ---- unary in-place ops (used by optimizers and activations)
namespace {
using UnaryMethod = Tensor (Tensor::*)() const;
Tensor& inplace_unary(Tensor& self, ops::Unary op, UnaryMethod method, const char* name) {
  autograd::check_inplace(self, name);
  if (!autograd::needs_grad({self})) {
    native::check_defined(name, self);
    ACCMT_CHECK(is_floating(self.dtype()) || op == ops::Unary::Neg || op == ops::Unary::Abs || op == ops::Unary::Relu,
                name, ": needs a floating tensor for an in-place result, got ", dtype_name(self.dtype()));
    native::unary_out(op, self, self);
    bump_version(self);
    return self;
  }
  return autograd::commit_inplace(self, (self.clone().*method)(), name);
}
}  // namespace

Tensor& Tensor::neg_() { return inplace_unary(*this, ops::Unary::Neg, &Tensor::neg, "neg_"); }
Tensor& Tensor::exp_() { return inplace_unary(*this, ops::Unary::Exp, &Tensor::exp, "exp_"); }
Tensor& Tensor::log_() { return inplace_unary(*this, ops::Unary::Log, &Tensor::log, "log_"); }
Tensor& Tensor::sqrt_() { return inplace_unary(*this, ops::Unary::Sqrt, &Tensor::sqrt, "sqrt_"); }
Tensor& Tensor::relu_() { return inplace_unary(*this, ops::Unary::Relu, &Tensor::relu, "relu_"); }
Tensor& Tensor::sigmoid_() { return inplace_unary(*this, ops::Unary::Sigmoid, &Tensor::sigmoid, "sigmoid_"); }
Tensor& Tensor::tanh_() { return inplace_unary(*this, ops::Unary::Tanh, &Tensor::tanh, "tanh_"); }
Tensor& Tensor::abs_() { return inplace_unary(*this, ops::Unary::Abs, &Tensor::abs, "abs_"); }

}  // namespace accmt
