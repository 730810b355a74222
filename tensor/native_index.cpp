// Indexing front-ends: gather/scatter, index_select/index_add, sort and topk.
#include "tensor/native.hpp"

namespace accmt::native {

namespace {
Tensor as_index(const char* op, const Tensor& index) {
  ACCMT_CHECK(index.dtype() == DType::Int64 || index.dtype() == DType::Int32, op,
              ": expected an int64 (or int32) index tensor, got ", dtype_name(index.dtype()));
  return cast(index, DType::Int64);
}

// Bounds checks read the index values, so they run where reading is cheap (CPU).
void check_range(const char* op, const Tensor& index, const Tensor& x, int64_t dim) {
  if (index.numel() == 0 || !index.device().is_cpu()) return;
  int64_t size = x.dim() ? x.size(dim) : 1;
  int64_t lo = reduce(kernels::Reduce::Min, index, {}, false, DType::Int64).item<int64_t>();
  int64_t hi = reduce(kernels::Reduce::Max, index, {}, false, DType::Int64).item<int64_t>();
  ACCMT_CHECK(lo >= 0 && hi < size, op, ": index ", (lo < 0 ? lo : hi), " is out of bounds for dim ", dim,
              " with size ", size, " (input shape ", shape_str(x.sizes()), ", index shape ",
              shape_str(index.sizes()), ")");
}

}  // namespace

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index_in) {
  check_same_device("gather", {x, index_in});
  Tensor index = as_index("gather", index_in);
  dim = normalize_dim(dim, x.sizes(), "gather");
  ACCMT_CHECK(index.dim() == x.dim(), "gather: index has ", index.dim(), " dims but input has ", x.dim(),
              " (shapes ", shape_str(index.sizes()), " and ", shape_str(x.sizes()), ")");
  for (int64_t d = 0; d < x.dim(); ++d)
    ACCMT_CHECK(d == dim || index.size(d) <= x.size(d), "gather: index shape ", shape_str(index.sizes()),
                " is larger than input shape ", shape_str(x.sizes()), " at dim ", d);
  check_range("gather", index, x, dim);
  Tensor out = empty(index.sizes(), x.dtype(), x.device());
  if (out.numel()) backend_of(x).gather(ref(out), ref(x), static_cast<int>(dim), ref(index));
  return out;
}

Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index_in, const Tensor& src_in, bool accumulate) {
  const char* op = accumulate ? "scatter_add" : "scatter";
  check_same_device(op, {x, index_in, src_in});
  Tensor index = as_index(op, index_in);
  dim = normalize_dim(dim, x.sizes(), op);
  Tensor src = cast(src_in, x.dtype());
  ACCMT_CHECK(index.dim() == x.dim() && src.dim() == x.dim(), op, ": input, index and src need the same number of dims, got ",
              shape_str(x.sizes()), ", ", shape_str(index.sizes()), " and ", shape_str(src.sizes()));
  for (int64_t d = 0; d < x.dim(); ++d) {
    ACCMT_CHECK(index.size(d) <= src.size(d), op, ": index shape ", shape_str(index.sizes()), " is larger than src shape ",
                shape_str(src.sizes()), " at dim ", d);
    ACCMT_CHECK(d == dim || index.size(d) <= x.size(d), op, ": index shape ", shape_str(index.sizes()),
                " is larger than input shape ", shape_str(x.sizes()), " at dim ", d);
  }
  check_range(op, index, x, dim);
  Tensor out = clone(x);
  if (index.numel()) backend_of(x).scatter(ref(out), static_cast<int>(dim), ref(index), ref(src), accumulate);
  return out;
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index_in) {
  check_same_device("index_select", {x, index_in});
  Tensor index = as_index("index_select", index_in);
  ACCMT_CHECK(index.dim() <= 1, "index_select: expected a 0-D or 1-D index, got shape ", shape_str(index.sizes()));
  dim = normalize_dim(dim, x.sizes(), "index_select");
  check_range("index_select", index, x, dim);
  Shape shape = x.sizes();
  if (x.dim()) shape[dim] = index.numel();
  Tensor out = empty(shape, x.dtype(), x.device());
  Tensor flat_index = restride_fresh(contiguous(index), {index.numel()}, {1});
  if (out.numel()) backend_of(x).index_select(ref(out), ref(x), static_cast<int>(dim), ref(flat_index));
  return out;
}

Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index_in, const Tensor& src_in, const Scalar& alpha) {
  check_same_device("index_add", {x, index_in, src_in});
  Tensor index = as_index("index_add", index_in);
  ACCMT_CHECK(index.dim() <= 1, "index_add: expected a 0-D or 1-D index, got shape ", shape_str(index.sizes()));
  dim = normalize_dim(dim, x.sizes(), "index_add");
  Tensor src = cast(src_in, x.dtype());
  Shape expected = x.sizes();
  if (x.dim()) expected[dim] = index.numel();
  ACCMT_CHECK(src.sizes() == expected || (x.dim() == 0 && src.numel() == 1), "index_add: source shape ",
              shape_str(src.sizes()), " does not match the expected ", shape_str(expected), " (input ",
              shape_str(x.sizes()), ", ", index.numel(), " indices along dim ", dim, ")");
  check_range("index_add", index, x, dim);
  Tensor out = clone(x);
  Tensor flat_index = restride_fresh(contiguous(index), {index.numel()}, {1});
  if (src.numel()) backend_of(x).index_add(ref(out), static_cast<int>(dim), ref(flat_index), ref(src), alpha);
  return out;
}

std::pair<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending, bool stable) {
  check_defined("sort", x);
  if (x.dim() == 0) return {clone(x), empty({}, DType::Int64, x.device())};
  dim = normalize_dim(dim, x.sizes(), "sort");
  Shape perm;
  Tensor xc = move_dim_last(x, dim, perm);
  Tensor values = empty(xc.sizes(), x.dtype(), x.device()), indices = empty(xc.sizes(), DType::Int64, x.device());
  if (x.numel()) backend_of(x).sort_lastdim(ref(values), ref(indices), ref(xc), descending, stable);
  return {move_last_back(values, perm), move_last_back(indices, perm)};
}

std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted) {
  check_defined("topk", x);
  dim = normalize_dim(dim, x.sizes(), "topk");
  int64_t n = x.dim() ? x.size(dim) : 1;
  ACCMT_CHECK(k >= 0 && k <= n, "topk: k = ", k, " is out of range for dim ", dim, " of size ", n, " (shape ",
              shape_str(x.sizes()), ")");
  Tensor x1 = x.dim() ? x : make_view(x, {1}, {1}, x.storage_offset());
  Shape perm;
  Tensor xc = move_dim_last(x1, x.dim() ? dim : 0, perm);
  Shape shape = xc.sizes();
  shape.back() = k;
  Tensor values = empty(shape, x.dtype(), x.device()), indices = empty(shape, DType::Int64, x.device());
  if (values.numel()) backend_of(x).topk_lastdim(ref(values), ref(indices), ref(xc), k, largest, sorted);
  Tensor v = move_last_back(values, perm), i = move_last_back(indices, perm);
  if (x.dim() == 0) {
    v = restride_fresh(v, {}, {});
    i = restride_fresh(i, {}, {});
  }
  return {v, i};
}

}  // namespace accmt::native
