#pragma once
// Visits the elements of a dense run with 16-byte vector loads: a scalar head up to the
// first 16-byte boundary, 16-byte vectors (four in flight per thread), a scalar tail.
// Thread `rank` of `count` sees a fixed subset, so reductions built on it are
// deterministic. f(value, i) receives each element with its index in the run.
#include <cuda_runtime.h>

#include <cstdint>

namespace accmt::kernels::cuda {

template <class T> struct alignas(16) Vec16 {
  static constexpr int kSize = 16 / int(sizeof(T));
  T v[kSize];
};

template <class T, class F>
__device__ __forceinline__ void visit_dense(const T* __restrict__ p, int64_t n, int rank, int count, F&& f) {
  using V = Vec16<T>;
  constexpr int kV = V::kSize;
  const int64_t misalign = int64_t(reinterpret_cast<uintptr_t>(p) % 16);
  int64_t head = misalign == 0 ? 0 : (16 - misalign) / int64_t(sizeof(T));
  if (head > n || misalign % int64_t(sizeof(T)) != 0) head = n;  // never aligns: all scalar
  for (int64_t i = rank; i < head; i += count) f(p[i], i);
  const int64_t nvec = (n - head) / kV;
  const V* pv = reinterpret_cast<const V*>(p + head);
  int64_t k = rank;
  for (; k + 3 * int64_t(count) < nvec; k += 4 * int64_t(count)) {
    V a[4];
#pragma unroll
    for (int u = 0; u < 4; ++u) a[u] = pv[k + u * int64_t(count)];
#pragma unroll
    for (int u = 0; u < 4; ++u)
#pragma unroll
      for (int j = 0; j < kV; ++j) f(a[u].v[j], head + (k + u * int64_t(count)) * kV + j);
  }
  for (; k < nvec; k += count) {
    const V a = pv[k];
#pragma unroll
    for (int j = 0; j < kV; ++j) f(a.v[j], head + k * kV + j);
  }
  for (int64_t i = head + nvec * kV + rank; i < n; i += count) f(p[i], i);
}

}  // namespace accmt::kernels::cuda
