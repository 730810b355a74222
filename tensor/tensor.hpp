#pragma once
// Tensor: a cheap handle (shared pointer) to sizes, strides, an offset, a dtype and a
// shared Storage, plus autograd metadata. Copying a Tensor copies the handle; views share
// storage. The API follows PyTorch's names and semantics.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "kernels/common/error.hpp"
#include "kernels/common/scalar.hpp"
#include "tensor/device.hpp"
#include "tensor/dtype.hpp"
#include "tensor/storage.hpp"

namespace accmt {

using Shape = std::vector<int64_t>;

namespace autograd {
class Node;
}
struct TensorImpl;
class Tensor;

struct TensorOptions {
  DType dtype = DType::Float32;
  Device device = kCPU;
  bool requires_grad = false;
};

// One index of Tensor::index(): an integer, a slice, None (new axis), Ellipsis, or a 1-D
// integer tensor (selects along the dim, like index_select).
struct Slice {
  std::optional<int64_t> start, stop;
  int64_t step = 1;
};
struct NoneIndex {};
struct EllipsisIndex {};
inline constexpr NoneIndex None{};
inline constexpr EllipsisIndex Ellipsis{};
using TensorIndex = std::variant<int64_t, Slice, NoneIndex, EllipsisIndex, Tensor>;

using TensorHook = std::function<Tensor(const Tensor&)>;    // may return an undefined tensor to keep the grad
using PostAccumulateHook = std::function<void(Tensor&)>;    // receives the leaf after .grad is updated

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- metadata
  bool defined() const { return impl_ != nullptr; }
  const Shape& sizes() const;
  const Shape& strides() const;
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const;
  int64_t numel() const;
  int64_t storage_offset() const;
  DType dtype() const;
  Device device() const;
  TensorOptions options() const;
  bool is_contiguous() const;
  bool is_floating_point() const { return is_floating(dtype()); }
  const Storage& storage() const;
  // Raw address of element 0 (storage data + offset). For kernels and tests only.
  void* data_ptr() const;
  // Two handles to the same tensor object.
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

  // ---- host access (sync points)
  Scalar item() const;
  template <class T> T item() const { return item().to<T>(); }
  template <class T> std::vector<T> to_vector() const;

