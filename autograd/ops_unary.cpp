// Differentiable unary math: forward through native::unary, backward as tensor ops.
#include <cmath>

#include "autograd/ops_util.hpp"

namespace accmt {

using autograd::Grads;
using autograd::SavedTensor;
using ops::Binary;
using ops::Unary;

namespace {

// Ops that keep integer dtypes (the rest compute in floating point).
bool keeps_integers(Unary op) {
  switch (op) {
    case Unary::Neg: case Unary::Abs: case Unary::Relu: case Unary::Sign: case Unary::Square:
    case Unary::Floor: case Unary::Ceil: case Unary::Round: case Unary::Trunc: return true;
    default: return false;
  }
}

const char* unary_name(Unary op) {
  switch (op) {
    case Unary::Neg: return "neg"; case Unary::Abs: return "abs"; case Unary::Exp: return "exp";
    case Unary::Log: return "log"; case Unary::Log1p: return "log1p"; case Unary::Expm1: return "expm1";
    case Unary::Sqrt: return "sqrt"; case Unary::Rsqrt: return "rsqrt"; case Unary::Sin: return "sin";
    case Unary::Cos: return "cos"; case Unary::Tan: return "tan"; case Unary::Tanh: return "tanh";
    case Unary::Sigmoid: return "sigmoid"; case Unary::Relu: return "relu"; case Unary::GeluExact: return "gelu";
    case Unary::GeluTanh: return "gelu_tanh"; case Unary::Silu: return "silu"; case Unary::Softplus: return "softplus";
    case Unary::Sign: return "sign"; case Unary::Reciprocal: return "reciprocal"; case Unary::Square: return "square";
    case Unary::Floor: return "floor"; case Unary::Ceil: return "ceil"; case Unary::Round: return "round";
    case Unary::Trunc: return "trunc"; case Unary::Erf: return "erf"; case Unary::LogicalNot: return "logical_not";
    case Unary::Log2: return "log2"; case Unary::Log10: return "log10"; case Unary::Exp2: return "exp2";
    case Unary::Asin: return "asin"; case Unary::Acos: return "acos"; case Unary::Atan: return "atan";
    case Unary::Sinh: return "sinh"; case Unary::Cosh: return "cosh";
  }
  return "unary";
}

}  // namespace

Tensor autograd::activation_backward_composite(Unary op, const Tensor& g, const Tensor& x, const Tensor& out) {
  switch (op) {
    case Unary::Tanh: return g * (1 - out.square());
    case Unary::Sigmoid: return g * out * (1 - out);
    case Unary::Relu: return where(out.gt(Scalar(0)), g, Scalar(0));
    case Unary::GeluExact: {
      Tensor cdf = ((x * M_SQRT1_2).erf() + 1) * 0.5;
      Tensor pdf = (x.square() * -0.5).exp() * (M_2_SQRTPI * M_SQRT1_2 * 0.5);
      return g * (cdf + x * pdf);
    }
    case Unary::GeluTanh: {
      const double k = M_2_SQRTPI * M_SQRT1_2, c = 0.044715;
      Tensor t = ((x + x.pow(3) * c) * k).tanh();
      Tensor dinner = (x.square() * (3 * c) + 1) * k;
      return g * ((t + 1) * 0.5 + x * (1 - t.square()) * dinner * 0.5);
    }
    case Unary::Silu: {
      Tensor s = x.sigmoid();
      return g * s * (x * (1 - s) + 1);
    }
    case Unary::Softplus: return where(x.gt(Scalar(20)), g, g * x.sigmoid());
    default: return Tensor();
  }
}

namespace {

// d out / d x times g, written with differentiable tensor ops (so create_graph works).
Tensor unary_backward(Unary op, const Tensor& g, const Tensor& x, const Tensor& out) {
  if (autograd::GradMode::is_enabled()) {
    Tensor composite = autograd::activation_backward_composite(op, g, x, out);
    if (composite.defined()) return composite;
  }
  switch (op) {
    case Unary::Neg: return g.neg();
    case Unary::Abs: return g * x.sign();
    case Unary::Exp: return g * out;
    case Unary::Log: return g / x;
    case Unary::Log1p: return g / (x + 1);
    case Unary::Expm1: return g * (out + 1);
    case Unary::Sqrt: return g / (out * 2);
    case Unary::Rsqrt: return g * out.pow(3) * -0.5;
    case Unary::Sin: return g * x.cos();
    case Unary::Cos: return -(g * x.sin());
    case Unary::Tan: return g * (out.square() + 1);
    case Unary::Tanh: return native::binary(Binary::TanhBackwardFromOutput, g, out, g.dtype());
    case Unary::Sigmoid: return native::binary(Binary::SigmoidBackwardFromOutput, g, out, g.dtype());
    case Unary::Relu: return native::binary(Binary::ReluBackward, g, out, g.dtype());
    case Unary::GeluExact: return native::binary(Binary::GeluExactBackward, g, x, g.dtype());
    case Unary::GeluTanh: return native::binary(Binary::GeluTanhBackward, g, x, g.dtype());
    case Unary::Silu: return native::binary(Binary::SiluBackward, g, x, g.dtype());
    case Unary::Softplus: return native::binary(Binary::SoftplusBackward, g, x, g.dtype());
    case Unary::Reciprocal: return -(g * out.square());
    case Unary::Square: return g * x * 2;
    case Unary::Erf: return g * (x.square().neg().exp() * (2.0 / std::sqrt(M_PI)));
    case Unary::Log2: return g / (x * M_LN2);
    case Unary::Log10: return g / (x * M_LN10);
    case Unary::Exp2: return g * out * M_LN2;
    case Unary::Asin: return g / (1 - x.square()).sqrt();
    case Unary::Acos: return -(g / (1 - x.square()).sqrt());
    case Unary::Atan: return g / (x.square() + 1);
    case Unary::Sinh: return g * x.cosh();
    case Unary::Cosh: return g * x.sinh();
    default: return zeros_like(g);  // piecewise-constant ops (sign, floor, ...)
  }
}

// Whether the backward reads the op's output (saved) or input.
bool backward_uses_output(Unary op) {
  switch (op) {
    case Unary::Exp: case Unary::Expm1: case Unary::Sqrt: case Unary::Rsqrt: case Unary::Tan:
    case Unary::Tanh: case Unary::Sigmoid: case Unary::Relu: case Unary::Reciprocal: case Unary::Exp2: return true;
    default: return false;
  }
}

}  // namespace

Tensor unary_op(Unary op, const Tensor& x_in) {
  const char* name = unary_name(op);
  native::check_defined(name, x_in);
  if (op == Unary::LogicalNot) return x_in.eq(Scalar(0));
  ACCMT_CHECK(!(op == Unary::Neg && x_in.dtype() == DType::Bool), "neg: negation of a bool tensor is not supported; "
              "use logical_not()");
  Tensor x = keeps_integers(op) ? x_in : native::cast(x_in, autograd::float_dtype(x_in));
  if (x.dtype() == DType::Bool && keeps_integers(op)) x = native::cast(x, DType::UInt8);
  Tensor out = native::unary(op, x);
  if (autograd::needs_grad({x_in}) && is_floating(out.dtype())) {
    bool use_out = backward_uses_output(op);
    SavedTensor saved = use_out ? SavedTensor(out, true) : SavedTensor(x_in);
    autograd::record(name, {x_in}, {out}, [op, saved, use_out](const Grads& g) -> std::vector<Tensor> {
      Tensor v = use_out ? saved.get(g) : saved.get();
      return {use_out ? unary_backward(op, g[0], Tensor(), v) : unary_backward(op, g[0], v, Tensor())};
    });
  }
  return out;
}

Tensor Tensor::neg() const { return unary_op(Unary::Neg, *this); }
Tensor Tensor::abs() const { return unary_op(Unary::Abs, *this); }
Tensor Tensor::exp() const { return unary_op(Unary::Exp, *this); }
Tensor Tensor::log() const { return unary_op(Unary::Log, *this); }
Tensor Tensor::log1p() const { return unary_op(Unary::Log1p, *this); }
Tensor Tensor::expm1() const { return unary_op(Unary::Expm1, *this); }
Tensor Tensor::sqrt() const { return unary_op(Unary::Sqrt, *this); }
Tensor Tensor::rsqrt() const { return unary_op(Unary::Rsqrt, *this); }
Tensor Tensor::sin() const { return unary_op(Unary::Sin, *this); }
Tensor Tensor::cos() const { return unary_op(Unary::Cos, *this); }
Tensor Tensor::tan() const { return unary_op(Unary::Tan, *this); }
Tensor Tensor::tanh() const { return unary_op(Unary::Tanh, *this); }
Tensor Tensor::sigmoid() const { return unary_op(Unary::Sigmoid, *this); }
Tensor Tensor::relu() const { return unary_op(Unary::Relu, *this); }
Tensor Tensor::silu() const { return unary_op(Unary::Silu, *this); }
Tensor Tensor::softplus() const { return unary_op(Unary::Softplus, *this); }
Tensor Tensor::gelu(const std::string& approximate) const {
  ACCMT_CHECK(approximate == "none" || approximate == "tanh", "gelu: approximate must be 'none' or 'tanh', got '",
              approximate, "'");
  return unary_op(approximate == "tanh" ? Unary::GeluTanh : Unary::GeluExact, *this);
}
Tensor Tensor::sign() const { return unary_op(Unary::Sign, *this); }
Tensor Tensor::reciprocal() const { return unary_op(Unary::Reciprocal, *this); }
Tensor Tensor::square() const { return unary_op(Unary::Square, *this); }
Tensor Tensor::erf() const { return unary_op(Unary::Erf, *this); }
Tensor Tensor::floor() const { return unary_op(Unary::Floor, *this); }
Tensor Tensor::ceil() const { return unary_op(Unary::Ceil, *this); }
Tensor Tensor::round() const { return unary_op(Unary::Round, *this); }
Tensor Tensor::trunc() const { return unary_op(Unary::Trunc, *this); }
Tensor Tensor::log2() const { return unary_op(Unary::Log2, *this); }
Tensor Tensor::log10() const { return unary_op(Unary::Log10, *this); }
Tensor Tensor::exp2() const { return unary_op(Unary::Exp2, *this); }
Tensor Tensor::asin() const { return unary_op(Unary::Asin, *this); }
Tensor Tensor::acos() const { return unary_op(Unary::Acos, *this); }
Tensor Tensor::atan() const { return unary_op(Unary::Atan, *this); }
Tensor Tensor::sinh() const { return unary_op(Unary::Sinh, *this); }
Tensor Tensor::cosh() const { return unary_op(Unary::Cosh, *this); }
Tensor Tensor::logical_not() const { return unary_op(Unary::LogicalNot, *this); }

Tensor Tensor::clamp(std::optional<Scalar> min, std::optional<Scalar> max) const {
  native::check_defined("clamp", *this);
  ACCMT_CHECK(min || max, "clamp: at least one of min and max must be given");
  DType dt = dtype();
  if (min) dt = promote_types(dt, result_type(*this, *min));
  if (max) dt = promote_types(dt, result_type(*this, *max));
  Tensor x = native::cast(*this, dt);
  Tensor out = native::clamp(x, min ? &*min : nullptr, max ? &*max : nullptr);
  if (autograd::needs_grad({*this})) {
    SavedTensor saved(*this);
    autograd::record("clamp", {*this}, {out}, [saved, min, max](const Grads& g) -> std::vector<Tensor> {
      Tensor x = saved.get();
      Tensor keep = ones_like(x, {.dtype = DType::Bool, .device = x.device()});
      if (min) keep = keep.logical_and(x.ge(*min));
      if (max) keep = keep.logical_and(x.le(*max));
      return {where(keep, g[0], Scalar(0))};
    });
  }
  return out;
}

}  // namespace accmt
