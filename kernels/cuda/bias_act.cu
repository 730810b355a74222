// CUDA fused bias + activation, y = act(x + b) over contiguous [rows, n] with b [n]
// (kernels/common/bias_act.hpp for the math, shared with the CPU).
//   - forward: a grid-stride map; each thread moves kN elements (16 bytes) of x, b and y
//     per step when n is a multiple of kN and every pointer is 16-byte aligned (then a
//     vector never crosses a row, so the bias is one aligned vector too); otherwise kN = 1.
//   - backward: a column kernel (threads over kN-wide column vectors, looping over a slice
//     of the rows) writes grad_x and keeps the column sums of grad_x in registers; each
//     slice's sums go to a Workspace and a second kernel adds the slices in order. One
//     pass over grad_y and x, no atomics, so grad_b is the same from run to run.
#include <cuda_runtime.h>

#include <algorithm>
#include <initializer_list>

#include "kernels/common/bias_act.hpp"
#include "kernels/cuda/convert.cuh"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/vectorized.cuh"

namespace accmt::kernels::cuda {
namespace {

constexpr int kColumnWidth = 32;         // column vectors per backward block (one warp)
constexpr int kColumnDepth = 8;          // rows in flight per backward block
constexpr int64_t kColumnChunkMin = 64;  // fewest rows per slice
constexpr int64_t kColumnBlocks = 1024;  // backward blocks the slices aim for

// x + b, rounded to T as the unfused add rounds it, in the accumulation type.
template <class T> __device__ __forceinline__ acc_t<T> preactivation(T x, T b) {
  return to_acc(from_acc<T>(to_acc(x) + to_acc(b)));
}

template <class T, int kN> __device__ __forceinline__ Vec<T, kN> load_vec(const T* p, int64_t v) {
  return reinterpret_cast<const Vec<T, kN>*>(p)[v];
}

template <class T, int kN, ops::Unary kAct>
__global__ void __launch_bounds__(kThreads)
    bias_act_forward_kernel(T* __restrict__ y, const T* __restrict__ x, const T* __restrict__ b, int64_t rows,
                            int64_t n) {
  const int64_t per_row = n / kN, nvec = rows * per_row;
  for (int64_t v = global_index(); v < nvec; v += grid_stride()) {
    const Vec<T, kN> xv = load_vec<T, kN>(x, v), bv = load_vec<T, kN>(b, v % per_row);
    Vec<T, kN> o;
#pragma unroll
    for (int k = 0; k < kN; ++k) o.v[k] = from_acc<T>(ops::apply_unary(kAct, preactivation(xv.v[k], bv.v[k])));
    reinterpret_cast<Vec<T, kN>*>(y)[v] = o;
  }
}

// Block (32 x 8) over 32 column vectors and the rows [lo, hi) of slice blockIdx.y; thread
// row ty takes rows lo + ty, lo + ty + 8, ... and the 8 thread rows add up in order. With
// one slice the sums go to gb (when non-null), otherwise to partial[slice * n + column].
template <class T, int kN, ops::Unary kAct>
__global__ void __launch_bounds__(kColumnWidth * kColumnDepth)
    bias_act_backward_kernel(T* __restrict__ gx, T* __restrict__ gb, acc_t<T>* __restrict__ partial,
                             const T* __restrict__ gy, const T* __restrict__ x, const T* __restrict__ b, int64_t rows,
                             int64_t n, int64_t rows_per_slice) {
  using A = acc_t<T>;
  constexpr ops::Binary kGrad = ops::bias_act_backward_op(kAct);
  __shared__ A tile[kColumnDepth][kN][kColumnWidth + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t per_row = n / kN, cv = int64_t(blockIdx.x) * kColumnWidth + tx;
  const int64_t lo = int64_t(blockIdx.y) * rows_per_slice, hi = std::min(rows, lo + rows_per_slice);
  A s[kN];
#pragma unroll
  for (int k = 0; k < kN; ++k) s[k] = A(0);
  if (cv < per_row) {
    const Vec<T, kN> bv = load_vec<T, kN>(b, cv);
    for (int64_t r = lo + ty; r < hi; r += kColumnDepth) {
      const int64_t v = r * per_row + cv;
      const Vec<T, kN> xv = load_vec<T, kN>(x, v), gv = load_vec<T, kN>(gy, v);
      Vec<T, kN> o;
#pragma unroll
      for (int k = 0; k < kN; ++k) {
        o.v[k] = from_acc<T>(ops::apply_binary(kGrad, to_acc(gv.v[k]), preactivation(xv.v[k], bv.v[k])));
        s[k] += to_acc(o.v[k]);  // the rounded grad_x, as the unfused sum reads it
      }
      reinterpret_cast<Vec<T, kN>*>(gx)[v] = o;
    }
  }
#pragma unroll
  for (int k = 0; k < kN; ++k) tile[ty][k][tx] = s[k];
  __syncthreads();
  if (ty != 0 || cv >= per_row) return;
  for (int d = 1; d < kColumnDepth; ++d)
#pragma unroll
    for (int k = 0; k < kN; ++k) s[k] += tile[d][k][tx];
#pragma unroll
  for (int k = 0; k < kN; ++k) {
    const int64_t j = cv * kN + k;
    if (partial) partial[int64_t(blockIdx.y) * n + j] = s[k];
    else if (gb) gb[j] = from_acc<T>(s[k]);
  }
}

template <class T>
__global__ void bias_act_grad_bias_finish(T* __restrict__ gb, const acc_t<T>* __restrict__ partial, int64_t n,
                                          int64_t slices) {
  using A = acc_t<T>;
  for (int64_t j = global_index(); j < n; j += grid_stride()) {
    A s = 0;
    for (int64_t k = 0; k < slices; ++k) s += partial[k * n + j];
    gb[j] = from_acc<T>(s);
  }
}

// Calls f.template operator()<kN>() with kN = 16 bytes of T when n is a multiple of it and
// every pointer is 16-byte aligned, else kN = 1.
template <class T, class F> void with_width(int64_t n, std::initializer_list<const void*> ptrs, F&& f) {
  constexpr int kN = kVecElems<T>;
  bool vec = n % kN == 0;
  for (const void* p : ptrs) vec = vec && (p == nullptr || aligned_to(p, kVectorBytes));
  if (vec) f.template operator()<kN>();
  else f.template operator()<1>();
}

}  // namespace

void CudaBackend::bias_act_forward(ops::Unary act, const TensorRef& y, const TensorRef& x, const TensorRef& bias) {
  const int64_t n = bias.numel(), rows = n ? x.numel() / n : 0;
  if (rows == 0 || n == 0) return;
  cudaStream_t stream = stream_for(x.device_index);
  dispatch_floating(x.dtype, [&]<class T>() {
    T* yp = y.ptr<T>();
    const T *xp = x.ptr<T>(), *bp = bias.ptr<T>();
    ops::with_bias_activation(act, [&]<ops::Unary kAct>() {
      with_width<T>(n, {yp, xp, bp}, [&]<int kN>() {
        bias_act_forward_kernel<T, kN, kAct><<<blocks_for(rows * (n / kN)), kThreads, 0, stream>>>(yp, xp, bp, rows, n);
      });
    });
    ACCMT_CUDA_CHECK_LAUNCH();
  });
}

void CudaBackend::bias_act_backward(ops::Unary act, const TensorRef& grad_x, const TensorRef* grad_bias,
                                    const TensorRef& grad_y, const TensorRef& x, const TensorRef& bias) {
  const int64_t n = bias.numel(), rows = n ? x.numel() / n : 0;
  if (n == 0) return;
  cudaStream_t stream = stream_for(x.device_index);
  dispatch_floating(x.dtype, [&]<class T>() {
    using A = acc_t<T>;
    T* gbp = grad_bias ? grad_bias->ptr<T>() : nullptr;
    if (rows == 0) {  // no rows: grad_bias is an empty sum (all-zero bits)
      if (gbp) ACCMT_CUDA_CHECK(cudaMemsetAsync(gbp, 0, size_t(n) * sizeof(T), stream));
      return;
    }
    T* gxp = grad_x.ptr<T>();
    const T *gyp = grad_y.ptr<T>(), *xp = x.ptr<T>(), *bp = bias.ptr<T>();
    ops::with_bias_activation(act, [&]<ops::Unary kAct>() {
      with_width<T>(n, {gxp, gyp, xp, bp}, [&]<int kN>() {
        const int64_t col_blocks = (n / kN + kColumnWidth - 1) / kColumnWidth;
        const int64_t slices = std::clamp<int64_t>(
            std::min((rows + kColumnChunkMin - 1) / kColumnChunkMin, (kColumnBlocks + col_blocks - 1) / col_blocks),
            1, 65535);
        const int64_t rows_per_slice = (rows + slices - 1) / slices;
        const int64_t used = (rows + rows_per_slice - 1) / rows_per_slice;
        const dim3 block{kColumnWidth, kColumnDepth}, grid{unsigned(col_blocks), unsigned(used)};
        if (used == 1 || !gbp) {
          bias_act_backward_kernel<T, kN, kAct><<<grid, block, 0, stream>>>(gxp, gbp, nullptr, gyp, xp, bp, rows, n,
                                                                            rows_per_slice);
          ACCMT_CUDA_CHECK_LAUNCH();
          return;
        }
        Workspace ws(x.device_index, size_t(used * n) * sizeof(A));
        bias_act_backward_kernel<T, kN, kAct><<<grid, block, 0, stream>>>(gxp, gbp, ws.as<A>(), gyp, xp, bp, rows, n,
                                                                          rows_per_slice);
        ACCMT_CUDA_CHECK_LAUNCH();
        bias_act_grad_bias_finish<T><<<blocks_for(n), kThreads, 0, stream>>>(gbp, ws.as<A>(), n, used);
        ACCMT_CUDA_CHECK_LAUNCH();
      });
    });
  });
}

}  // namespace accmt::kernels::cuda
