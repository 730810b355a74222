// CUDA LayerNorm / RMSNorm forward and backward over contiguous [rows, cols] (the fused
// normalisation family of kernels/backend.hpp), with kernels/common/norm.hpp's math and
// the CPU's two-pass statistics (mean, then the mean of squared deviations).
//   - cols <= 1024: one warp per row, the row held in registers (read once);
//   - longer rows: one block per row, the row cached in shared memory when it fits (else
//     the later passes read it again, mostly from L2).
//   - dweight / dbias: a column kernel (threads over columns, loops over a slice of the
//     rows) writes per-slice partial sums to a Workspace, and a second kernel adds the
//     slices in order; no atomics, so the sums are identical from run to run.
#include <cuda_runtime.h>

#include <algorithm>

#include "kernels/common/norm.hpp"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/convert.cuh"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/launch.cuh"

namespace accmt::kernels::cuda {
namespace {

constexpr int64_t kWarpRowMax = 1024;
constexpr int kBlockRowThreads = 512;
// Below the 48 KiB a block may use without opting in, leaving room for the static
// shared memory of the block reductions.
constexpr size_t kRowCacheBytes = 44 * 1024;
constexpr int kColumnWidth = 32;              // columns per parameter-gradient block
constexpr int kColumnDepth = 8;               // rows in flight per parameter-gradient block
constexpr int64_t kColumnChunkMin = 64;       // fewest rows per slice
constexpr int64_t kColumnBlocks = 1024;       // blocks the slices aim for

template <class A> struct Pair {
  A a, b;
};
struct PairPlus {
  template <class P> __device__ __forceinline__ P operator()(P x, P y) const { return {x.a + y.a, x.b + y.b}; }
};

// ---- forward

// One warp per row, kPerLane values a lane (column lane + 32 k).
template <class T, int kPerLane>
__global__ void ln_forward_warp(T* __restrict__ y, acc_t<T>* __restrict__ mean, acc_t<T>* __restrict__ rstd,
                                const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ b, int64_t rows,
                                int n, double eps) {
  using A = acc_t<T>;
  const int lane = threadIdx.x & 31;
  const int per_block = blockDim.x >> 5;
  for (int64_t r = int64_t(blockIdx.x) * per_block + (threadIdx.x >> 5); r < rows; r += int64_t(gridDim.x) * per_block) {
    const T* xr = x + r * n;
    A v[kPerLane];
    A sum = 0;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int c = lane + 32 * k;
      v[k] = c < n ? to_acc(xr[c]) : A(0);
      sum += v[k];
    }
    A mu = 0;
    if (mean) mu = warp_all_reduce(sum, Plus()) / A(n);
    A sq = 0;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k)
      if (lane + 32 * k < n) sq += (v[k] - mu) * (v[k] - mu);
    const A rs = ops::norm_rstd(warp_all_reduce(sq, Plus()) / A(n), eps);
    if (lane == 0) {
      if (mean) mean[r] = mu;
      rstd[r] = rs;
    }
    T* yr = y + r * n;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int c = lane + 32 * k;
      if (c < n) yr[c] = from_acc<T>(ops::norm_forward(v[k], mu, rs, w ? to_acc(w[c]) : A(1), b ? to_acc(b[c]) : A(0)));
    }
  }
}

// One block per row; kCache keeps the row (as A) in dynamic shared memory. A thread only
// ever touches the cache slots c = its rank + k * blockDim.x, so no barrier guards them.
template <class T, bool kCache>
__global__ void ln_forward_block(T* __restrict__ y, acc_t<T>* __restrict__ mean, acc_t<T>* __restrict__ rstd,
                                 const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ b,
                                 int64_t rows, int64_t n, double eps) {
  using A = acc_t<T>;
  extern __shared__ __align__(16) unsigned char ln_cache_bytes[];
  A* cache = reinterpret_cast<A*>(ln_cache_bytes);
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + r * n;
    A mu = 0;
    if (mean) {
      A sum = 0;
#pragma unroll 4
      for (int64_t c = threadIdx.x; c < n; c += blockDim.x) {
        const A v = to_acc(xr[c]);
        if constexpr (kCache) cache[c] = v;
        sum += v;
      }
      mu = block_all_reduce(sum, Plus(), A(0)) / A(n);
    }
    A sq = 0;
#pragma unroll 4
    for (int64_t c = threadIdx.x; c < n; c += blockDim.x) {
      A v;
      if constexpr (kCache) {
        if (mean) {
          v = cache[c];
        } else {
          v = to_acc(xr[c]);
          cache[c] = v;
        }
      } else {
        v = to_acc(xr[c]);
      }
      sq += (v - mu) * (v - mu);
    }
    const A rs = ops::norm_rstd(block_all_reduce(sq, Plus(), A(0)) / A(n), eps);
    if (threadIdx.x == 0) {
      if (mean) mean[r] = mu;
      rstd[r] = rs;
    }
    T* yr = y + r * n;
#pragma unroll 4
    for (int64_t c = threadIdx.x; c < n; c += blockDim.x) {
      const A v = kCache ? cache[c] : to_acc(xr[c]);
      yr[c] = from_acc<T>(ops::norm_forward(v, mu, rs, w ? to_acc(w[c]) : A(1), b ? to_acc(b[c]) : A(0)));
    }
  }
}

