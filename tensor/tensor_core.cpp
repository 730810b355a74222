// Tensor metadata, construction helpers, broadcasting and type promotion.
#include <algorithm>
#include <sstream>

#include "tensor/tensor_impl.hpp"

namespace accmt {

namespace {
DType g_default_dtype = DType::Float32;

TensorImpl& checked(const std::shared_ptr<TensorImpl>& p) {
  if (!p) throw Error("Tensor: this tensor is undefined (default-constructed or moved from)");
  return *p;
}
}  // namespace

DType get_default_dtype() { return g_default_dtype; }
void set_default_dtype(DType dtype) {
  ACCMT_CHECK(is_floating(dtype), "set_default_dtype: expected a floating dtype, got ", dtype_name(dtype));
  g_default_dtype = dtype;
}

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << "]";
  return os.str();
}

Shape contiguous_strides(const Shape& sizes) {
  Shape strides(sizes.size());
  int64_t acc = 1;
  for (int64_t i = static_cast<int64_t>(sizes.size()) - 1; i >= 0; --i) {
    strides[i] = acc;
    acc *= std::max<int64_t>(sizes[i], 1);
  }
  return strides;
}

Tensor make_tensor(const Shape& sizes, DType dtype, Device device) {
  int64_t n = 1;
  for (int64_t s : sizes) {
    ACCMT_CHECK(s >= 0, "empty: negative dimension in size ", shape_str(sizes));
    n *= s;
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<StorageImpl>(static_cast<size_t>(n * dtype_size(dtype)), device);
  impl->sizes = sizes;
  impl->strides = contiguous_strides(sizes);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor make_view(const Tensor& base, Shape sizes, Shape strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  const TensorImpl& b = *base.impl();
  impl->storage = b.storage;
  impl->sizes = std::move(sizes);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = b.dtype;
  impl->version = b.version;
  impl->view_base = b.view_base ? b.view_base : base.impl_ptr();
  impl->view_version = impl->version->load();
  return Tensor(std::move(impl));
}

Tensor restride_fresh(const Tensor& fresh, Shape sizes, Shape strides) {
  Tensor t = make_view(fresh, std::move(sizes), std::move(strides), fresh.storage_offset());
  t.impl()->view_base = nullptr;
  return t;
}

void bump_version(const Tensor& t) { ++*t.impl()->version; }

int64_t normalize_dim(int64_t dim, int64_t ndim, const char* op) {
  int64_t n = std::max<int64_t>(ndim, 1);  // a 0-d tensor accepts dims 0 and -1
  ACCMT_CHECK(dim >= -n && dim < n, op, ": dimension ", dim, " out of range for a tensor with ", ndim,
              " dims (expected a value in [", -n, ", ", n - 1, "])");
  return dim < 0 ? dim + n : dim;
}

int64_t normalize_dim(int64_t dim, const Shape& sizes, const char* op) {
  int64_t ndim = static_cast<int64_t>(sizes.size());
  int64_t n = std::max<int64_t>(ndim, 1);
  ACCMT_CHECK(dim >= -n && dim < n, op, ": dimension ", dim, " out of range for a tensor of shape ", shape_str(sizes),
              " (expected a value in [", -n, ", ", n - 1, "])");
  return dim < 0 ? dim + n : dim;
}

const Shape& Tensor::sizes() const { return checked(impl_).sizes; }
const Shape& Tensor::strides() const { return checked(impl_).strides; }
int64_t Tensor::dim() const { return static_cast<int64_t>(sizes().size()); }
int64_t Tensor::size(int64_t d) const { return sizes()[normalize_dim(d, sizes(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return strides()[normalize_dim(d, sizes(), "stride")]; }
int64_t Tensor::numel() const { return checked(impl_).numel(); }
int64_t Tensor::storage_offset() const { return checked(impl_).offset; }
DType Tensor::dtype() const { return checked(impl_).dtype; }
Device Tensor::device() const { return checked(impl_).storage->device(); }
TensorOptions Tensor::options() const { return {.dtype = dtype(), .device = device(), .requires_grad = false}; }
const Storage& Tensor::storage() const { return checked(impl_).storage; }
void* Tensor::data_ptr() const {
  const TensorImpl& t = checked(impl_);
  return static_cast<char*>(t.storage->data()) + t.offset * dtype_size(t.dtype);
}
bool Tensor::is_contiguous() const {
  const TensorImpl& t = checked(impl_);
  int64_t expected = 1;
  for (int64_t i = static_cast<int64_t>(t.sizes.size()) - 1; i >= 0; --i) {
    if (t.sizes[i] != 1 && t.strides[i] != expected) return false;
    expected *= t.sizes[i];
  }
  return true;
}
uint64_t Tensor::version() const { return checked(impl_).version->load(); }
bool Tensor::is_view() const { return checked(impl_).view_base != nullptr; }
Tensor Tensor::base() const { return Tensor(checked(impl_).view_base); }

Shape broadcast_shapes(const Shape& a, const Shape& b) { return broadcast_shapes_for("broadcast_shapes", a, b); }

Shape broadcast_shapes_for(const char* op, const Shape& a, const Shape& b) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    ACCMT_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", shape_str(a), " and ", shape_str(b),
                " are not broadcastable (dim ", i, ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {
// PyTorch's result_type: dimensioned tensors outrank 0-d tensors, which outrank plain
// numbers, unless a lower group is of a higher category (bool < integer < floating).
int category(DType t) { return t == DType::Bool ? 0 : is_floating(t) ? 2 : 1; }
std::optional<DType> promote_opt(std::optional<DType> a, DType b) { return a ? promote_types(*a, b) : b; }
DType combine(std::optional<DType> higher, std::optional<DType> lower) {
  if (!higher) return *lower;
  if (!lower) return *higher;
  if (category(*lower) > category(*higher)) return promote_types(*higher, *lower);
  return *higher;
}
}  // namespace

DType result_type(const Tensor& a, const Tensor& b) {
  std::optional<DType> dim_result, zero_result;
  for (const Tensor* t : {&a, &b}) {
    if (t->dim() > 0) dim_result = promote_opt(dim_result, t->dtype());
    else zero_result = promote_opt(zero_result, t->dtype());
  }
  return combine(dim_result, zero_result);
}

DType result_type(const Tensor& a, const Scalar& b) {
  std::optional<DType> tensor_result = a.dtype();
  DType scalar_type = b.is_floating() ? get_default_dtype() : b.natural_dtype();
  return combine(tensor_result, scalar_type);
}

}  // namespace accmt
