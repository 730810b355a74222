#pragma once
// The activations of kernels/common/ops.hpp restated as Eigen array expressions, so that
// dense float/double data goes through Eigen's vectorised erf/tanh/logistic. Shared by the
// unary maps (elementwise.cpp) and the fused bias + activation (bias_act.cpp), so both
// give the same forward values. The scalar path (strided and 16-bit data, and the CUDA
// kernels) uses ops.hpp itself; the PyTorch fixtures check both.
#include <Eigen/Core>
#include <unsupported/Eigen/SpecialFunctions>

#include "kernels/common/ops.hpp"

namespace accmt::kernels::cpu {

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
               z * (T(-0.5) * z.square()).exp() * T(0.39894228040143267794));
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