// ---- backward: dx

// One warp per row: x and dy in registers; sums of g and g * xhat, then dx.
template <class T, int kPerLane>
__global__ void ln_backward_dx_warp(T* __restrict__ dx, const T* __restrict__ dy, const T* __restrict__ x,
                                    const acc_t<T>* __restrict__ mean, const acc_t<T>* __restrict__ rstd,
                                    const T* __restrict__ w, int64_t rows, int n) {
  using A = acc_t<T>;
  const int lane = threadIdx.x & 31;
  const int per_block = blockDim.x >> 5;
  for (int64_t r = int64_t(blockIdx.x) * per_block + (threadIdx.x >> 5); r < rows; r += int64_t(gridDim.x) * per_block) {
    const A mu = mean ? mean[r] : A(0), rs = rstd[r];
    A xh[kPerLane], g[kPerLane];
    Pair<A> s{A(0), A(0)};
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int c = lane + 32 * k;
      xh[k] = g[k] = A(0);
      if (c < n) {
        xh[k] = (to_acc(x[r * n + c]) - mu) * rs;
        g[k] = w ? to_acc(dy[r * n + c]) * to_acc(w[c]) : to_acc(dy[r * n + c]);
        s.a += g[k];
        s.b += g[k] * xh[k];
      }
    }
    s = warp_all_reduce(s, PairPlus());
    const A mg = mean ? s.a / A(n) : A(0), mgx = s.b / A(n);  // RMSNorm: no mean(g) term
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int c = lane + 32 * k;
      if (c < n) dx[r * n + c] = from_acc<T>(ops::norm_backward_dx(g[k], xh[k], rs, mg, mgx));
    }
  }
}

// One block per row; kCache keeps xhat and g (as A) in dynamic shared memory.
template <class T, bool kCache>
__global__ void ln_backward_dx_block(T* __restrict__ dx, const T* __restrict__ dy, const T* __restrict__ x,
                                     const acc_t<T>* __restrict__ mean, const acc_t<T>* __restrict__ rstd,
                                     const T* __restrict__ w, int64_t rows, int64_t n) {
  using A = acc_t<T>;
  extern __shared__ __align__(16) unsigned char ln_grad_cache_bytes[];
  A* cache_xh = reinterpret_cast<A*>(ln_grad_cache_bytes);
  A* cache_g = cache_xh + n;
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const A mu = mean ? mean[r] : A(0), rs = rstd[r];
    const T* xr = x + r * n;
    const T* dyr = dy + r * n;
    Pair<A> s{A(0), A(0)};
#pragma unroll 4
    for (int64_t c = threadIdx.x; c < n; c += blockDim.x) {
      const A xh = (to_acc(xr[c]) - mu) * rs, g = w ? to_acc(dyr[c]) * to_acc(w[c]) : to_acc(dyr[c]);
      if constexpr (kCache) {
        cache_xh[c] = xh;
        cache_g[c] = g;
      }
      s.a += g;
      s.b += g * xh;
    }
    s = block_all_reduce(s, PairPlus(), Pair<A>{A(0), A(0)});
    const A mg = mean ? s.a / A(n) : A(0), mgx = s.b / A(n);
    T* dxr = dx + r * n;
#pragma unroll 4
    for (int64_t c = threadIdx.x; c < n; c += blockDim.x) {
      A xh, g;
      if constexpr (kCache) {
        xh = cache_xh[c];
        g = cache_g[c];
      } else {
        xh = (to_acc(xr[c]) - mu) * rs;
        g = w ? to_acc(dyr[c]) * to_acc(w[c]) : to_acc(dyr[c]);
      }
      dxr[c] = from_acc<T>(ops::norm_backward_dx(g, xh, rs, mg, mgx));
    }
  }
}

// ---- backward: dweight / dbias

