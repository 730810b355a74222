// Differentiable indexing: gather/scatter, index_select/index_add, embedding, tril/triu,
// topk/sort, cat/stack, one_hot.
#include "autograd/ops_util.hpp"

namespace accmt {

using autograd::Grads;

Tensor Tensor::gather(int64_t d, const Tensor& index) const {
  Tensor out = native::gather(*this, d, index);
  if (autograd::needs_grad({*this})) {
    Shape in_shape = sizes();
    Tensor idx = index.detach();
    autograd::record("gather", {*this}, {out}, [in_shape, idx, d](const Grads& g) -> std::vector<Tensor> {
      return {zeros(in_shape, {.dtype = g[0].dtype(), .device = g[0].device()}).scatter_add(d, idx, g[0])};
    });
  }
  return out;
}

Tensor Tensor::scatter(int64_t d, const Tensor& index, const Tensor& src) const {
  Tensor out = native::scatter(*this, d, index, src, false);
  if (autograd::needs_grad({*this, src})) {
    Tensor idx = index.detach();
    DType src_dtype = src.dtype();
    autograd::record("scatter", {*this, src}, {out}, [idx, d, src_dtype](const Grads& g) -> std::vector<Tensor> {
      std::vector<Tensor> r(2);
      if (g.needs_input(0)) r[0] = g[0].scatter(d, idx, Scalar(0));
      if (g.needs_input(1)) r[1] = g[0].gather(d, idx).to(src_dtype);
      return r;
    });
  }
  return out;
}

Tensor Tensor::scatter(int64_t d, const Tensor& index, const Scalar& value) const {
  Tensor src = full(index.sizes(), value, {.dtype = dtype(), .device = device()});
  Tensor out = native::scatter(*this, d, index, src, false);
  if (autograd::needs_grad({*this})) {
    Tensor idx = index.detach();
    autograd::record("scatter", {*this}, {out}, [idx, d](const Grads& g) -> std::vector<Tensor> {
      return {g[0].scatter(d, idx, Scalar(0))};
    });
  }
  return out;
}

Tensor Tensor::scatter_add(int64_t d, const Tensor& index, const Tensor& src) const {
  Tensor out = native::scatter(*this, d, index, src, true);
  if (autograd::needs_grad({*this, src})) {
    Tensor idx = index.detach();
    DType src_dtype = src.dtype();
    autograd::record("scatter_add", {*this, src}, {out}, [idx, d, src_dtype](const Grads& g) -> std::vector<Tensor> {
      return {g[0], g.needs_input(1) ? g[0].gather(d, idx).to(src_dtype) : Tensor()};
    });
  }
  return out;
}

Tensor Tensor::index_select(int64_t d, const Tensor& index) const {
  Tensor out = native::index_select(*this, d, index);
  if (autograd::needs_grad({*this})) {
    Shape in_shape = sizes();
    Tensor idx = index.detach();
    int64_t dd = normalize_dim(d, sizes(), "index_select");
    autograd::record("index_select", {*this}, {out}, [in_shape, idx, dd](const Grads& g) -> std::vector<Tensor> {
      Tensor z = zeros(in_shape, {.dtype = g[0].dtype(), .device = g[0].device()});
      return {z.index_add(dd, idx.reshape({-1}), g[0])};
    });
  }
  return out;
}

Tensor Tensor::index_add(int64_t d, const Tensor& index, const Tensor& source, const Scalar& alpha) const {
  Tensor out = native::index_add(*this, d, index, source, alpha);
  if (autograd::needs_grad({*this, source})) {
    Tensor idx = index.detach();
    int64_t dd = normalize_dim(d, sizes(), "index_add");
    DType src_dtype = source.dtype();
    autograd::record("index_add", {*this, source}, {out}, [=](const Grads& g) -> std::vector<Tensor> {
      std::vector<Tensor> r(2);
      r[0] = g[0];
      if (g.needs_input(1)) {
        Tensor gs = g[0].index_select(dd, idx.reshape({-1}));
        if (alpha.to_double() != 1.0) gs = gs * alpha;
        r[1] = gs.to(src_dtype);
      }
      return r;
    });
  }
  return out;
}

Tensor embedding(const Tensor& weight, const Tensor& indices) {
  native::check_defined("embedding", weight);
  native::check_defined("embedding", indices);
  ACCMT_CHECK(weight.dim() == 2, "embedding: expected a 2-D weight [num_embeddings, dim], got ",
              shape_str(weight.sizes()));
  // Checked here (on CPU, where reading is cheap) so the error names embedding, not index_select.
  bool int_indices = indices.dtype() == DType::Int64 || indices.dtype() == DType::Int32;
  if (int_indices && indices.numel() > 0 && indices.device().is_cpu()) {
    int64_t lo = indices.min().item<int64_t>(), hi = indices.max().item<int64_t>();
    ACCMT_CHECK(lo >= 0 && hi < weight.size(0), "embedding: index ", (lo < 0 ? lo : hi),
                " is out of range for a weight of shape ", shape_str(weight.sizes()), " (indices shape ",
                shape_str(indices.sizes()), ")");
  }
  Shape out_shape = indices.sizes();
  out_shape.push_back(weight.size(1));
  return weight.index_select(0, indices.reshape({-1})).view(out_shape);
}

Tensor one_hot(const Tensor& indices, int64_t num_classes) {
  native::check_defined("one_hot", indices);
  ACCMT_CHECK(indices.dtype() == DType::Int64, "one_hot: expected an int64 tensor of class indices, got ",
              dtype_name(indices.dtype()));
  if (num_classes < 0) {
    ACCMT_CHECK(indices.numel() > 0, "one_hot: cannot infer num_classes from an empty tensor; pass it explicitly");
    num_classes = indices.max().item<int64_t>() + 1;
  }
  if (indices.numel() > 0) {
    int64_t lo = indices.min().item<int64_t>(), hi = indices.max().item<int64_t>();
    ACCMT_CHECK(lo >= 0 && hi < num_classes, "one_hot: class values must be in [0, ", num_classes, "), got ",
                (lo < 0 ? lo : hi), " (indices shape ", shape_str(indices.sizes()), ")");
  }
  Shape shape = indices.sizes();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, {.dtype = DType::Int64, .device = indices.device()});
  return native::scatter(out, -1, indices.unsqueeze(-1), ones(indices.unsqueeze(-1).sizes(), {.dtype = DType::Int64, .device = indices.device()}), false);
}

