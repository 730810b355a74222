#pragma once
// Per-element math of the fused cross-entropy (log-softmax + NLL), shared by the CPU and
// CUDA kernels. One row's loss is sum_c a_c * (lse - z_c) with lse = logsumexp(z) and
// coefficients a_c (the smoothed, weighted target distribution); its gradient is
// dz_c = (softmax_c * A - a_c) * g with A = sum_c a_c, which is 1 without class weights.
// Templates so that the CPU backend can also pass Eigen array expressions.
#include "kernels/common/macros.hpp"

namespace accmt::kernels::ce {

// Class-index targets: a_c = (1 - eps) * w_t at the target class plus eps / C * w_c, so
// A = sum_c a_c follows from sum_c w_c.
template <class A>
ACCMT_HOST_DEVICE inline A index_total(A w_t, A sum_w, A eps, A inv_classes) {
  return (A(1) - eps) * w_t + eps * inv_classes * sum_w;
}
// a_c for probability targets: w_c * ((1 - eps) * p_c + eps / C).
template <class P, class W, class A>
ACCMT_HOST_DEVICE inline auto prob_coef(const P& p_c, const W& w_c, A eps, A inv_classes) {
  return w_c * ((A(1) - eps) * p_c + eps * inv_classes);
}
// Row loss from lse, A and sum_c a_c * z_c.
template <class A>
ACCMT_HOST_DEVICE inline A row_loss(A lse, A total, A sum_coef_z) {
  return lse * total - sum_coef_z;
}
// dz_c from softmax_c = exp(z_c - lse).
template <class P, class A, class C>
ACCMT_HOST_DEVICE inline auto grad(const P& softmax_c, A total, const C& coef_c, A g) {
  return (softmax_c * total - coef_c) * g;
}

}  // namespace accmt::kernels::ce
