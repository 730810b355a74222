// CUDA where (pick a or b by a bool condition) and clamp (NaN-propagating bounds of
// kernels/common/ops.hpp, in the accumulation type). Both take the vector path when every
// operand is dense or a broadcast single value.
#include <cuda_runtime_api.h>

#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/vectorized.cuh"

namespace accmt::kernels::cuda {
namespace {

template <class T> struct Select {
  __device__ T operator()(bool c, T a, T b) const { return c ? a : b; }
};

template <class T>
__global__ void __launch_bounds__(kThreads)
    where_contiguous(T* out, In<bool> cond, In<T> a, In<T> b, int64_t n, bool vectorized) {
  contiguous_loop<kVecElems<T>>(Select<T>{}, out, n, vectorized, cond, a, b);
}

template <class T, class Ix>
__global__ void __launch_bounds__(kThreads)
    where_strided(T* out, const bool* cond, const T* a, const T* b, int64_t n, Ix ix) {
  strided_loop(Select<T>{}, out, n, ix, cond, a, b);
}

// Calls run(f) with f the clamp of one element to the bounds present.
template <class T, class Run>
__device__ void with_clamp_bounds(bool has_lo, bool has_hi, acc_t<T> lo, acc_t<T> hi, const Run& run) {
  using A = acc_t<T>;
  if (has_lo && has_hi) return run([=](T x) { return T(ops::clamp_above(ops::clamp_below(A(x), lo), hi)); });
  if (has_lo) return run([=](T x) { return T(ops::clamp_below(A(x), lo)); });
  if (has_hi) return run([=](T x) { return T(ops::clamp_above(A(x), hi)); });
  run([](T x) { return T(A(x)); });
}

template <class T>
__global__ void __launch_bounds__(kThreads) clamp_contiguous(T* out, In<T> in, int64_t n, bool vectorized, bool has_lo,
                                                             bool has_hi, acc_t<T> lo, acc_t<T> hi) {
  with_clamp_bounds<T>(has_lo, has_hi, lo, hi,
                       [&](const auto& f) { contiguous_loop<kVecElems<T>>(f, out, n, vectorized, in); });
}

template <class T, class Ix>
__global__ void __launch_bounds__(kThreads) clamp_strided(T* out, const T* in, int64_t n, Ix ix, bool has_lo,
                                                          bool has_hi, acc_t<T> lo, acc_t<T> hi) {
  with_clamp_bounds<T>(has_lo, has_hi, lo, hi, [&](const auto& f) { strided_loop(f, out, n, ix, in); });
}

}  // namespace

void CudaBackend::where(const TensorRef& out, const TensorRef& cond, const TensorRef& a, const TensorRef& b) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(out.device_index);
  const StridedIndexer<4> ix = make_indexer<4>({&out, &cond, &a, &b});
  dispatch_all(out.dtype, [&]<class T>() {
    if (dense_or_broadcast(ix, 0) && dense_or_broadcast(ix, 1) && dense_or_broadcast(ix, 2) &&
        dense_or_broadcast(ix, 3)) {
      constexpr int kN = kVecElems<T>;  // the bool condition moves kN bytes
      const In<bool> c{cond.ptr<const bool>(), ix.strides[1][0] == 0};
      const In<T> x{a.ptr<const T>(), ix.strides[2][0] == 0}, y{b.ptr<const T>(), ix.strides[3][0] == 0};
      const bool vectorized = aligned_to(out.data, int64_t(sizeof(T)) * kN) && vector_ready(c, kN) &&
                              vector_ready(x, kN) && vector_ready(y, kN);
      where_contiguous<T><<<contiguous_blocks(n, vectorized, kN), kThreads, 0, stream>>>(out.ptr<T>(), c, x, y, n,
                                                                                           vectorized);
    } else {
      with_indexer(ix, n, [&](const auto& index) {
        where_strided<T><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<T>(), cond.ptr<const bool>(),
                                                                 a.ptr<const T>(), b.ptr<const T>(), n, index);
      });
    }
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

void CudaBackend::clamp(const TensorRef& out, const TensorRef& in, const Scalar* lo, const Scalar* hi) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(out.device_index);
  const StridedIndexer<2> ix = make_indexer<2>({&out, &in});
  dispatch_all(in.dtype, [&]<class T>() {
    using A = acc_t<T>;
    const bool has_lo = lo != nullptr, has_hi = hi != nullptr;
    const A l = has_lo ? lo->to<A>() : A(0), h = has_hi ? hi->to<A>() : A(0);
    if (dense_or_broadcast(ix, 0) && dense_or_broadcast(ix, 1)) {
      constexpr int kN = kVecElems<T>;
      const In<T> x{in.ptr<const T>(), ix.strides[1][0] == 0};
      const bool vectorized = aligned_to(out.data, int64_t(sizeof(T)) * kN) && vector_ready(x, kN);
      clamp_contiguous<T><<<contiguous_blocks(n, vectorized, kN), kThreads, 0, stream>>>(
          out.ptr<T>(), x, n, vectorized, has_lo, has_hi, l, h);
    } else {
      with_indexer(ix, n, [&](const auto& index) {
        clamp_strided<T><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<T>(), in.ptr<const T>(), n, index, has_lo,
                                                                 has_hi, l, h);
      });
    }
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

}  // namespace accmt::kernels::cuda
