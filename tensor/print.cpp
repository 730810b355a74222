// Host access (item, to_vector), comparisons of whole tensors, and printing like PyTorch.
#include <cmath>
#include <iomanip>
#include <sstream>

#include "tensor/native.hpp"

namespace accmt {

Scalar Tensor::item() const {
  native::check_defined("item", *this);
  ACCMT_CHECK(numel() == 1, "item: only a tensor with one element can be converted to a number, got shape ",
              shape_str(sizes()));
  Tensor host = native::empty({}, dtype(), kCPU);
  native::copy_(host, make_view(*this, {}, {}, storage_offset()));
  return dispatch_all(dtype(), [&]<class T>() { return Scalar(*static_cast<const T*>(host.data_ptr())); });
}

template <class T> std::vector<T> Tensor::to_vector() const {
  native::check_defined("to_vector", *this);
  ACCMT_CHECK(dtype_of<T>::value == dtype(), "to_vector: element type does not match the tensor dtype ",
              dtype_name(dtype()), "; convert with to() first");
  Tensor host = native::empty(sizes(), dtype(), kCPU);
  native::copy_(host, *this);
  const T* p = static_cast<const T*>(host.data_ptr());
  return std::vector<T>(p, p + numel());
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<int32_t> Tensor::to_vector<int32_t>() const;
template std::vector<uint8_t> Tensor::to_vector<uint8_t>() const;
template std::vector<Float16> Tensor::to_vector<Float16>() const;
template std::vector<BFloat16> Tensor::to_vector<BFloat16>() const;

template <> std::vector<bool> Tensor::to_vector<bool>() const {
  std::vector<uint8_t> bytes = native::cast(*this, DType::UInt8).to_vector<uint8_t>();
  ACCMT_CHECK(dtype() == DType::Bool, "to_vector: element type does not match the tensor dtype ", dtype_name(dtype()));
  return std::vector<bool>(bytes.begin(), bytes.end());
}

bool Tensor::equal(const Tensor& other) const {
  if (sizes() != other.sizes()) return false;
  if (numel() == 0) return true;
  return native::binary(ops::Binary::Eq, *this, other, result_type(*this, other)).all().item<bool>();
}

bool Tensor::allclose(const Tensor& other, double rtol, double atol, bool equal_nan) const {
  broadcast_shapes_for("allclose", sizes(), other.sizes());
  Tensor a = native::cast(*this, DType::Float64), b = native::cast(other, DType::Float64);
  Tensor diff = native::unary(ops::Unary::Abs, native::binary(ops::Binary::Sub, a, b, DType::Float64));
  Tensor tol = native::binary(ops::Binary::Add,
                              native::binary(ops::Binary::Mul, native::unary(ops::Unary::Abs, b),
                                             full({}, rtol, {.dtype = DType::Float64, .device = b.device()}),
                                             DType::Float64),
                              full({}, atol, {.dtype = DType::Float64, .device = b.device()}), DType::Float64);
  Tensor close = native::binary(ops::Binary::Le, diff, tol, DType::Float64);
  // Equal infinities are close; NaNs are close only with equal_nan.
  close = native::binary(ops::Binary::LogicalOr, close, native::binary(ops::Binary::Eq, a, b, DType::Float64), DType::Bool);
  if (equal_nan) {
    Tensor a_nan = native::binary(ops::Binary::Ne, a, a, DType::Float64);
    Tensor b_nan = native::binary(ops::Binary::Ne, b, b, DType::Float64);
    close = native::binary(ops::Binary::LogicalOr, close,
                           native::binary(ops::Binary::LogicalAnd, a_nan, b_nan, DType::Bool), DType::Bool);
  }
  return close.all().item<bool>();
}

namespace {

std::string format_value(double v, bool floating, bool integral_values, int precision) {
  std::ostringstream os;
  if (!floating) {
    os << static_cast<int64_t>(v);
    return os.str();
  }
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (integral_values) {
    os << static_cast<int64_t>(v) << ".";
    return os.str();
  }
  os << std::fixed << std::setprecision(precision) << v;
  return os.str();
}

void print_rec(std::ostringstream& os, const std::vector<double>& vals, const Shape& sizes, size_t dim, int64_t& pos,
               bool floating, bool is_bool, bool integral_values, int width, int indent) {
  if (dim == sizes.size()) {
    std::string s = is_bool ? (vals[static_cast<size_t>(pos)] != 0 ? "True" : "False")
                            : format_value(vals[static_cast<size_t>(pos)], floating, integral_values, 4);
    os << std::setw(width) << s;
    ++pos;
    return;
  }
  os << "[";
  for (int64_t i = 0; i < sizes[dim]; ++i) {
    if (i) {
      os << ",";
      if (dim + 1 == sizes.size()) os << " ";
      else os << std::string(sizes.size() - dim - 1, '\n') << std::string(static_cast<size_t>(indent + 1), ' ');
    }
    print_rec(os, vals, sizes, dim + 1, pos, floating, is_bool, integral_values, width, indent + 1);
  }
  os << "]";
}

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  Tensor host = native::cast(native::contiguous(*this), DType::Float64);
  if (!device().is_cpu()) host = host.to(kCPU);
  host = native::contiguous(host);
  const double* p = static_cast<const double*>(host.data_ptr());
  std::vector<double> vals(p, p + numel());
  bool floating = is_floating(dtype()), is_bool = dtype() == DType::Bool;
  bool integral_values = floating;
  for (double v : vals)
    if (std::isfinite(v) && v != std::floor(v)) integral_values = false;
  int width = 0;
  for (double v : vals)
    width = std::max<int>(width, static_cast<int>(
                                     (is_bool ? std::string(v != 0 ? "True" : "False") : format_value(v, floating, integral_values, 4)).size()));
  std::ostringstream os;
  os << "tensor(";
  int64_t pos = 0;
  print_rec(os, vals, sizes(), 0, pos, floating, is_bool, integral_values, width, 7);
  bool default_dtype = dtype() == DType::Float32 || dtype() == DType::Int64 || dtype() == DType::Bool;
  if (device().is_cuda()) os << ", device='" << device().str() << "'";
  if (!default_dtype) os << ", dtype=torch." << dtype_name(dtype());
  if (requires_grad()) {
    if (grad_fn()) os << ", grad_fn=<" << grad_fn_label(*this) << ">";
    else os << ", requires_grad=True";
  }
  os << ")";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace accmt
