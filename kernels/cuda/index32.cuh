#pragma once
// 32-bit element offsets for strided kernels. StridedIndexer (strided.cuh) splits a flat
// index with 64-bit divisions, each a long software routine on the GPU, so a broadcast or
// transposed operand made elementwise kernels compute-bound. Below 2^31 elements the same
// split runs as a multiply-high and a shift per dim (Granlund & Montgomery's division by
// an invariant integer, as in PyTorch's IntDivider).
#include <cstdint>
#include <limits>

#include "kernels/common/macros.hpp"
#include "kernels/cuda/strided.cuh"

namespace accmt::kernels::cuda {

// n / d for a fixed 1 <= d <= 2^31 and any n < 2^31: with 2^(shift-1) < d <= 2^shift,
// magic = floor(2^32 * (2^shift - d) / d) + 1 (below 2^32), n / d = (mulhi(n, magic) + n) >> shift.
struct FastDivisor {
  uint32_t divisor = 1, magic = 1, shift = 0;

  FastDivisor() = default;
  explicit FastDivisor(uint32_t d) : divisor(d) {
    while ((uint64_t(1) << shift) < d) ++shift;
    magic = uint32_t(((uint64_t(1) << 32) * ((uint64_t(1) << shift) - d)) / d + 1);
  }
  ACCMT_HOST_DEVICE uint32_t div(uint32_t n) const {
    const uint32_t hi = uint32_t((uint64_t(n) * magic) >> 32);
    return (hi + n) >> shift;  // hi <= n < 2^31: no overflow
  }
};

// StridedIndexer's offsets for flat indices below 2^31.
template <int N> struct StridedIndexer32 {
  int ndim = 0;
  FastDivisor sizes[kMaxDims];   // innermost dim first
  int64_t strides[N][kMaxDims];  // in elements

  __device__ void offsets(int64_t flat, int64_t (&off)[N]) const {
    uint32_t i = uint32_t(flat);
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = 0; d < ndim; ++d) {
      const uint32_t q = sizes[d].div(i);
      const int64_t idx = int64_t(i - q * sizes[d].divisor);
      i = q;
      for (int k = 0; k < N; ++k) off[k] += idx * strides[k][d];
    }
  }
};

// Whether n elements can use StridedIndexer32 (every dim's size is at most n).
inline bool fits_index32(int64_t n) { return n <= std::numeric_limits<int32_t>::max(); }

template <int N> StridedIndexer32<N> narrow_indexer(const StridedIndexer<N>& ix) {
  StridedIndexer32<N> r;
  r.ndim = ix.ndim;
  for (int d = 0; d < ix.ndim; ++d) {
    r.sizes[d] = FastDivisor(uint32_t(ix.sizes[d]));
    for (int k = 0; k < N; ++k) r.strides[k][d] = ix.strides[k][d];
  }
  return r;
}

// Calls launch(indexer) with the 32-bit indexer when n allows, else with ix itself, so a
// strided kernel templated on its indexer gets the cheaper one.
template <int N, class Launch> void with_indexer(const StridedIndexer<N>& ix, int64_t n, Launch&& launch) {
  if (fits_index32(n)) launch(narrow_indexer(ix));
  else launch(ix);
}

}  // namespace accmt::kernels::cuda
