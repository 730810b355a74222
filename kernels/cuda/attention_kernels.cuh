#pragma once
// The FlashAttention-2 style kernels (CUDA cores, float32 accumulation) behind
// attention.cu's launchers. Tile layout and staging: attention_tile.cuh.
//   - forward: one block per (batch, 64-query tile) walks the key/value tiles with the
//     online softmax (running max and sum per row), the output row in registers; writes
//     the output and the row's logsumexp.
//   - backward: delta = rowsum(dO * O) per query row; then one block per key tile
//     accumulates dK and dV over the query tiles, and one block per query tile
//     accumulates dQ over the key tiles. Each output has one writer and a fixed order of
//     sums: deterministic, no atomics. P is recomputed from the saved logsumexp.
// Causal attention skips the tiles wholly past the diagonal.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdint>

#include "kernels/cuda/attention_tile.cuh"
#include "kernels/cuda/block_reduce.cuh"

namespace accmt::kernels::cuda::attention {

struct Geometry {
  int64_t L, S;    // query and key lengths
  int E, Ev;       // query/key and value widths
  float scale;
  bool causal;
  int64_t q_tiles, kv_tiles;  // tiles of kTile queries and keys
  int64_t fwd_tiles;          // tiles of kFwdTile queries (the forward's blocks)
};

// The forward gives each thread two query rows: one 16-byte load of a staged key or
// value row then serves both (the backward keeps one row each, within its registers).
inline constexpr int kFwdRows = 2;
inline constexpr int kFwdTile = kTile * kFwdRows;

inline constexpr float kNegInf = -INFINITY;

// Bytes of dynamic shared memory each kernel stages.
template <int kDim> constexpr size_t forward_smem() {
  return sizeof(float) * (tile_floats<kDim, kFwdTile>() + 2 * tile_floats<kDim>() + kFwdTile * kScoreStride);
}
template <int kDim> constexpr size_t backward_kv_smem() {
  return sizeof(float) * (4 * tile_floats<kDim>() + 2 * kTile * kScoreStride + 2 * kTile);
}
template <int kDim> constexpr size_t backward_q_smem() {
  return sizeof(float) * (4 * tile_floats<kDim>() + kTile * kScoreStride);
}

template <class T, int kDim>
__global__ void __launch_bounds__(kThreads)
    forward_kernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v, T* __restrict__ out,
                   float* __restrict__ lse, Geometry g) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  float* Qs = reinterpret_cast<float*>(smem_raw);
  float* Ks = Qs + tile_floats<kDim, kFwdTile>();
  float* Vs = Ks + tile_floats<kDim>();
  float* Ps = Vs + tile_floats<kDim>();  // [query][key]
  const int row = threadIdx.x / 4, lane = threadIdx.x % 4;
  // Under a causal mask the last query tiles do the most work: start them first.
  const int64_t tile = g.fwd_tiles - 1 - int64_t(blockIdx.x) % g.fwd_tiles;
  const int64_t b = int64_t(blockIdx.x) / g.fwd_tiles;
  const int64_t q0 = tile * kFwdTile;
  const T* kb = k + b * g.S * g.E;
  const T* vb = v + b * g.S * g.Ev;
  stage_tile<kDim, kFwdTile>(Qs, q + b * g.L * g.E, q0, g.L, g.E);

  // The thread's query rows of the tile are row + kTile * rr.
  float m[kFwdRows], l[kFwdRows], acc[kFwdRows][kDim / 4];
#pragma unroll
  for (int rr = 0; rr < kFwdRows; ++rr) {
    m[rr] = kNegInf;
    l[rr] = 0.0f;
#pragma unroll
    for (int d = 0; d < kDim / 4; ++d) acc[rr][d] = 0.0f;
  }
  const int64_t kv_end = g.causal ? (g.S < q0 + kFwdTile ? g.S : q0 + kFwdTile) : g.S;
  for (int64_t kv0 = 0; kv0 < kv_end; kv0 += kTile) {
    __syncthreads();  // the previous tile's K, V and P are no longer read
    stage_tile<kDim>(Ks, kb, kv0, g.S, g.E);
    stage_tile<kDim>(Vs, vb, kv0, g.S, g.Ev);
    __syncthreads();
#pragma unroll
    for (int rr = 0; rr < kFwdRows; ++rr) {
      const int r = row + kTile * rr;
      const int64_t i = q0 + r;
      float s[kPerThread];
      row_dots<kDim>(Qs, r, Ks, lane, g.E, s);
      float tile_max = kNegInf;
#pragma unroll
      for (int t = 0; t < kPerThread; ++t) {
        s[t] = visible(i, kv0 + lane + 4 * t, g.S, g.causal) ? s[t] * g.scale : kNegInf;
        tile_max = fmaxf(tile_max, s[t]);
      }
      tile_max = fmaxf(tile_max, shfl_xor(tile_max, 1));
      tile_max = fmaxf(tile_max, shfl_xor(tile_max, 2));
      const float m_new = fmaxf(m[rr], tile_max);
      // Until a row has seen a visible key, everything stays zero (exp(-inf) = 0).
      const float base = m_new == kNegInf ? 0.0f : m_new;
      const float alpha = expf(m[rr] - base);
      float tile_sum = 0.0f;
#pragma unroll
      for (int t = 0; t < kPerThread; ++t) {
        const float p = expf(s[t] - base);
        Ps[r * kScoreStride + lane + 4 * t] = p;
        tile_sum += p;
      }
      tile_sum += shfl_xor(tile_sum, 1);
      tile_sum += shfl_xor(tile_sum, 2);
      l[rr] = l[rr] * alpha + tile_sum;
      m[rr] = m_new;
#pragma unroll
      for (int d = 0; d < kDim / 4; ++d) acc[rr][d] *= alpha;
    }
    __syncwarp();  // a row's P entries come from its own four threads, all in this warp
    for (int c = 0; c < kTile; ++c) {
      float p[kFwdRows];
#pragma unroll
      for (int rr = 0; rr < kFwdRows; ++rr) p[rr] = Ps[(row + kTile * rr) * kScoreStride + c];
      axpy_rows<kDim, kFwdRows>(acc, p, Vs + c * kStride<kDim>, lane);
    }
  }
