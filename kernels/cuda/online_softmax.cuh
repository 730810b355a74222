#pragma once
// The running (max, sum of exp(x - max)) pair of one-pass softmax and logsumexp, with
// the CPU's edge cases: -inf elements add nothing, a NaN element makes the sum NaN, a
// +inf maximum makes it NaN (the CPU's exp(inf - inf)), and an all -inf row ends with
// max 0 and sum 0.
#include <cuda_runtime.h>

#include <cmath>
#include <limits>

namespace accmt::kernels::cuda {

template <class A> struct MaxSum {
  A m, s;

  __device__ static MaxSum empty() { return {-std::numeric_limits<A>::infinity(), A(0)}; }

  __device__ __forceinline__ void add(A x) {
    using std::exp;
    if (x == -std::numeric_limits<A>::infinity()) return;
    if (x > m) {
      s = s * exp(m - x) + A(1);
      m = x;
    } else {
      s += exp(x - m);  // NaN x lands here and poisons the sum
    }
  }

  // Commutative merge of two partial states.
  __device__ static MaxSum merge(MaxSum a, MaxSum b) {
    using std::exp;
    const A m = a.m > b.m ? a.m : b.m;
    const A sa = a.s == A(0) ? A(0) : a.s * exp(a.m - m);
    const A sb = b.s == A(0) ? A(0) : b.s * exp(b.m - m);
    return {m, sa + sb};
  }

  // The final max to subtract and the sum, like the CPU's two-pass computation.
  __device__ __forceinline__ void finish() {
    if (m == std::numeric_limits<A>::infinity()) s = std::numeric_limits<A>::quiet_NaN();
    if (m == -std::numeric_limits<A>::infinity()) m = A(0);
  }
};

struct MergeMaxSum {
  template <class S> __device__ __forceinline__ S operator()(S a, S b) const { return S::merge(a, b); }
};

}  // namespace accmt::kernels::cuda
