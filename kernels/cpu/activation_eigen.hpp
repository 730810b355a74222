#pragma once
// The activations of kernels/common/ops.hpp restated as Eigen array expressions, so that
// dense float/double data goes through Eigen's vectorised erf/tanh/logistic. Shared by the
// unary maps (elementwise.cpp) and the fused bias + activation (bias_act.cpp), so both
// give the same forward values. The scalar path (strided and 16-bit data, and the CUDA
// kernels) uses ops.hpp itself; the PyTorch fixtures check both.
#include <Eigen/Core>
#include <type_traits>
#include <unsupported/Eigen/SpecialFunctions>

#include "kernels/common/ops.hpp"

namespace accmt::kernels::cpu {

// exp for Eigen arrays with the underflow of std::exp. Eigen clamps the argument (near
// -88.7 for float, -709.8 for double), so without AVX-512 exp(-inf) came out as about
// 1e-38 / 1e-308 instead of 0 (masked attention weights, softmax of -inf). Below the
// smallest normal result this gives 0 (the subnormal range is flushed).
template <class X> auto eigen_exp(const X& x) {
  using T = typename X::Scalar;
  const T lowest = std::is_same_v<T, float> ? T(-87.33654475) : T(-708.39641853226408);  // ln(min normal)
  return (x < lowest).select(T(0), x.exp());
}

template <class X> auto eigen_gelu_exact(const X& x) {
  using T = typename X::Scalar;
  return T(0.5) * x * (T(1) + (x * T(0.70710678118654752440)).erf());
}
template <class X> auto eigen_gelu_tanh(const X& x) {
  using T = typename X::Scalar;
  return T(0.5) * x * (T(1) + (T(0.79788456080286535588) * (x + T(0.044715) * x.cube())).tanh());
}
template <class X> auto eigen_silu(const X& x) { return x * x.logistic(); }
template <class X> auto eigen_relu(const X& x) {
  using T = typename X::Scalar;
  return (x > T(0)).select(x, T(0));
}

// o = g * act'(z) for the fused-activation ops (ops.hpp's *_grad formulas); t is scratch
// of z's size, so tanh/logistic are evaluated once per element.
template <class O, class G, class Z, class S>
void eigen_activation_grad(ops::Unary op, O&& o, const G& g, const Z& z, S&& t) {
  using T = typename Z::Scalar;
  switch (op) {
    case ops::Unary::GeluExact:
      o = g * (T(0.5) * (T(1) + (z * T(0.70710678118654752440)).erf()) +
               z * eigen_exp(T(-0.5) * z.square()) * T(0.39894228040143267794));
      return;
    case ops::Unary::GeluTanh: {
      const T k = T(0.79788456080286535588), c = T(0.044715);
      t = (k * (z + c * z.cube())).tanh();
      o = g * (T(0.5) * (T(1) + t) + T(0.5) * z * (T(1) - t.square()) * (k * (T(1) + T(3) * c * z.square())));
      return;
    }
    case ops::Unary::Silu:
      t = z.logistic();
      o = g * t * (T(1) + z * (T(1) - t));
      return;
    default:
      o = (z > T(0)).select(g, T(0));
      return;
  }
}

}  // namespace accmt::kernels::cpu