#pragma unroll
  for (int rr = 0; rr < kFwdRows; ++rr) {
    const int64_t i = q0 + row + kTile * rr;
    if (i >= g.L) continue;
    store_row<kDim>(out + (b * g.L + i) * g.Ev, acc[rr], l[rr] > 0.0f ? 1.0f / l[rr] : 0.0f, g.Ev, lane);
    if (lane == 0) lse[b * g.L + i] = l[rr] > 0.0f ? m[rr] + logf(l[rr]) : kNegInf;
  }
}

// delta[r] = sum_d dout[r, d] * out[r, d] for the rows of [rows, Ev]; one warp per row.
template <class T>
__global__ void delta_kernel(const T* __restrict__ out, const T* __restrict__ dout, float* __restrict__ delta,
                             int64_t rows, int Ev) {
  const int warps = blockDim.x / 32, lane = threadIdx.x % 32;
  for (int64_t r = int64_t(blockIdx.x) * warps + threadIdx.x / 32; r < rows; r += int64_t(gridDim.x) * warps) {
    float s = 0.0f;
    for (int d = lane; d < Ev; d += 32) s += to_acc(out[r * Ev + d]) * to_acc(dout[r * Ev + d]);
    s = warp_all_reduce(s, Plus());
    if (lane == 0) delta[r] = s;
  }
}

// dK and dV of one key tile, summed over the query tiles that see it.
template <class T, int kDim>
__global__ void __launch_bounds__(kThreads)
    backward_kv_kernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                       const T* __restrict__ dout, const float* __restrict__ lse, const float* __restrict__ delta,
                       T* __restrict__ dk, T* __restrict__ dv, Geometry g) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  float* Ks = reinterpret_cast<float*>(smem_raw);
  float* Vs = Ks + tile_floats<kDim>();
  float* Qs = Vs + tile_floats<kDim>();
  float* dOs = Qs + tile_floats<kDim>();
  float* Pt = dOs + tile_floats<kDim>();  // [key][query]: P transposed
  float* dSt = Pt + kTile * kScoreStride;  // [key][query]: dS transposed
  float* lse_s = dSt + kTile * kScoreStride;
  float* delta_s = lse_s + kTile;
  const int c = threadIdx.x / 4, lane = threadIdx.x % 4;  // this thread's key row of the tile
  const int64_t b = int64_t(blockIdx.x) / g.kv_tiles;
  const int64_t kv0 = (int64_t(blockIdx.x) % g.kv_tiles) * kTile, j = kv0 + c;
  const T* qb = q + b * g.L * g.E;
  const T* dob = dout + b * g.L * g.Ev;
  stage_tile<kDim>(Ks, k + b * g.S * g.E, kv0, g.S, g.E);
  stage_tile<kDim>(Vs, v + b * g.S * g.Ev, kv0, g.S, g.Ev);

  float dk_acc[kDim / 4], dv_acc[kDim / 4];