  // ---- autograd
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);
  Tensor grad() const;
  void set_grad(const Tensor& g) const;
  std::shared_ptr<autograd::Node> grad_fn() const;
  bool is_leaf() const;
  void retain_grad() const;
  bool retains_grad() const;
  // gradient: required unless the tensor has one element.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false, bool create_graph = false) const;
  // Runs `hook` on this tensor's gradient when it is computed; returns a handle for removal.
  int64_t register_hook(TensorHook hook) const;
  void remove_hook(int64_t handle) const;
  // Leaves only: runs after the gradient was accumulated into .grad (for all-reduce).
  int64_t register_post_accumulate_grad_hook(PostAccumulateHook hook) const;
  Tensor detach() const;
  Tensor& detach_();
  // Makes this tensor (and every handle to it) use new_data's storage, shape and dtype,
  // keeping its autograd identity (like PyTorch's `param.data = new_data`). Used by
  // Module::to so that parameters move without invalidating handles.
  void set_data(const Tensor& new_data) const;
  // In-place modification counter, shared by views of the same data.
  uint64_t version() const;
  bool is_view() const;
  Tensor base() const;

  // ---- conversion and copies
  Tensor to(DType dtype, bool copy = false) const;
  Tensor to(Device device, bool copy = false) const;
  Tensor to(Device device, DType dtype, bool copy = false) const;
  Tensor cpu() const { return to(kCPU); }
  // A copy in page-locked host memory (fast, asynchronous copies to a GPU); the tensor
  // itself when it is pinned already or no GPU is present (tensor/cuda.cpp).
  Tensor pin_memory() const;
  bool is_pinned() const;
  Tensor cuda(int index = 0) const { return to(Device(DeviceType::CUDA, index)); }
  Tensor clone() const;
  Tensor contiguous() const;
  Tensor& copy_(const Tensor& src);
  Tensor& fill_(const Scalar& value);
  Tensor& zero_();

  // ---- views and shape
  Tensor view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const;
  Tensor view_as(const Tensor& other) const { return view(other.sizes()); }
  Tensor reshape_as(const Tensor& other) const { return reshape(other.sizes()); }
  Tensor permute(const Shape& dims) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;
  Tensor mT() const { return transpose(-2, -1); }
  Tensor slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor index(const std::vector<TensorIndex>& indices) const;
  Tensor operator[](int64_t i) const { return select(0, i); }
  Tensor expand(const Shape& sizes) const;
  Tensor expand_as(const Tensor& other) const { return expand(other.sizes()); }
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unflatten(int64_t dim, const Shape& sizes) const;
  Tensor as_strided(const Shape& sizes, const Shape& strides, int64_t storage_offset) const;
  std::vector<Tensor> unbind(int64_t dim = 0) const;
  std::vector<Tensor> split(int64_t split_size, int64_t dim = 0) const;
  std::vector<Tensor> split_with_sizes(const Shape& sizes, int64_t dim = 0) const;
  std::vector<Tensor> chunk(int64_t chunks, int64_t dim = 0) const;

  // ---- unary math
  Tensor neg() const; Tensor abs() const; Tensor exp() const; Tensor log() const;
  Tensor log1p() const; Tensor expm1() const; Tensor sqrt() const; Tensor rsqrt() const;
  Tensor sin() const; Tensor cos() const; Tensor tan() const; Tensor tanh() const;
  Tensor sigmoid() const; Tensor relu() const; Tensor silu() const; Tensor softplus() const;
  Tensor gelu(const std::string& approximate = "none") const;
  Tensor sign() const; Tensor reciprocal() const; Tensor square() const; Tensor erf() const;
  Tensor floor() const; Tensor ceil() const; Tensor round() const; Tensor trunc() const;
  Tensor log2() const; Tensor log10() const; Tensor exp2() const;
  Tensor asin() const; Tensor acos() const; Tensor atan() const; Tensor sinh() const; Tensor cosh() const;
  Tensor logical_not() const;
  Tensor pow(const Scalar& exponent) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor clamp(std::optional<Scalar> min, std::optional<Scalar> max) const;
  Tensor clamp_min(const Scalar& min) const { return clamp(min, std::nullopt); }
  Tensor clamp_max(const Scalar& max) const { return clamp(std::nullopt, max); }

  // ---- binary math (tensor or scalar operand, broadcasting, type promotion)
  Tensor add(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor sub(const Tensor& other, const Scalar& alpha = 1) const;
  Tensor mul(const Tensor& other) const;
  Tensor div(const Tensor& other) const;
  Tensor add(const Scalar& other) const;
  Tensor sub(const Scalar& other) const;
  Tensor mul(const Scalar& other) const;
  Tensor div(const Scalar& other) const;
  Tensor maximum(const Tensor& other) const;
  Tensor minimum(const Tensor& other) const;
  Tensor remainder(const Tensor& other) const;
  Tensor floor_divide(const Tensor& other) const;
  Tensor atan2(const Tensor& other) const;
  Tensor eq(const Tensor& other) const; Tensor ne(const Tensor& other) const;
  Tensor lt(const Tensor& other) const; Tensor le(const Tensor& other) const;
  Tensor gt(const Tensor& other) const; Tensor ge(const Tensor& other) const;
  Tensor eq(const Scalar& other) const; Tensor ne(const Scalar& other) const;
  Tensor lt(const Scalar& other) const; Tensor le(const Scalar& other) const;
  Tensor gt(const Scalar& other) const; Tensor ge(const Scalar& other) const;
  Tensor logical_and(const Tensor& other) const;
  Tensor logical_or(const Tensor& other) const;
  Tensor logical_xor(const Tensor& other) const;
  Tensor masked_fill(const Tensor& mask, const Scalar& value) const;
  bool equal(const Tensor& other) const;   // same shape and elements
  bool allclose(const Tensor& other, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false) const;

  // ---- in-place (bump the version counter; recorded by autograd)
  Tensor& add_(const Tensor& other, const Scalar& alpha = 1);
  Tensor& sub_(const Tensor& other, const Scalar& alpha = 1);
  Tensor& mul_(const Tensor& other);
  Tensor& div_(const Tensor& other);
  Tensor& add_(const Scalar& other);
  Tensor& sub_(const Scalar& other);
  Tensor& mul_(const Scalar& other);
  Tensor& div_(const Scalar& other);
  Tensor& neg_(); Tensor& exp_(); Tensor& log_(); Tensor& sqrt_(); Tensor& relu_();
  Tensor& sigmoid_(); Tensor& tanh_(); Tensor& abs_();
  Tensor& pow_(const Scalar& exponent);
  Tensor& clamp_(std::optional<Scalar> min, std::optional<Scalar> max);
  Tensor& masked_fill_(const Tensor& mask, const Scalar& value);
  Tensor& uniform_(double from = 0.0, double to = 1.0, class Generator* gen = nullptr);
  Tensor& normal_(double mean = 0.0, double std = 1.0, class Generator* gen = nullptr);
  Tensor& bernoulli_(double p, class Generator* gen = nullptr);

  // ---- reductions (dims may be negative; empty dims = all dims)
  Tensor sum(std::optional<DType> dtype = std::nullopt) const;
  Tensor sum(const Shape& dims, bool keepdim = false, std::optional<DType> dtype = std::nullopt) const;
  Tensor mean() const;
  Tensor mean(const Shape& dims, bool keepdim = false) const;
  Tensor prod() const;
  Tensor prod(int64_t dim, bool keepdim = false) const;
  Tensor max() const;
  Tensor min() const;
  std::pair<Tensor, Tensor> max(int64_t dim, bool keepdim = false) const;  // values, indices
  std::pair<Tensor, Tensor> min(int64_t dim, bool keepdim = false) const;
  Tensor amax(const Shape& dims, bool keepdim = false) const;
  Tensor amin(const Shape& dims, bool keepdim = false) const;
  Tensor argmax(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> dim = std::nullopt, bool keepdim = false) const;
  Tensor var(const Shape& dims = {}, int64_t correction = 1, bool keepdim = false) const;
  Tensor std(const Shape& dims = {}, int64_t correction = 1, bool keepdim = false) const;
  Tensor norm(double p = 2.0, const Shape& dims = {}, bool keepdim = false) const;
  Tensor logsumexp(const Shape& dims, bool keepdim = false) const;
  Tensor any() const;
  Tensor any(int64_t dim, bool keepdim = false) const;
  Tensor all() const;
  Tensor all(int64_t dim, bool keepdim = false) const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;

  // ---- linear algebra
  Tensor matmul(const Tensor& other) const;
  Tensor mm(const Tensor& other) const;
  Tensor bmm(const Tensor& other) const;

  // ---- indexing
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Scalar& value) const;
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor index_add(int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha = 1) const;
  Tensor tril(int64_t diagonal = 0) const;
  Tensor triu(int64_t diagonal = 0) const;
  std::pair<Tensor, Tensor> topk(int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true) const;
  std::pair<Tensor, Tensor> sort(int64_t dim = -1, bool descending = false, bool stable = false) const;
  Tensor argsort(int64_t dim = -1, bool descending = false, bool stable = false) const;

  // "tensor([[1., 2.], [3., 4.]], dtype=...)" like PyTorch.
  std::string str() const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- operators
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, const Scalar& b);
Tensor operator-(const Tensor& a, const Scalar& b);
Tensor operator*(const Tensor& a, const Scalar& b);
Tensor operator/(const Tensor& a, const Scalar& b);
Tensor operator+(const Scalar& a, const Tensor& b);
Tensor operator-(const Scalar& a, const Tensor& b);
Tensor operator*(const Scalar& a, const Tensor& b);
Tensor operator/(const Scalar& a, const Tensor& b);
Tensor& operator+=(Tensor& a, const Tensor& b);
Tensor& operator-=(Tensor& a, const Tensor& b);
Tensor& operator*=(Tensor& a, const Tensor& b);
Tensor& operator/=(Tensor& a, const Tensor& b);
Tensor& operator+=(Tensor& a, const Scalar& b);
Tensor& operator-=(Tensor& a, const Scalar& b);
Tensor& operator*=(Tensor& a, const Scalar& b);
Tensor& operator/=(Tensor& a, const Scalar& b);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, const Scalar& b);
Tensor operator!=(const Tensor& a, const Scalar& b);
Tensor operator<(const Tensor& a, const Scalar& b);
Tensor operator<=(const Tensor& a, const Scalar& b);
Tensor operator>(const Tensor& a, const Scalar& b);
Tensor operator>=(const Tensor& a, const Scalar& b);
Tensor operator&&(const Tensor& a, const Tensor& b);
Tensor operator||(const Tensor& a, const Tensor& b);
Tensor operator!(const Tensor& a);

