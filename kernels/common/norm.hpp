#pragma once
// Row formulas of LayerNorm / RMSNorm shared by the CPU and CUDA kernels. With
// xhat = (x - mean) * rstd (mean = 0 for RMSNorm) and g = dy * weight, the input gradient
// of one row of n elements is rstd * (g - mean(g) - xhat * mean(g * xhat)); RMSNorm drops
// the mean(g) term because it does not centre.
#include <cmath>

#include "kernels/common/macros.hpp"

namespace accmt::ops {

template <class A> ACCMT_HOST_DEVICE ACCMT_FORCE_INLINE A norm_rstd(A var, double eps) {
  using std::sqrt;
  return A(1) / sqrt(var + A(eps));
}

template <class A> ACCMT_HOST_DEVICE ACCMT_FORCE_INLINE A norm_forward(A x, A mean, A rstd, A w, A b) {
  return (x - mean) * rstd * w + b;
}

template <class A>
ACCMT_HOST_DEVICE ACCMT_FORCE_INLINE A norm_backward_dx(A g, A xhat, A rstd, A mean_g, A mean_gxhat) {
  return rstd * (g - mean_g - xhat * mean_gxhat);
}

}  // namespace accmt::ops