namespace {
// Keeps elements whose (col - row) satisfies the triangle, as a differentiable where.
Tensor triangle(const Tensor& x, int64_t diagonal, bool lower) {
  const char* name = lower ? "tril" : "triu";
  native::check_defined(name, x);
  ACCMT_CHECK(x.dim() >= 2, name, ": expected a tensor with at least 2 dims, got shape ", shape_str(x.sizes()));
  int64_t rows = x.size(-2), cols = x.size(-1);
  TensorOptions io{.dtype = DType::Int64, .device = x.device()};
  Tensor r = arange(Scalar(int64_t(0)), Scalar(rows), Scalar(int64_t(1)), io).unsqueeze(1);
  Tensor c = arange(Scalar(int64_t(0)), Scalar(cols), Scalar(int64_t(1)), io).unsqueeze(0);
  Tensor diff = c - r;
  Tensor keep = lower ? diff.le(Scalar(diagonal)) : diff.ge(Scalar(diagonal));
  return where(keep, x, zeros({}, {.dtype = x.dtype(), .device = x.device()}));
}
}  // namespace

Tensor Tensor::tril(int64_t diagonal) const { return triangle(*this, diagonal, true); }
Tensor Tensor::triu(int64_t diagonal) const { return triangle(*this, diagonal, false); }

