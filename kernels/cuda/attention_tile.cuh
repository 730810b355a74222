#pragma once
// Shared pieces of the attention kernels (attention.cu): the tile geometry and the
// shared-memory staging of [rows, dim] tiles as float32.
//
// A block of kThreads threads works on a 32 x 32 tile of (query, key) pairs; thread t
// belongs to row group t / 4 (one row of the tile) and has lane t % 4 in it, so a row's
// four threads sit in one warp and combine their partials with two shuffles. A thread
// owns the tile entries (row, lane + 4 * j) and, for per-row vectors of length kDim
// (output, gradient rows), the entries lane + 4 * j as well.
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cuda/convert.cuh"

namespace accmt::kernels::cuda::attention {

inline constexpr int kTile = 32;                 // query rows and key rows per tile
inline constexpr int kThreads = kTile * 4;       // four threads per tile row
inline constexpr int kPerThread = kTile / 4;     // tile columns a thread owns
inline constexpr int kMaxDim = 128;              // largest E and Ev the kernels take

// Row stride of a staged [kTile, kDim] tile: one float of padding puts the rows of a
// column read by neighbouring row groups in different banks.
template <int kDim> inline constexpr int kStride = kDim + 1;
inline constexpr int kScoreStride = kTile + 1;

template <int kDim> inline constexpr int tile_floats() { return kTile * kStride<kDim>; }

// Copies rows [row0, row0 + kTile) of a contiguous [rows, dim] matrix into a float tile;
// rows past the end and columns past dim (up to kDim) read as zero, so the dot products
// can always run over the full width.
template <int kDim, class T>
__device__ __forceinline__ void stage_tile(float* tile, const T* __restrict__ src, int64_t row0, int64_t rows,
                                           int dim) {
  for (int idx = threadIdx.x; idx < kTile * kDim; idx += blockDim.x) {
    const int r = idx / kDim, c = idx % kDim;
    const int64_t row = row0 + r;
    tile[r * kStride<kDim> + c] = (row < rows && c < dim) ? to_acc(src[row * dim + c]) : 0.0f;
  }
}

// out[t] = the dot product of row a of tile A with row lane + 4 * t of tile B over their
// first dim columns: one load of A's element serves the thread's kPerThread products.
template <int kDim>
__device__ __forceinline__ void row_dots(const float* A, int a, const float* B, int lane, int dim,
                                         float (&out)[kPerThread]) {
  const float* x = A + a * kStride<kDim>;
  const float* y = B + lane * kStride<kDim>;
#pragma unroll
  for (int t = 0; t < kPerThread; ++t) out[t] = 0.0f;
#pragma unroll 4
  for (int e = 0; e < dim; ++e) {
    const float xe = x[e];
#pragma unroll
    for (int t = 0; t < kPerThread; ++t) out[t] += xe * y[4 * t * kStride<kDim> + e];
  }
}

// Whether key j may be seen by query i (inside the sequence, and not in the future when
// causal; causal is top-left aligned, like tril(0) on the [L, S] scores).
__device__ __forceinline__ bool visible(int64_t i, int64_t j, int64_t S, bool causal) {
  return j < S && (!causal || j <= i);
}

}  // namespace accmt::kernels::cuda::attention
