// CUDA softmax / log-softmax over the last dim of a contiguous [rows, cols] input.
//   - cols <= 1024: one warp per row; the row stays in registers (up to 32 values a
//     lane), so it is read once and written once, with the CPU's exact two passes
//     (max, then the sum of exp(x - max)).
//   - longer rows: one block per row; one pass keeps a running (max, sum) per thread
//     (kernels/cuda/online_softmax.cuh) and caches the row in shared memory when it fits,
//     then the output pass reads the cache (or the input again, mostly from L2).
// Outputs use the CPU's formulas: exp(x - max) * (1 / sum) and (x - max) - log(sum).
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/convert.cuh"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/online_softmax.cuh"

namespace accmt::kernels::cuda {
namespace {

constexpr int kWarpRowMax = 1024;
constexpr int kBlockRowThreads = 512;
// Below the 48 KiB a block may use without opting in, leaving room for the static
// shared memory of the block reductions.
constexpr size_t kRowCacheBytes = 44 * 1024;

struct MaxOf {
  template <class A> __device__ __forceinline__ A operator()(A a, A b) const { return b > a ? b : a; }
};

template <class A> __device__ __forceinline__ A softmax_out(A x, A m, A inv_sum, A log_sum, bool log) {
  using std::exp;
  return log ? (x - m) - log_sum : exp(x - m) * inv_sum;
}

// One warp per row, kPerLane values a lane (column lane + 32 k).
template <class T, int kPerLane>
__global__ void softmax_warp_rows(T* __restrict__ out, const T* __restrict__ in, int64_t rows, int cols, bool log) {
  using A = acc_t<T>;
  using std::exp;
  const int lane = threadIdx.x & 31;
  const int per_block = blockDim.x >> 5;
  for (int64_t r = int64_t(blockIdx.x) * per_block + (threadIdx.x >> 5); r < rows; r += int64_t(gridDim.x) * per_block) {
    const T* x = in + r * cols;
    A v[kPerLane];
    A m = -std::numeric_limits<A>::infinity();
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int c = lane + 32 * k;
      v[k] = c < cols ? to_acc(x[c]) : -std::numeric_limits<A>::infinity();
      m = v[k] > m ? v[k] : m;  // NaN never becomes the max (the sum carries it)
    }
    m = warp_all_reduce(m, MaxOf());
    if (m == -std::numeric_limits<A>::infinity()) m = A(0);  // an all -inf row
    // exp(v - m) is computed once: softmax keeps it in v for the output pass.
    A s = 0;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      if (lane + 32 * k >= cols) continue;
      const A e = exp(v[k] - m);
      s += e;
      if (!log) v[k] = e;
    }
    s = warp_all_reduce(s, Plus());
    const A inv = A(1) / s;
    const A ls = log ? std::log(s) : A(0);
    T* y = out + r * cols;
#pragma unroll
    for (int k = 0; k < kPerLane; ++k) {
      const int c = lane + 32 * k;
      if (c < cols) y[c] = from_acc<T>(log ? (v[k] - m) - ls : v[k] * inv);
    }
  }
}

// One block per row; kCache keeps the row (as A) in dynamic shared memory.
template <class T, bool kCache>
__global__ void softmax_block_rows(T* __restrict__ out, const T* __restrict__ in, int64_t rows, int64_t cols, bool log) {
  using A = acc_t<T>;
  extern __shared__ __align__(16) unsigned char row_cache_bytes[];
  A* cache = reinterpret_cast<A*>(row_cache_bytes);
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* x = in + r * cols;
    MaxSum<A> st = MaxSum<A>::empty();
#pragma unroll 4
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
      const A v = to_acc(x[c]);
      if constexpr (kCache) cache[c] = v;
      st.add(v);
    }
    st = block_all_reduce(st, MergeMaxSum(), MaxSum<A>::empty());
    st.finish();
    const A inv = A(1) / st.s;
    const A ls = log ? std::log(st.s) : A(0);
    T* y = out + r * cols;
    // A thread only ever touches cache slots c = its rank + k * blockDim.x, in this row
    // and the next: no barrier is needed around the cache.
#pragma unroll 4
    for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
      const A v = kCache ? cache[c] : to_acc(x[c]);
      y[c] = from_acc<T>(softmax_out(v, st.m, inv, ls, log));
    }
  }
}

template <class T, int kPerLane> void launch_warp_rows(T* out, const T* in, int64_t rows, int cols, bool log, cudaStream_t stream) {
  constexpr int kRowsPerBlock = kThreads / 32;
  const int64_t blocks = std::min<int64_t>((rows + kRowsPerBlock - 1) / kRowsPerBlock, kMaxBlocks);
  softmax_warp_rows<T, kPerLane><<<unsigned(blocks), kThreads, 0, stream>>>(out, in, rows, cols, log);
}

}  // namespace

void CudaBackend::softmax_lastdim(const TensorRef& out, const TensorRef& in, bool log) {
  const int64_t cols = in.ndim ? in.sizes[in.ndim - 1] : 1;
  const int64_t n = in.numel();
  if (n == 0 || cols == 0) return;
  const int64_t rows = n / cols;
  cudaStream_t stream = stream_for(in.device_index);
  dispatch_floating(in.dtype, [&]<class T>() {
    using A = acc_t<T>;
    T* y = out.ptr<T>();
    const T* x = in.ptr<T>();
    if (cols <= kWarpRowMax) {
      const int c = int(cols);
      if (c <= 32) launch_warp_rows<T, 1>(y, x, rows, c, log, stream);
      else if (c <= 64) launch_warp_rows<T, 2>(y, x, rows, c, log, stream);
      else if (c <= 128) launch_warp_rows<T, 4>(y, x, rows, c, log, stream);
      else if (c <= 256) launch_warp_rows<T, 8>(y, x, rows, c, log, stream);
      else if (c <= 512) launch_warp_rows<T, 16>(y, x, rows, c, log, stream);
      else launch_warp_rows<T, 32>(y, x, rows, c, log, stream);
    } else {
      const unsigned blocks = unsigned(std::min<int64_t>(rows, kMaxBlocks));
      const size_t cache_bytes = size_t(cols) * sizeof(A);
      if (cache_bytes <= kRowCacheBytes)
        softmax_block_rows<T, true><<<blocks, kBlockRowThreads, cache_bytes, stream>>>(y, x, rows, cols, log);
      else
        softmax_block_rows<T, false><<<blocks, kBlockRowThreads, 0, stream>>>(y, x, rows, cols, log);
    }
    ACCMT_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace accmt::kernels::cuda