#pragma unroll
  for (int d = 0; d < kDim / 4; ++d) dk_acc[d] = dv_acc[d] = 0.0f;
  // Queries before kv0 see none of these keys under a causal mask.
  for (int64_t q0 = g.causal ? kv0 : 0; q0 < g.L; q0 += kTile) {
    __syncthreads();  // the previous query tile is no longer read
    stage_tile<kDim>(Qs, qb, q0, g.L, g.E);
    stage_tile<kDim>(dOs, dob, q0, g.L, g.Ev);
    if (threadIdx.x < kTile) {
      const int64_t i = q0 + threadIdx.x;
      lse_s[threadIdx.x] = i < g.L ? lse[b * g.L + i] : 0.0f;
      delta_s[threadIdx.x] = i < g.L ? delta[b * g.L + i] : 0.0f;
    }
    __syncthreads();
    float s[kPerThread], dp[kPerThread];
    row_dots<kDim>(Ks, c, Qs, lane, g.E, s);
    row_dots<kDim>(Vs, c, dOs, lane, g.Ev, dp);
#pragma unroll
    for (int t = 0; t < kPerThread; ++t) {
      const int r = lane + 4 * t;
      const int64_t i = q0 + r;
      float p = 0.0f, ds = 0.0f;
      if (i < g.L && visible(i, j, g.S, g.causal)) {
        p = expf(s[t] * g.scale - lse_s[r]);
        ds = p * (dp[t] - delta_s[r]);
      }
      Pt[c * kScoreStride + r] = p;
      dSt[c * kScoreStride + r] = ds;
    }
    __syncwarp();  // row c of Pt and dSt comes from this thread's own warp
    for (int r = 0; r < kTile; ++r) {
      axpy_row<kDim>(dv_acc, Pt[c * kScoreStride + r], dOs + r * kStride<kDim>, lane);
      axpy_row<kDim>(dk_acc, dSt[c * kScoreStride + r], Qs + r * kStride<kDim>, lane);
    }
  }
  if (j >= g.S) return;
  store_row<kDim>(dk + (b * g.S + j) * g.E, dk_acc, g.scale, g.E, lane);
  store_row<kDim>(dv + (b * g.S + j) * g.Ev, dv_acc, 1.0f, g.Ev, lane);
}

// dQ of one query tile, summed over the key tiles it sees.
template <class T, int kDim>
__global__ void __launch_bounds__(kThreads)
    backward_q_kernel(const T* __restrict__ q, const T* __restrict__ k, const T* __restrict__ v,
                      const T* __restrict__ dout, const float* __restrict__ lse, const float* __restrict__ delta,
                      T* __restrict__ dq, Geometry g) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  float* Qs = reinterpret_cast<float*>(smem_raw);
  float* dOs = Qs + tile_floats<kDim>();
  float* Ks = dOs + tile_floats<kDim>();
  float* Vs = Ks + tile_floats<kDim>();
  float* dS = Vs + tile_floats<kDim>();  // [query][key]
  const int row = threadIdx.x / 4, lane = threadIdx.x % 4;
  const int64_t tile = g.q_tiles - 1 - int64_t(blockIdx.x) % g.q_tiles;
  const int64_t b = int64_t(blockIdx.x) / g.q_tiles;
  const int64_t q0 = tile * kTile, i = q0 + row;
  const T* kb = k + b * g.S * g.E;
  const T* vb = v + b * g.S * g.Ev;
  stage_tile<kDim>(Qs, q + b * g.L * g.E, q0, g.L, g.E);
  stage_tile<kDim>(dOs, dout + b * g.L * g.Ev, q0, g.L, g.Ev);
  const float row_lse = i < g.L ? lse[b * g.L + i] : 0.0f;
  const float row_delta = i < g.L ? delta[b * g.L + i] : 0.0f;

  float dq_acc[kDim / 4];
#pragma unroll
  for (int d = 0; d < kDim / 4; ++d) dq_acc[d] = 0.0f;
  const int64_t kv_end = g.causal ? (g.S < q0 + kTile ? g.S : q0 + kTile) : g.S;
  for (int64_t kv0 = 0; kv0 < kv_end; kv0 += kTile) {
    __syncthreads();  // the previous key tile is no longer read
    stage_tile<kDim>(Ks, kb, kv0, g.S, g.E);
    stage_tile<kDim>(Vs, vb, kv0, g.S, g.Ev);
    __syncthreads();
    float s[kPerThread], dp[kPerThread];
    row_dots<kDim>(Qs, row, Ks, lane, g.E, s);
    row_dots<kDim>(dOs, row, Vs, lane, g.Ev, dp);
#pragma unroll
    for (int t = 0; t < kPerThread; ++t) {
      const int c = lane + 4 * t;
      float ds = 0.0f;
      if (i < g.L && visible(i, kv0 + c, g.S, g.causal)) {
        const float p = expf(s[t] * g.scale - row_lse);
        ds = p * (dp[t] - row_delta);
      }
      dS[row * kScoreStride + c] = ds;
    }
    __syncwarp();  // the row's dS entries come from its own four threads, all in this warp
    for (int c = 0; c < kTile; ++c) axpy_row<kDim>(dq_acc, dS[row * kScoreStride + c], Ks + c * kStride<kDim>, lane);
  }
  if (i >= g.L) return;
  store_row<kDim>(dq + (b * g.L + i) * g.E, dq_acc, g.scale, g.E, lane);
}

}  // namespace accmt::kernels::cuda::attention
