#pragma once
// Shared pieces of the attention kernels (attention.cu): the tile geometry and the
// shared-memory staging of [rows, dim] tiles as float32.
//
// A block of kThreads threads works on 32 x 32 tiles of (query, key) pairs (the forward
// on two query tiles at once: each thread also has the row kTile further down); thread t
// belongs to row group t / 4 (one row of the tile) and has lane t % 4 in it, so a row's
// four threads sit in one warp and combine their partials with two shuffles. A thread
// owns the tile entries (row, lane + 4 * t) and, of per-row vectors of length kDim
// (output and gradient rows), the columns 16 * j + 4 * lane + u (u < 4), so that its
// reads of staged rows are 16-byte loads.
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cuda/convert.cuh"

namespace accmt::kernels::cuda::attention {

inline constexpr int kTile = 32;                 // query rows and key rows per tile
inline constexpr int kThreads = kTile * 4;       // four threads per tile row
inline constexpr int kPerThread = kTile / 4;     // tile columns a thread owns
inline constexpr int kMaxDim = 128;              // largest E and Ev the kernels take

// Row stride of a staged [kTile, kDim] tile: four floats of padding keep rows 16-byte
// aligned and put the same columns of neighbouring rows in different banks.
template <int kDim> inline constexpr int kStride = kDim + 4;
inline constexpr int kScoreStride = kTile + 4;

template <int kDim, int kRows = kTile> inline constexpr int tile_floats() { return kRows * kStride<kDim>; }

// Copies rows [row0, row0 + kRows) of a contiguous [rows, dim] matrix into a float tile;
// rows past the end and columns past dim (up to kDim) read as zero, so the dot products
// can always run over the full width.
template <int kDim, int kRows = kTile, class T>
__device__ __forceinline__ void stage_tile(float* tile, const T* __restrict__ src, int64_t row0, int64_t rows,
                                           int dim) {
  for (int idx = threadIdx.x; idx < kRows * kDim; idx += blockDim.x) {
    const int r = idx / kDim, c = idx % kDim;
    const int64_t row = row0 + r;
    tile[r * kStride<kDim> + c] = (row < rows && c < dim) ? to_acc(src[row * dim + c]) : 0.0f;
  }
}

// out[t] = the dot product of row a of tile A with row lane + 4 * t of tile B over their
// first dim columns (rounded up to 4: the staged padding is zero). One 16-byte load of
// A's row serves the thread's kPerThread products.
template <int kDim>
__device__ __forceinline__ void row_dots(const float* A, int a, const float* B, int lane, int dim,
                                         float (&out)[kPerThread]) {
  constexpr int kRow4 = kStride<kDim> / 4;
  const float4* x = reinterpret_cast<const float4*>(A + a * kStride<kDim>);
  const float4* y = reinterpret_cast<const float4*>(B + lane * kStride<kDim>);
#pragma unroll
  for (int t = 0; t < kPerThread; ++t) out[t] = 0.0f;
  const int n4 = (dim + 3) / 4;
#pragma unroll 2
  for (int e = 0; e < n4; ++e) {
    const float4 xe = x[e];
#pragma unroll
    for (int t = 0; t < kPerThread; ++t) {
      const float4 ye = y[4 * t * kRow4 + e];
      out[t] += xe.x * ye.x + xe.y * ye.y + xe.z * ye.z + xe.w * ye.w;
    }
  }
}

// acc[4 j + u] += w * row[16 j + 4 lane + u]: the thread's columns of a staged row.
template <int kDim>
__device__ __forceinline__ void axpy_row(float (&acc)[kDim / 4], float w, const float* row, int lane) {
  const float4* r4 = reinterpret_cast<const float4*>(row);
#pragma unroll
  for (int j = 0; j < kDim / 16; ++j) {
    const float4 x = r4[4 * j + lane];
    acc[4 * j] += w * x.x;
    acc[4 * j + 1] += w * x.y;
    acc[4 * j + 2] += w * x.z;
    acc[4 * j + 3] += w * x.w;
  }
}

// The same for kRows rows at once: one 16-byte load of the staged row serves them all.
template <int kDim, int kRows>
__device__ __forceinline__ void axpy_rows(float (&acc)[kRows][kDim / 4], const float (&w)[kRows], const float* row,
                                          int lane) {
  const float4* r4 = reinterpret_cast<const float4*>(row);
#pragma unroll
  for (int j = 0; j < kDim / 16; ++j) {
    const float4 x = r4[4 * j + lane];
#pragma unroll
    for (int rr = 0; rr < kRows; ++rr) {
      acc[rr][4 * j] += w[rr] * x.x;
      acc[rr][4 * j + 1] += w[rr] * x.y;
      acc[rr][4 * j + 2] += w[rr] * x.z;
      acc[rr][4 * j + 3] += w[rr] * x.w;
    }
  }
}

// Writes acc * mul to the thread's columns (those below dim) of a global row.
template <int kDim, class T>
__device__ __forceinline__ void store_row(T* dst, const float (&acc)[kDim / 4], float mul, int dim, int lane) {
#pragma unroll
  for (int j = 0; j < kDim / 16; ++j)
#pragma unroll
    for (int u = 0; u < 4; ++u) {
      const int col = 16 * j + 4 * lane + u;
      if (col < dim) dst[col] = from_acc<T>(acc[4 * j + u] * mul);
    }
}

// Whether key j may be seen by query i (inside the sequence, and not in the future when
// causal; causal is top-left aligned, like tril(0) on the [L, S] scores).
__device__ __forceinline__ bool visible(int64_t i, int64_t j, int64_t S, bool causal) {
  return j < S && (!causal || j <= i);
}

}  // namespace accmt::kernels::cuda::attention
