#pragma once
// Per-element formulas shared by the CPU loops and the CUDA kernels. Everything is
// computed in the accumulation type (float for 16-bit floats).
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/common/macros.hpp"

namespace accmt::ops {

// Float overloads for unqualified calls below (otherwise float would go through double).
using std::abs; using std::acos; using std::asin; using std::atan; using std::atan2; using std::ceil;
using std::cos; using std::cosh; using std::erf; using std::exp; using std::exp2; using std::expm1;
using std::fabs; using std::floor; using std::fmod; using std::log; using std::log10; using std::log1p;
using std::log2; using std::nearbyint; using std::pow; using std::sin; using std::sinh; using std::sqrt;
using std::tan; using std::tanh; using std::trunc;

// Every unary op, for switches that instantiate one loop per op (X(Name) per op).
#define ACCMT_FOR_EACH_UNARY(X)                                                                        \
  X(Neg) X(Abs) X(Exp) X(Log) X(Log1p) X(Expm1) X(Sqrt) X(Rsqrt) X(Sin) X(Cos) X(Tan) X(Tanh)        \
  X(Sigmoid) X(Relu) X(GeluExact) X(GeluTanh) X(Silu) X(Softplus) X(Sign) X(Reciprocal) X(Square)    \
  X(Floor) X(Ceil) X(Round) X(Trunc) X(Erf) X(LogicalNot) X(Log2) X(Log10) X(Exp2) X(Asin) X(Acos)   \
  X(Atan) X(Sinh) X(Cosh)

enum class Unary : uint8_t {
  Neg, Abs, Exp, Log, Log1p, Expm1, Sqrt, Rsqrt, Sin, Cos, Tan, Tanh, Sigmoid, Relu,
  GeluExact, GeluTanh, Silu, Softplus, Sign, Reciprocal, Square, Floor, Ceil, Round,
  Trunc, Erf, LogicalNot, Log2, Log10, Exp2, Asin, Acos, Atan, Sinh, Cosh,
};

enum class Binary : uint8_t {
  Add, Sub, Mul, Div, Pow, Maximum, Minimum, Remainder, FloorDivide, Atan2,
  Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, LogicalXor,
  // Fused backward helpers: grad * f'(x) without materialising f'(x).
  GeluExactBackward, GeluTanhBackward, SiluBackward, SigmoidBackwardFromOutput,
  TanhBackwardFromOutput, ReluBackward, SoftplusBackward,
};

inline constexpr const char* name(Binary op) {
  switch (op) {
    case Binary::Add: return "add"; case Binary::Sub: return "sub"; case Binary::Mul: return "mul";
    case Binary::Div: return "div"; case Binary::Pow: return "pow"; case Binary::Maximum: return "maximum";
    case Binary::Minimum: return "minimum"; case Binary::Remainder: return "remainder";
    case Binary::FloorDivide: return "floor_divide"; case Binary::Atan2: return "atan2";
    case Binary::Eq: return "eq"; case Binary::Ne: return "ne"; case Binary::Lt: return "lt";
    case Binary::Le: return "le"; case Binary::Gt: return "gt"; case Binary::Ge: return "ge";
    case Binary::LogicalAnd: return "logical_and"; case Binary::LogicalOr: return "logical_or";
    case Binary::LogicalXor: return "logical_xor";
    default: return "backward";
  }
}

inline constexpr bool is_comparison(Binary op) {
  return op == Binary::Eq || op == Binary::Ne || op == Binary::Lt || op == Binary::Le ||
         op == Binary::Gt || op == Binary::Ge || op == Binary::LogicalAnd ||
         op == Binary::LogicalOr || op == Binary::LogicalXor;
}

template <class T> ACCMT_HOST_DEVICE inline T sigmoid(T x) { return T(1) / (T(1) + exp(-x)); }

template <class T> ACCMT_HOST_DEVICE inline T gelu_exact(T x) {
  return T(0.5) * x * (T(1) + erf(x * T(0.70710678118654752440)));
}
template <class T> ACCMT_HOST_DEVICE inline T gelu_exact_grad(T x) {
  T cdf = T(0.5) * (T(1) + erf(x * T(0.70710678118654752440)));
  T pdf = exp(T(-0.5) * x * x) * T(0.39894228040143267794);
  return cdf + x * pdf;
}
template <class T> ACCMT_HOST_DEVICE inline T gelu_tanh(T x) {
  const T k = T(0.79788456080286535588), c = T(0.044715);
  return T(0.5) * x * (T(1) + tanh(k * (x + c * x * x * x)));
}
template <class T> ACCMT_HOST_DEVICE inline T gelu_tanh_grad(T x) {
  const T k = T(0.79788456080286535588), c = T(0.044715);
  T inner = k * (x + c * x * x * x);
  T t = tanh(inner);
  T dinner = k * (T(1) + T(3) * c * x * x);
  return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * dinner;
}
// softplus with PyTorch's defaults beta=1, threshold=20 (linear above the threshold).
template <class T> ACCMT_HOST_DEVICE inline T softplus(T x) { return x > T(20) ? x : log1p(exp(x)); }
template <class T> ACCMT_HOST_DEVICE inline T softplus_grad(T x) { return x > T(20) ? T(1) : sigmoid(x); }

// x < 0, spelled so that unsigned types do not compare with zero (nvcc warns about that).
template <class T> ACCMT_HOST_DEVICE inline bool is_negative(T x) {
  if constexpr (std::is_unsigned_v<T>) return false;
  else return x < T(0);
}

// Forced inline: callers pass a constant op, so the switch folds away and loops vectorise.
template <class T> ACCMT_HOST_DEVICE ACCMT_FORCE_INLINE T apply_unary(Unary op, T x) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case Unary::Neg: return -x;
      case Unary::Abs: return fabs(x);
      case Unary::Exp: return exp(x);
      case Unary::Log: return log(x);
      case Unary::Log1p: return log1p(x);
      case Unary::Expm1: return expm1(x);
      case Unary::Sqrt: return sqrt(x);
      case Unary::Rsqrt: return T(1) / sqrt(x);
      case Unary::Sin: return sin(x);
      case Unary::Cos: return cos(x);
      case Unary::Tan: return tan(x);
      case Unary::Tanh: return tanh(x);
      case Unary::Sigmoid: return sigmoid(x);
      case Unary::Relu: return x > T(0) ? x : T(0);
      case Unary::GeluExact: return gelu_exact(x);
      case Unary::GeluTanh: return gelu_tanh(x);
      case Unary::Silu: return x * sigmoid(x);
      case Unary::Softplus: return softplus(x);
      case Unary::Sign: return T((x > T(0)) - (x < T(0)));
      case Unary::Reciprocal: return T(1) / x;
      case Unary::Square: return x * x;
      case Unary::Floor: return floor(x);
      case Unary::Ceil: return ceil(x);
      case Unary::Round: return nearbyint(x);  // half to even, like torch.round
      case Unary::Trunc: return trunc(x);
      case Unary::Erf: return erf(x);
      case Unary::LogicalNot: return T(x == T(0));
      case Unary::Log2: return log2(x);
      case Unary::Log10: return log10(x);
      case Unary::Exp2: return exp2(x);
      case Unary::Asin: return asin(x);
      case Unary::Acos: return acos(x);
      case Unary::Atan: return atan(x);
      case Unary::Sinh: return sinh(x);
      case Unary::Cosh: return cosh(x);
    }
    return x;
  } else {
    // Integer inputs: only the ops that keep integers reach here (front-ends promote
    // the others to float first).
    switch (op) {
      case Unary::Neg: return T(-x);
      case Unary::Abs: return is_negative(x) ? T(-x) : x;
      case Unary::Relu: return x > T(0) ? x : T(0);
      case Unary::Sign: return T((x > T(0)) - is_negative(x));
      case Unary::Square: return T(x * x);
      case Unary::LogicalNot: return T(x == T(0));
      default: return x;  // floor/ceil/round/trunc are the identity on integers
    }
  }
}

