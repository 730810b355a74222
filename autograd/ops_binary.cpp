// Differentiable binary math, comparisons, where and masked_fill, with broadcasting and
// PyTorch's type promotion; the in-place variants; the operator overloads.
#include "autograd/ops_util.hpp"

namespace accmt {

using autograd::Grads;
using autograd::SavedTensor;
using autograd::sum_to;
using ops::Binary;

namespace {

// Gradients (for a and b, before sum_to) of out = op(a, b) given upstream g.
std::pair<Tensor, Tensor> binary_backward(Binary op, const Tensor& g, const Tensor& a, const Tensor& b,
                                          const Tensor& out, bool need_a, bool need_b) {
  Tensor ga, gb;
  switch (op) {
    case Binary::Add: ga = g; gb = g; break;
    case Binary::Sub: ga = g; gb = g.neg(); break;
    case Binary::Mul:
      if (need_a) ga = g * b;
      if (need_b) gb = g * a;
      break;
    case Binary::Div:
      if (need_a) ga = g / b;
      if (need_b) gb = (g * a / b.square()).neg();
      break;
    case Binary::Pow:
      // d/da a^b = b a^(b-1); d/db a^b = a^b log a (0 where a == 0 and b >= 0, as PyTorch)
      if (need_a) ga = where(b.eq(Scalar(0)), Scalar(0), g * b * a.pow(b - 1));
      if (need_b) gb = where(a.eq(Scalar(0)).logical_and(b.ge(Scalar(0))), Scalar(0), g * out * a.log());
      break;
    case Binary::Maximum:
    case Binary::Minimum: {
      Tensor tie = a.eq(b);
      Tensor a_wins = op == Binary::Maximum ? a.gt(b) : a.lt(b);
      Tensor half = g * 0.5;
      if (need_a) ga = where(tie, half, where(a_wins, g, Scalar(0)));
      if (need_b) gb = where(tie, half, where(a_wins, Scalar(0), g));
      break;
    }
    case Binary::Remainder:
      ga = g;
      if (need_b) gb = (g * a.floor_divide(b)).neg();
      break;
    case Binary::Atan2: {
      Tensor denom = a.square() + b.square();
      if (need_a) ga = g * b / denom;
      if (need_b) gb = (g * a / denom).neg();
      break;
    }
    default:  // floor_divide: piecewise constant
      ga = zeros_like(a);
      gb = zeros_like(b);
  }
  return {ga, gb};
}

}  // namespace

// out = op(a, b) for arithmetic ops, recording autograd.
Tensor binary_op(Binary op, const Tensor& a, const Tensor& b) {
  const char* name = ops::name(op);
  native::check_defined(name, a);
  native::check_defined(name, b);
  DType dt = result_type(a, b);
  if ((op == Binary::Div || op == Binary::Atan2) && !is_floating(dt)) dt = get_default_dtype();  // true division
  if (dt == DType::Bool) {
    ACCMT_CHECK(op == Binary::Add || op == Binary::Mul || op == Binary::Maximum || op == Binary::Minimum, name,
                ": not defined for two bool tensors (shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
                "); convert to an integer or floating dtype first");
    // On bools add is logical or and mul is logical and.
    Binary logical = (op == Binary::Add || op == Binary::Maximum) ? Binary::LogicalOr : Binary::LogicalAnd;
    return native::binary(logical, a, b, DType::Bool);
  }
  if (op == Binary::Sub) {
    ACCMT_CHECK(a.dtype() != DType::Bool || b.dtype() != DType::Bool, "sub: subtraction of bool tensors is not supported");
  }
  if ((op == Binary::FloorDivide || op == Binary::Remainder) && !is_floating(dt) && b.device().is_cpu() && b.numel() > 0) {
    // Integer division by zero has no value (PyTorch raises ZeroDivisionError); checked
    // where reading the divisor is cheap.
    ACCMT_CHECK(!native::binary(Binary::Eq, b, zeros({}, {.dtype = b.dtype()}), b.dtype()).any().item<bool>(), name,
                ": integer division by zero (dividend shape ", shape_str(a.sizes()), ", divisor shape ",
                shape_str(b.sizes()), ")");
  }
  Tensor out = native::binary(op, a, b, dt);
  if (autograd::needs_grad({a, b}) && is_floating(dt)) {
    bool save_inputs = op != Binary::Add && op != Binary::Sub;
    SavedTensor sa = save_inputs ? SavedTensor(a) : SavedTensor(), sb = save_inputs ? SavedTensor(b) : SavedTensor();
    SavedTensor so = op == Binary::Pow ? SavedTensor(out, true) : SavedTensor();
    Shape sa_shape = a.sizes(), sb_shape = b.sizes();
    DType adt = a.dtype(), bdt = b.dtype();
    autograd::record(name, {a, b}, {out}, [=](const Grads& g) -> std::vector<Tensor> {
      Tensor av = sa.get(), bv = sb.get(), ov = so.get(g);
      auto [ga, gb] = binary_backward(op, g[0], av, bv, ov, g.needs_input(0), g.needs_input(1));
      std::vector<Tensor> r(2);
      if (g.needs_input(0) && ga.defined()) r[0] = native::cast(sum_to(ga, sa_shape), adt);
      if (g.needs_input(1) && gb.defined()) r[1] = native::cast(sum_to(gb, sb_shape), bdt);
      return r;
    });
  }
  return out;
}

namespace {
Tensor scalar_operand(const Tensor& a, const Scalar& s) {
  return autograd::scalar_like(s, a, result_type(a, s));
}

Tensor compare(Binary op, const Tensor& a, const Tensor& b) {
  native::check_defined(ops::name(op), a);
  native::check_defined(ops::name(op), b);
  return native::binary(op, a, b, result_type(a, b));
}

// In-place: writes op(self, other) into self. Without autograd the kernel writes self
// directly; with it, the op runs on a clone (so saved values stay intact) and self takes
// the result's history.
Tensor& inplace_binary(Tensor& self, Binary op, const Tensor& other, const char* name) {
  autograd::check_inplace(self, name);
  DType dt = result_type(self, other);
  if (op == Binary::Div && !is_floating(dt)) dt = get_default_dtype();
  bool castable = !(is_floating(dt) && !is_floating(self.dtype())) && !(dt != DType::Bool && self.dtype() == DType::Bool);
  ACCMT_CHECK(castable, name, ": result type ", dtype_name(dt), " cannot be cast to the in-place target's dtype ",
              dtype_name(self.dtype()));
  ACCMT_CHECK(broadcast_shapes_for(name, self.sizes(), other.sizes()) == self.sizes(), name, ": the other operand of shape ",
              shape_str(other.sizes()), " cannot be broadcast to the in-place target's shape ", shape_str(self.sizes()));
  if (!autograd::needs_grad({self, other})) {
    native::binary_out(op, self, self, other);
    bump_version(self);
    return self;
  }
  return autograd::commit_inplace(self, binary_op(op, self.clone(), other), name);
}
}  // namespace

Tensor Tensor::add(const Tensor& other, const Scalar& alpha) const {
  if (alpha.to_double() == 1.0 && !alpha.is_floating()) return binary_op(Binary::Add, *this, other);
  return binary_op(Binary::Add, *this, other.mul(alpha));
}
Tensor Tensor::sub(const Tensor& other, const Scalar& alpha) const {
  if (alpha.to_double() == 1.0 && !alpha.is_floating()) return binary_op(Binary::Sub, *this, other);
  return binary_op(Binary::Sub, *this, other.mul(alpha));
}
Tensor Tensor::mul(const Tensor& other) const { return binary_op(Binary::Mul, *this, other); }
Tensor Tensor::div(const Tensor& other) const { return binary_op(Binary::Div, *this, other); }
Tensor Tensor::add(const Scalar& other) const { return binary_op(Binary::Add, *this, scalar_operand(*this, other)); }
Tensor Tensor::sub(const Scalar& other) const { return binary_op(Binary::Sub, *this, scalar_operand(*this, other)); }
Tensor Tensor::mul(const Scalar& other) const { return binary_op(Binary::Mul, *this, scalar_operand(*this, other)); }
Tensor Tensor::div(const Scalar& other) const { return binary_op(Binary::Div, *this, scalar_operand(*this, other)); }
Tensor Tensor::maximum(const Tensor& other) const { return binary_op(Binary::Maximum, *this, other); }
Tensor Tensor::minimum(const Tensor& other) const { return binary_op(Binary::Minimum, *this, other); }
Tensor Tensor::remainder(const Tensor& other) const { return binary_op(Binary::Remainder, *this, other); }
Tensor Tensor::floor_divide(const Tensor& other) const { return binary_op(Binary::FloorDivide, *this, other); }
Tensor Tensor::atan2(const Tensor& other) const { return binary_op(Binary::Atan2, *this, other); }
Tensor Tensor::pow(const Tensor& exponent) const { return binary_op(Binary::Pow, *this, exponent); }
Tensor Tensor::pow(const Scalar& exponent) const {
  if (!exponent.is_floating()) {
    int64_t e = exponent.to_int();
    if (e == 1) return clone();
    if (e == 2) return square();
  }
  return binary_op(Binary::Pow, *this, scalar_operand(*this, exponent));
}
Tensor pow(const Scalar& base, const Tensor& exponent) {
  return binary_op(Binary::Pow, autograd::scalar_like(base, exponent, result_type(exponent, base)), exponent);
}
Tensor maximum(const Tensor& a, const Tensor& b) { return a.maximum(b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return a.minimum(b); }

Tensor Tensor::eq(const Tensor& o) const { return compare(Binary::Eq, *this, o); }
Tensor Tensor::ne(const Tensor& o) const { return compare(Binary::Ne, *this, o); }
Tensor Tensor::lt(const Tensor& o) const { return compare(Binary::Lt, *this, o); }
Tensor Tensor::le(const Tensor& o) const { return compare(Binary::Le, *this, o); }
Tensor Tensor::gt(const Tensor& o) const { return compare(Binary::Gt, *this, o); }
Tensor Tensor::ge(const Tensor& o) const { return compare(Binary::Ge, *this, o); }
Tensor Tensor::eq(const Scalar& o) const { return compare(Binary::Eq, *this, scalar_operand(*this, o)); }
Tensor Tensor::ne(const Scalar& o) const { return compare(Binary::Ne, *this, scalar_operand(*this, o)); }
Tensor Tensor::lt(const Scalar& o) const { return compare(Binary::Lt, *this, scalar_operand(*this, o)); }
Tensor Tensor::le(const Scalar& o) const { return compare(Binary::Le, *this, scalar_operand(*this, o)); }
Tensor Tensor::gt(const Scalar& o) const { return compare(Binary::Gt, *this, scalar_operand(*this, o)); }
Tensor Tensor::ge(const Scalar& o) const { return compare(Binary::Ge, *this, scalar_operand(*this, o)); }
Tensor Tensor::logical_and(const Tensor& o) const { return compare(Binary::LogicalAnd, *this, o); }
Tensor Tensor::logical_or(const Tensor& o) const { return compare(Binary::LogicalOr, *this, o); }
Tensor Tensor::logical_xor(const Tensor& o) const { return compare(Binary::LogicalXor, *this, o); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  Tensor out = native::where(cond, a, b);
  if (autograd::needs_grad({a, b}) && is_floating(out.dtype())) {
    Tensor c = cond.detach();
    Shape sa = a.sizes(), sb = b.sizes();
    DType adt = a.dtype(), bdt = b.dtype();
    autograd::record("where", {a, b}, {out}, [=](const Grads& g) -> std::vector<Tensor> {
      std::vector<Tensor> r(2);
      Tensor zero = zeros({}, {.dtype = g[0].dtype(), .device = g[0].device()});
      if (g.needs_input(0)) r[0] = native::cast(sum_to(where(c, g[0], zero), sa), adt);
      if (g.needs_input(1)) r[1] = native::cast(sum_to(where(c, zero, g[0]), sb), bdt);
      return r;
    });
  }
  return out;
}
Tensor where(const Tensor& cond, const Tensor& a, const Scalar& b) {
  return where(cond, a, autograd::scalar_like(b, a, result_type(a, b)));
}
Tensor where(const Tensor& cond, const Scalar& a, const Tensor& b) {
  return where(cond, autograd::scalar_like(a, b, result_type(b, a)), b);
}

Tensor Tensor::masked_fill(const Tensor& mask, const Scalar& value) const {
  ACCMT_CHECK(mask.dtype() == DType::Bool, "masked_fill: expected a bool mask, got ", dtype_name(mask.dtype()));
  bool fits = mask.dim() <= dim();
  for (int64_t i = 1; fits && i <= mask.dim(); ++i)
    fits = mask.size(-i) == 1 || mask.size(-i) == size(-i);
  ACCMT_CHECK(fits, "masked_fill: mask of shape ", shape_str(mask.sizes()), " cannot be broadcast to the input shape ",
              shape_str(sizes()));
  return where(mask, autograd::scalar_like(value, *this, dtype()), *this);
}

// ---- in-place
Tensor& Tensor::add_(const Tensor& o, const Scalar& alpha) {
  if (alpha.to_double() == 1.0) return inplace_binary(*this, Binary::Add, o, "add_");
  return inplace_binary(*this, Binary::Add, o.mul(alpha), "add_");
}
Tensor& Tensor::sub_(const Tensor& o, const Scalar& alpha) {
  if (alpha.to_double() == 1.0) return inplace_binary(*this, Binary::Sub, o, "sub_");
  return inplace_binary(*this, Binary::Sub, o.mul(alpha), "sub_");
}
Tensor& Tensor::mul_(const Tensor& o) { return inplace_binary(*this, Binary::Mul, o, "mul_"); }
Tensor& Tensor::div_(const Tensor& o) { return inplace_binary(*this, Binary::Div, o, "div_"); }
Tensor& Tensor::add_(const Scalar& o) { return inplace_binary(*this, Binary::Add, scalar_operand(*this, o), "add_"); }
Tensor& Tensor::sub_(const Scalar& o) { return inplace_binary(*this, Binary::Sub, scalar_operand(*this, o), "sub_"); }
Tensor& Tensor::mul_(const Scalar& o) { return inplace_binary(*this, Binary::Mul, scalar_operand(*this, o), "mul_"); }
Tensor& Tensor::div_(const Scalar& o) { return inplace_binary(*this, Binary::Div, scalar_operand(*this, o), "div_"); }
Tensor& Tensor::pow_(const Scalar& e) { return inplace_binary(*this, Binary::Pow, autograd::scalar_like(e, *this, dtype()), "pow_"); }

Tensor& Tensor::masked_fill_(const Tensor& mask, const Scalar& value) {
  autograd::check_inplace(*this, "masked_fill_");
  if (!autograd::needs_grad({*this})) {
    native::copy_(*this, native::where(native::expand(mask, sizes()), autograd::scalar_like(value, *this, dtype()), *this));
    bump_version(*this);
    return *this;
  }
  return autograd::commit_inplace(*this, clone().masked_fill(mask, value), "masked_fill_");
}

Tensor& Tensor::clamp_(std::optional<Scalar> min, std::optional<Scalar> max) {
  autograd::check_inplace(*this, "clamp_");
  if (!autograd::needs_grad({*this})) {
    native::check_defined("clamp_", *this);
    kernels::backend(device().type).clamp(native::ref(*this), native::ref(*this), min ? &*min : nullptr, max ? &*max : nullptr);
    bump_version(*this);
    return *this;
  }
  return autograd::commit_inplace(*this, clone().clamp(min, max), "clamp_");
}

// ---- operators
Tensor operator-(const Tensor& a) { return a.neg(); }
Tensor operator+(const Tensor& a, const Tensor& b) { return a.add(b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return a.sub(b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return a.mul(b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return a.div(b); }
Tensor operator+(const Tensor& a, const Scalar& b) { return a.add(b); }
Tensor operator-(const Tensor& a, const Scalar& b) { return a.sub(b); }
Tensor operator*(const Tensor& a, const Scalar& b) { return a.mul(b); }
Tensor operator/(const Tensor& a, const Scalar& b) { return a.div(b); }
Tensor operator+(const Scalar& a, const Tensor& b) { return b.add(a); }
Tensor operator-(const Scalar& a, const Tensor& b) { return binary_op(Binary::Sub, scalar_operand(b, a), b); }
Tensor operator*(const Scalar& a, const Tensor& b) { return b.mul(a); }
Tensor operator/(const Scalar& a, const Tensor& b) { return binary_op(Binary::Div, scalar_operand(b, a), b); }
Tensor& operator+=(Tensor& a, const Tensor& b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, const Tensor& b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, const Tensor& b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, const Tensor& b) { return a.div_(b); }
Tensor& operator+=(Tensor& a, const Scalar& b) { return a.add_(b); }
Tensor& operator-=(Tensor& a, const Scalar& b) { return a.sub_(b); }
Tensor& operator*=(Tensor& a, const Scalar& b) { return a.mul_(b); }
Tensor& operator/=(Tensor& a, const Scalar& b) { return a.div_(b); }
Tensor operator==(const Tensor& a, const Tensor& b) { return a.eq(b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return a.ne(b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return a.lt(b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return a.le(b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return a.gt(b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return a.ge(b); }
Tensor operator==(const Tensor& a, const Scalar& b) { return a.eq(b); }
Tensor operator!=(const Tensor& a, const Scalar& b) { return a.ne(b); }
Tensor operator<(const Tensor& a, const Scalar& b) { return a.lt(b); }
Tensor operator<=(const Tensor& a, const Scalar& b) { return a.le(b); }
Tensor operator>(const Tensor& a, const Scalar& b) { return a.gt(b); }
Tensor operator>=(const Tensor& a, const Scalar& b) { return a.ge(b); }
Tensor operator&&(const Tensor& a, const Tensor& b) { return a.logical_and(b); }
Tensor operator||(const Tensor& a, const Tensor& b) { return a.logical_or(b); }
Tensor operator!(const Tensor& a) { return a.logical_not(); }

}  // namespace accmt
