// Tensor creation: empty/zeros/ones/full, *_like, arange, linspace, eye, from host data.
#include <cmath>
#include <cstring>

#include "tensor/native.hpp"

namespace accmt {

namespace {
Tensor finish(Tensor t, const TensorOptions& opts) {
  if (opts.requires_grad) t.requires_grad_(true);
  return t;
}
}  // namespace

Tensor empty(const Shape& sizes, const TensorOptions& opts) {
  return finish(native::empty(sizes, opts.dtype, opts.device), opts);
}

Tensor full(const Shape& sizes, const Scalar& value, const TensorOptions& opts) {
  Tensor t = native::empty(sizes, opts.dtype, opts.device);
  native::fill_(t, value);
  return finish(t, opts);
}

Tensor zeros(const Shape& sizes, const TensorOptions& opts) { return full(sizes, 0, opts); }
Tensor ones(const Shape& sizes, const TensorOptions& opts) { return full(sizes, 1, opts); }
Tensor empty_like(const Tensor& t) { return empty(t.sizes(), t.options()); }
Tensor zeros_like(const Tensor& t) { return zeros(t.sizes(), t.options()); }
Tensor ones_like(const Tensor& t) { return ones(t.sizes(), t.options()); }
Tensor full_like(const Tensor& t, const Scalar& value) { return full(t.sizes(), value, t.options()); }
Tensor empty_like(const Tensor& t, const TensorOptions& opts) { return empty(t.sizes(), opts); }
Tensor zeros_like(const Tensor& t, const TensorOptions& opts) { return zeros(t.sizes(), opts); }
Tensor ones_like(const Tensor& t, const TensorOptions& opts) { return ones(t.sizes(), opts); }
Tensor full_like(const Tensor& t, const Scalar& value, const TensorOptions& opts) { return full(t.sizes(), value, opts); }

Tensor scalar_tensor(const Scalar& value, const TensorOptions& opts) { return full({}, value, opts); }

Tensor arange(const Scalar& end, std::optional<TensorOptions> opts) { return arange(0, end, 1, opts); }

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<TensorOptions> opts) {
  bool all_int = !start.is_floating() && !end.is_floating() && !step.is_floating();
  TensorOptions o = opts.value_or(TensorOptions{.dtype = all_int ? DType::Int64 : get_default_dtype()});
  double s = start.to_double(), e = end.to_double(), st = step.to_double();
  ACCMT_CHECK(st != 0, "arange: step must be nonzero");
  ACCMT_CHECK(std::isfinite(s) && std::isfinite(e), "arange: start and end must be finite, got ", s, " and ", e);
  ACCMT_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), "arange: the range from ", s, " to ", e,
              " is inconsistent with step ", st);
  int64_t n = static_cast<int64_t>(std::ceil((e - s) / st));
  Tensor t = native::empty({std::max<int64_t>(n, 0)}, o.dtype, o.device);
  if (n > 0) native::backend_of(t).arange(native::ref(t), s, st);
  return finish(t, o);
}

Tensor linspace(double start, double end, int64_t steps, const TensorOptions& opts) {
  ACCMT_CHECK(steps >= 0, "linspace: number of steps must be non-negative, got ", steps);
  Tensor t = native::empty({steps}, opts.dtype, opts.device);
  if (steps == 1) native::fill_(t, start);
  else if (steps > 1) native::backend_of(t).linspace(native::ref(t), start, end);
  return finish(t, opts);
}

Tensor eye(int64_t n, std::optional<int64_t> m_opt, const TensorOptions& opts) {
  int64_t m = m_opt.value_or(n);
  ACCMT_CHECK(n >= 0 && m >= 0, "eye: sizes must be non-negative, got ", n, " and ", m);
  Tensor t = native::empty({n, m}, opts.dtype, opts.device);
  native::fill_(t, 0);
  int64_t k = std::min(n, m);
  if (k > 0) native::fill_(make_view(t, {k}, {m + 1}, 0), 1);
  return finish(t, opts);
}