std::pair<Tensor, Tensor> Tensor::topk(int64_t k, int64_t d, bool largest, bool sorted) const {
  auto [values, indices] = native::topk(*this, k, d, largest, sorted);
  if (autograd::needs_grad({*this}) && dim() > 0) values = gather(normalize_dim(d, sizes(), "topk"), indices);
  return {values, indices};
}

std::pair<Tensor, Tensor> Tensor::sort(int64_t d, bool descending, bool stable) const {
  auto [values, indices] = native::sort(*this, d, descending, stable);
  if (autograd::needs_grad({*this}) && dim() > 0) values = gather(normalize_dim(d, sizes(), "sort"), indices);
  return {values, indices};
}

Tensor Tensor::argsort(int64_t d, bool descending, bool stable) const {
  return native::sort(*this, d, descending, stable).second;
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  ACCMT_CHECK(!tensors.empty(), "cat: expected a non-empty list of tensors");
  // Legacy rule kept by PyTorch: 1-D empty tensors are skipped.
  std::vector<Tensor> parts;
  for (const Tensor& t : tensors) {
    native::check_defined("cat", t);
    if (!(t.dim() == 1 && t.numel() == 0)) parts.push_back(t);
  }
  if (parts.empty()) return tensors[0].clone();
  const Tensor& ref = parts[0];
  ACCMT_CHECK(ref.dim() > 0, "cat: zero-dimensional tensors cannot be concatenated");
  int64_t d = normalize_dim(dim, ref.sizes(), "cat");
  DType dt = ref.dtype();
  int64_t total = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Tensor& t = parts[i];
    ACCMT_CHECK(t.device() == ref.device(), "cat: expected all tensors on ", ref.device().str(), ", tensor ", i,
                " is on ", t.device().str());
    ACCMT_CHECK(t.dim() == ref.dim(), "cat: tensors must have the same number of dims: ", shape_str(ref.sizes()),
                " and ", shape_str(t.sizes()), " (tensor ", i, ")");
    for (int64_t k = 0; k < t.dim(); ++k)
      ACCMT_CHECK(k == d || t.size(k) == ref.size(k), "cat: sizes must match except in dim ", d, ": ",
                  shape_str(ref.sizes()), " and ", shape_str(t.sizes()), " (tensor ", i, ")");
    dt = i ? promote_types(dt, t.dtype()) : dt;
    total += t.size(d);
  }
  Shape shape = ref.sizes();
  shape[d] = total;
  Tensor out = native::empty(shape, dt, ref.device());
  Shape lengths;
  int64_t offset = 0;
  for (const Tensor& t : parts) {
    Tensor slot = make_view(out, out.sizes(), out.strides(), 0);
    slot.impl()->sizes[d] = t.size(d);
    slot.impl()->offset = offset * out.strides()[d];
    native::copy_(slot, t);
    lengths.push_back(t.size(d));
    offset += t.size(d);
  }
  if (autograd::needs_grad(parts)) {
    std::vector<DType> dtypes;
    for (const Tensor& t : parts) dtypes.push_back(t.dtype());
    autograd::record("cat", parts, {out}, [lengths, dtypes, d](const Grads& g) -> std::vector<Tensor> {
      std::vector<Tensor> r;
      int64_t start = 0;
      for (size_t i = 0; i < lengths.size(); ++i) {
        r.push_back(g.needs_input(i) ? g[0].narrow(d, start, lengths[i]).to(dtypes[i]) : Tensor());
        start += lengths[i];
      }
      return r;
    });
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  ACCMT_CHECK(!tensors.empty(), "stack: expected a non-empty list of tensors");
  for (size_t i = 1; i < tensors.size(); ++i)
    ACCMT_CHECK(tensors[i].sizes() == tensors[0].sizes(), "stack: all tensors must have the same shape, got ",
                shape_str(tensors[0].sizes()), " and ", shape_str(tensors[i].sizes()), " (tensor ", i, ")");
  int64_t d = normalize_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  for (const Tensor& t : tensors) parts.push_back(t.unsqueeze(d));
  return cat(parts, d);
}

}  // namespace accmt