// Block (32 x 8) over 32 adjacent columns and rows [lo, hi) of slice blockIdx.y; thread
// row ty takes rows lo + ty, lo + ty + 8, ... and the 8 thread rows add up in order.
// With one slice the sums go to dw/db, otherwise to partial[(slice * 2 + {0,1}) * n + j].
template <class T>
__global__ void ln_param_grads(T* __restrict__ dw, T* __restrict__ db, acc_t<T>* __restrict__ partial,
                               const T* __restrict__ dy, const T* __restrict__ x, const acc_t<T>* __restrict__ mean,
                               const acc_t<T>* __restrict__ rstd, int64_t rows, int64_t n, int64_t rows_per_slice) {
  using A = acc_t<T>;
  __shared__ Pair<A> tile[kColumnDepth][kColumnWidth + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t j = int64_t(blockIdx.x) * kColumnWidth + tx;
  const int64_t lo = int64_t(blockIdx.y) * rows_per_slice, hi = std::min(rows, lo + rows_per_slice);
  Pair<A> s{A(0), A(0)};
  if (j < n) {
    for (int64_t r = lo + ty; r < hi; r += kColumnDepth) {
      const A d = to_acc(dy[r * n + j]);
      const A xh = (to_acc(x[r * n + j]) - (mean ? mean[r] : A(0))) * rstd[r];
      s.a += d * xh;
      s.b += d;
    }
  }
  tile[ty][tx] = s;
  __syncthreads();
  if (ty != 0 || j >= n) return;
  for (int k = 1; k < kColumnDepth; ++k) s = PairPlus()(s, tile[k][tx]);
  if (partial) {
    partial[(int64_t(blockIdx.y) * 2) * n + j] = s.a;
    partial[(int64_t(blockIdx.y) * 2 + 1) * n + j] = s.b;
    return;
  }
  if (dw) dw[j] = from_acc<T>(s.a);
  if (db) db[j] = from_acc<T>(s.b);
}

template <class T>
__global__ void ln_param_grads_finish(T* __restrict__ dw, T* __restrict__ db, const acc_t<T>* __restrict__ partial,
                                      int64_t n, int64_t slices) {
  using A = acc_t<T>;
  for (int64_t j = global_index(); j < n; j += grid_stride()) {
    A sw = 0, sb = 0;
    for (int64_t s = 0; s < slices; ++s) {
      sw += partial[(s * 2) * n + j];
      sb += partial[(s * 2 + 1) * n + j];
    }
    if (dw) dw[j] = from_acc<T>(sw);
    if (db) db[j] = from_acc<T>(sb);
  }
}

template <class T> const T* opt_ptr(const TensorRef* t) { return t ? t->ptr<T>() : nullptr; }
template <class T> T* opt_mut(const TensorRef* t) { return t ? t->ptr<T>() : nullptr; }

unsigned warp_row_blocks(int64_t rows) {
  constexpr int kRowsPerBlock = kThreads / 32;
  return unsigned(std::min<int64_t>((rows + kRowsPerBlock - 1) / kRowsPerBlock, kMaxBlocks));
}

// Calls f.template operator()<kPerLane>() with the smallest register row that holds n <= 1024.
template <class F> void with_lanes(int64_t n, F&& f) {
  if (n <= 32) f.template operator()<1>();
  else if (n <= 64) f.template operator()<2>();
  else if (n <= 128) f.template operator()<4>();
  else if (n <= 256) f.template operator()<8>();
  else if (n <= 512) f.template operator()<16>();
  else f.template operator()<32>();
}

}  // namespace

void CudaBackend::layer_norm_forward(const TensorRef& y, const TensorRef* mean, const TensorRef& rstd,
                                     const TensorRef& x, const TensorRef* weight, const TensorRef* bias, double eps) {
  const int64_t rows = rstd.numel();
  if (rows == 0) return;
  const int64_t n = x.numel() / rows;
  if (n == 0) return;
  cudaStream_t stream = stream_for(x.device_index);
  dispatch_floating(x.dtype, [&]<class T>() {
    using A = acc_t<T>;
    T* yp = y.ptr<T>();
    A* mp = opt_mut<A>(mean);
    A* rp = rstd.ptr<A>();
    const T *xp = x.ptr<T>(), *wp = opt_ptr<T>(weight), *bp = opt_ptr<T>(bias);
    if (n <= kWarpRowMax) {
      with_lanes(n, [&]<int kPerLane>() {
        ln_forward_warp<T, kPerLane><<<warp_row_blocks(rows), kThreads, 0, stream>>>(yp, mp, rp, xp, wp, bp, rows,
                                                                                    int(n), eps);
      });
    } else {
      const unsigned blocks = unsigned(std::min<int64_t>(rows, kMaxBlocks));
      const size_t cache = size_t(n) * sizeof(A);
      if (cache <= kRowCacheBytes)
        ln_forward_block<T, true><<<blocks, kBlockRowThreads, cache, stream>>>(yp, mp, rp, xp, wp, bp, rows, n, eps);
      else
        ln_forward_block<T, false><<<blocks, kBlockRowThreads, 0, stream>>>(yp, mp, rp, xp, wp, bp, rows, n, eps);
    }
    ACCMT_CUDA_CHECK_LAUNCH();
  });
}