// ---- creation
Tensor empty(const Shape& sizes, const TensorOptions& opts = {});
Tensor zeros(const Shape& sizes, const TensorOptions& opts = {});
Tensor ones(const Shape& sizes, const TensorOptions& opts = {});
Tensor full(const Shape& sizes, const Scalar& value, const TensorOptions& opts = {});
Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, const Scalar& value);
Tensor empty_like(const Tensor& t, const TensorOptions& opts);
Tensor zeros_like(const Tensor& t, const TensorOptions& opts);
Tensor ones_like(const Tensor& t, const TensorOptions& opts);
Tensor full_like(const Tensor& t, const Scalar& value, const TensorOptions& opts);
// arange(end), arange(start, end, step); integer arguments give int64 unless opts says otherwise.
Tensor arange(const Scalar& end, std::optional<TensorOptions> opts = std::nullopt);
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step = 1, std::optional<TensorOptions> opts = std::nullopt);
Tensor linspace(double start, double end, int64_t steps, const TensorOptions& opts = {});
Tensor eye(int64_t n, std::optional<int64_t> m = std::nullopt, const TensorOptions& opts = {});
// From host data (copied). The shape defaults to 1-D.
template <class T> Tensor tensor(const std::vector<T>& values, std::optional<Shape> shape = std::nullopt, std::optional<TensorOptions> opts = std::nullopt);
Tensor tensor(std::initializer_list<double> values, const TensorOptions& opts = {});
Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, const TensorOptions& opts = {});
Tensor scalar_tensor(const Scalar& value, const TensorOptions& opts = {});
// Wraps an external buffer without copying; `deleter` (optional) runs when the last view dies.
Tensor from_blob(void* data, const Shape& sizes, const TensorOptions& opts = {},
                 std::function<void(void*)> deleter = {}, std::optional<Shape> strides = std::nullopt);

// ---- free-function ops
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, const Scalar& b);
Tensor where(const Tensor& cond, const Scalar& a, const Tensor& b);
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
// beta * input + alpha * (m1 @ m2)
Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta = 1, const Scalar& alpha = 1);
Tensor embedding(const Tensor& weight, const Tensor& indices);
Tensor one_hot(const Tensor& indices, int64_t num_classes = -1);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor pow(const Scalar& base, const Tensor& exponent);
DType result_type(const Tensor& a, const Tensor& b);
DType result_type(const Tensor& a, const Scalar& b);
Shape broadcast_shapes(const Shape& a, const Shape& b);
std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& tensors);

// Default dtype for floating creation (float32 unless changed).
DType get_default_dtype();
void set_default_dtype(DType dtype);

std::string shape_str(const Shape& s);

}  // namespace accmt
