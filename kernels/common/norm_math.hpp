#pragma once
// The p-norm of a list of values as an accumulation (sum of |x|^p, or max |x| for
// infinity) and a final root, shared by the CPU and CUDA multi-tensor norm kernels.
#include <cmath>

#include "kernels/common/macros.hpp"

namespace accmt::kernels::norm_math {

enum class NormKind : int { L1, L2, Inf, P };

// Host side: the kernels take the kind as an argument.
inline NormKind norm_kind(double p) {
  return p == 1.0 ? NormKind::L1 : p == 2.0 ? NormKind::L2 : std::isinf(p) ? NormKind::Inf : NormKind::P;
}

// One element's contribution |x|^p (|x| for infinity).
template <class A> ACCMT_HOST_DEVICE ACCMT_FORCE_INLINE A norm_term(A x, NormKind k, A p) {
  const A a = x < A(0) ? -x : x;
  switch (k) {
    case NormKind::L1: return a;
    case NormKind::L2: return x * x;
    case NormKind::Inf: return x != x ? x : a;
    default: return std::pow(a, p);
  }
}

// Combines two accumulations: a sum, or a NaN-propagating max for infinity.
template <class A> ACCMT_HOST_DEVICE ACCMT_FORCE_INLINE A norm_combine(A a, A b, NormKind k) {
  if (k != NormKind::Inf) return a + b;
  if (a != a) return a;
  if (b != b) return b;
  return a > b ? a : b;
}

// The norm from the accumulation over all elements.
template <class A> ACCMT_HOST_DEVICE ACCMT_FORCE_INLINE A norm_finish(A acc, NormKind k, A p) {
  switch (k) {
    case NormKind::L2: return std::sqrt(acc);
    case NormKind::P: return std::pow(acc, A(1) / p);
    default: return acc;
  }
}

}  // namespace accmt::kernels::norm_math