void CudaBackend::layer_norm_backward(const TensorRef* dx, const TensorRef* dweight, const TensorRef* dbias,
                                      const TensorRef& dy, const TensorRef& x, const TensorRef* mean,
                                      const TensorRef& rstd, const TensorRef* weight) {
  const int64_t rows = rstd.numel();
  const int64_t n = rows ? x.numel() / rows : (dweight ? dweight->numel() : dbias ? dbias->numel() : 0);
  cudaStream_t stream = stream_for(x.device_index);
  dispatch_floating(x.dtype, [&]<class T>() {
    using A = acc_t<T>;
    T *dwp = opt_mut<T>(dweight), *dbp = opt_mut<T>(dbias);
    if (rows == 0 || n == 0) {  // no rows: the parameter gradients are zero (all-zero bits)
      if (dwp && n) ACCMT_CUDA_CHECK(cudaMemsetAsync(dwp, 0, size_t(n) * sizeof(T), stream));
      if (dbp && n) ACCMT_CUDA_CHECK(cudaMemsetAsync(dbp, 0, size_t(n) * sizeof(T), stream));
      return;
    }
    const T *dyp = dy.ptr<T>(), *xp = x.ptr<T>(), *wp = opt_ptr<T>(weight);
    const A *mp = opt_ptr<A>(mean), *rp = rstd.ptr<A>();
    if (dx) {
      T* dxp = dx->ptr<T>();
      if (n <= kWarpRowMax) {
        with_lanes(n, [&]<int kPerLane>() {
          ln_backward_dx_warp<T, kPerLane><<<warp_row_blocks(rows), kThreads, 0, stream>>>(dxp, dyp, xp, mp, rp, wp,
                                                                                          rows, int(n));
        });
      } else {
        const unsigned blocks = unsigned(std::min<int64_t>(rows, kMaxBlocks));
        const size_t cache = 2 * size_t(n) * sizeof(A);
        if (cache <= kRowCacheBytes)
          ln_backward_dx_block<T, true><<<blocks, kBlockRowThreads, cache, stream>>>(dxp, dyp, xp, mp, rp, wp, rows, n);
        else
          ln_backward_dx_block<T, false><<<blocks, kBlockRowThreads, 0, stream>>>(dxp, dyp, xp, mp, rp, wp, rows, n);
      }
      ACCMT_CUDA_CHECK_LAUNCH();
    }
    if (!dwp && !dbp) return;
    const int64_t col_blocks = (n + kColumnWidth - 1) / kColumnWidth;
    const int64_t slices = std::clamp<int64_t>(
        std::min((rows + kColumnChunkMin - 1) / kColumnChunkMin, (kColumnBlocks + col_blocks - 1) / col_blocks), 1,
        65535);
    const int64_t rows_per_slice = (rows + slices - 1) / slices;
    const int64_t used = (rows + rows_per_slice - 1) / rows_per_slice;
    const dim3 block{kColumnWidth, kColumnDepth}, grid{unsigned(col_blocks), unsigned(used)};
    if (used == 1) {
      ln_param_grads<T><<<grid, block, 0, stream>>>(dwp, dbp, nullptr, dyp, xp, mp, rp, rows, n, rows_per_slice);
      ACCMT_CUDA_CHECK_LAUNCH();
      return;
    }
    Workspace ws(x.device_index, size_t(used * 2 * n) * sizeof(A));
    ln_param_grads<T><<<grid, block, 0, stream>>>(dwp, dbp, ws.as<A>(), dyp, xp, mp, rp, rows, n, rows_per_slice);
    ACCMT_CUDA_CHECK_LAUNCH();
    ln_param_grads_finish<T><<<blocks_for(n), kThreads, 0, stream>>>(dwp, dbp, ws.as<A>(), n, used);
    ACCMT_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace accmt::kernels::cuda