template <class T>
Tensor tensor(const std::vector<T>& values, std::optional<Shape> shape, std::optional<TensorOptions> opts) {
  Shape s = shape.value_or(Shape{static_cast<int64_t>(values.size())});
  int64_t n = 1;
  for (int64_t v : s) n *= v;
  ACCMT_CHECK(n == static_cast<int64_t>(values.size()), "tensor: shape ", shape_str(s), " needs ", n,
              " values, got ", values.size());
  DType natural = dtype_of<T>::value;
  TensorOptions o = opts.value_or(TensorOptions{.dtype = natural});
  Tensor host = native::empty(s, natural, kCPU);
  if constexpr (std::is_same_v<T, bool>) {
    bool* dst = static_cast<bool*>(host.data_ptr());
    for (int64_t i = 0; i < n; ++i) dst[i] = values[static_cast<size_t>(i)];
  } else if (n > 0) {
    std::memcpy(host.data_ptr(), values.data(), static_cast<size_t>(n) * sizeof(T));
  }
  Tensor out = (o.dtype == natural && o.device.is_cpu()) ? host : native::empty(s, o.dtype, o.device);
  if (!out.is_same(host)) native::copy_(out, host);
  return finish(out, o);
}

template Tensor tensor<float>(const std::vector<float>&, std::optional<Shape>, std::optional<TensorOptions>);
template Tensor tensor<double>(const std::vector<double>&, std::optional<Shape>, std::optional<TensorOptions>);
template Tensor tensor<int64_t>(const std::vector<int64_t>&, std::optional<Shape>, std::optional<TensorOptions>);
template Tensor tensor<int32_t>(const std::vector<int32_t>&, std::optional<Shape>, std::optional<TensorOptions>);
template Tensor tensor<uint8_t>(const std::vector<uint8_t>&, std::optional<Shape>, std::optional<TensorOptions>);
template Tensor tensor<bool>(const std::vector<bool>&, std::optional<Shape>, std::optional<TensorOptions>);
template Tensor tensor<Float16>(const std::vector<Float16>&, std::optional<Shape>, std::optional<TensorOptions>);
template Tensor tensor<BFloat16>(const std::vector<BFloat16>&, std::optional<Shape>, std::optional<TensorOptions>);

Tensor tensor(std::initializer_list<double> values, const TensorOptions& opts) {
  return tensor(std::vector<double>(values), std::nullopt, opts);
}

Tensor tensor(std::initializer_list<std::initializer_list<double>> rows, const TensorOptions& opts) {
  std::vector<double> flat;
  int64_t cols = rows.size() ? static_cast<int64_t>(rows.begin()->size()) : 0;
  for (const auto& r : rows) {
    ACCMT_CHECK(static_cast<int64_t>(r.size()) == cols, "tensor: all rows need the same length, got ", cols, " and ",
                r.size());
    flat.insert(flat.end(), r.begin(), r.end());
  }
  return tensor(flat, Shape{static_cast<int64_t>(rows.size()), cols}, opts);
}

Tensor from_blob(void* data, const Shape& sizes, const TensorOptions& opts, std::function<void(void*)> deleter,
                 std::optional<Shape> strides) {
  ACCMT_CHECK(data != nullptr || sizes.empty() == false, "from_blob: got a null data pointer");
  Shape st = strides.value_or(contiguous_strides(sizes));
  ACCMT_CHECK(st.size() == sizes.size(), "from_blob: ", sizes.size(), " sizes but ", st.size(), " strides");
  int64_t extent = 1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    ACCMT_CHECK(sizes[i] >= 0 && st[i] >= 0, "from_blob: negative size or stride");
    if (sizes[i] == 0) extent = 0;
  }
  if (extent) {
    extent = 1;
    for (size_t i = 0; i < sizes.size(); ++i) extent += (sizes[i] - 1) * st[i];
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<StorageImpl>(data, static_cast<size_t>(extent * dtype_size(opts.dtype)), opts.device,
                                                std::move(deleter));
  impl->sizes = sizes;
  impl->strides = st;
  impl->dtype = opts.dtype;
  return finish(Tensor(std::move(impl)), opts);
}

std::vector<Tensor> broadcast_tensors(const std::vector<Tensor>& tensors) {
  Shape shape;
  for (const Tensor& t : tensors) shape = broadcast_shapes_for("broadcast_tensors", shape, t.sizes());
  std::vector<Tensor> out;
  for (const Tensor& t : tensors) out.push_back(t.expand(shape));
  return out;
}

}  // namespace accmt