// clamp's bounds: NaN in the value or in the bound propagates, as in PyTorch.
template <class T> ACCMT_HOST_DEVICE inline T clamp_below(T v, T lo) {
  return (v != v || lo != lo) ? (v != v ? v : lo) : (v < lo ? lo : v);
}
template <class T> ACCMT_HOST_DEVICE inline T clamp_above(T v, T hi) {
  return (v != v || hi != hi) ? (v != v ? v : hi) : (v > hi ? hi : v);
}

template <class T> ACCMT_HOST_DEVICE inline T int_floor_div(T a, T b) {
  T q = T(a / b);
  if constexpr (std::is_signed_v<T>) {
    if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;
  }
  return q;
}

// Arithmetic ops; the result type equals the input type T.
template <class T> ACCMT_HOST_DEVICE ACCMT_FORCE_INLINE T apply_binary(Binary op, T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case Binary::Add: return a + b;
      case Binary::Sub: return a - b;
      case Binary::Mul: return a * b;
      case Binary::Div: return a / b;
      case Binary::Pow: return pow(a, b);
      case Binary::Maximum: return (a != a || a > b) ? a : b;  // NaN propagates
      case Binary::Minimum: return (a != a || a < b) ? a : b;
      case Binary::Remainder: {
        T r = fmod(a, b);
        return (r != T(0) && ((r < T(0)) != (b < T(0)))) ? r + b : r;
      }
      case Binary::FloorDivide: return floor(a / b);
      case Binary::Atan2: return atan2(a, b);
      case Binary::GeluExactBackward: return a * gelu_exact_grad(b);
      case Binary::GeluTanhBackward: return a * gelu_tanh_grad(b);
      case Binary::SiluBackward: {
        T s = sigmoid(b);
        return a * s * (T(1) + b * (T(1) - s));
      }
      case Binary::SigmoidBackwardFromOutput: return a * b * (T(1) - b);
      case Binary::TanhBackwardFromOutput: return a * (T(1) - b * b);
      case Binary::ReluBackward: return b > T(0) ? a : T(0);
      case Binary::SoftplusBackward: return a * softplus_grad(b);
      default: return a;
    }
  } else {
    switch (op) {
      case Binary::Add: return T(a + b);
      case Binary::Sub: return T(a - b);
      case Binary::Mul: return T(a * b);
      case Binary::Div: return b == T(0) ? T(0) : T(a / b);  // front-ends use float div; this is trunc
      case Binary::Pow: {
        T r = 1;
        if (is_negative(b)) return a == T(1) ? T(1) : T(0);
        for (T e = b, base = a; e > T(0); e = T(e / 2), base = T(base * base))
          if (e % 2) r = T(r * base);
        return r;
      }
      case Binary::Maximum: return a > b ? a : b;
      case Binary::Minimum: return a < b ? a : b;
      case Binary::Remainder: {
        if (b == T(0)) return T(0);
        T r = T(a % b);
        return (r != T(0) && (is_negative(r) != is_negative(b))) ? T(r + b) : r;
      }
      case Binary::FloorDivide: return b == T(0) ? T(0) : int_floor_div(a, b);
      case Binary::ReluBackward: return b > T(0) ? a : T(0);
      default: return a;
    }
  }
}

template <class T> ACCMT_HOST_DEVICE ACCMT_FORCE_INLINE bool apply_compare(Binary op, T a, T b) {
  switch (op) {
    case Binary::Eq: return a == b;
    case Binary::Ne: return a != b;
    case Binary::Lt: return a < b;
    case Binary::Le: return a <= b;
    case Binary::Gt: return a > b;
    case Binary::Ge: return a >= b;
    case Binary::LogicalAnd: return (a != T(0)) && (b != T(0));
    case Binary::LogicalOr: return (a != T(0)) || (b != T(0));
    case Binary::LogicalXor: return (a != T(0)) != (b != T(0));
    default: return false;
  }
}

}  // namespace accmt::ops
