// CUDA unary maps (neg, exp, gelu, ...): out[i] = op(in[i]) in the accumulation type, with
// the formulas of kernels/common/ops.hpp. The op switch runs once per thread, outside the
// element loops, so every loop body is a straight-line function of one element.
#include <cuda_runtime_api.h>

#include <type_traits>

#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/vectorized.cuh"

namespace accmt::kernels::cuda {
namespace {

#define ACCMT_UNARY_CASE(NAME) \
  case ops::Unary::NAME: return run([](T x) { return T(ops::apply_unary(ops::Unary::NAME, acc_t<T>(x))); });

// Calls run(f) with f the element function of `op` on T.
template <class T, class Run> __device__ void with_unary_op(ops::Unary op, const Run& run) {
  if constexpr (std::is_floating_point_v<acc_t<T>>) {
    switch (op) {
      ACCMT_FOR_EACH_UNARY(ACCMT_UNARY_CASE)
    }
  } else {
    // Integers and bool: the ops that change integers get their own loop; the others are
    // the identity in ops.hpp and share one loop that keeps the op at run time.
    switch (op) {
      ACCMT_UNARY_CASE(Neg) ACCMT_UNARY_CASE(Abs) ACCMT_UNARY_CASE(Relu) ACCMT_UNARY_CASE(Sign)
      ACCMT_UNARY_CASE(Square) ACCMT_UNARY_CASE(LogicalNot)
      default: return run([op](T x) { return T(ops::apply_unary(op, acc_t<T>(x))); });
    }
  }
}
#undef ACCMT_UNARY_CASE

template <class T>
__global__ void __launch_bounds__(kThreads) unary_contiguous(ops::Unary op, T* out, In<T> in, int64_t n, bool vectorized) {
  with_unary_op<T>(op, [&](const auto& f) { contiguous_loop<kVecElems<T>>(f, out, n, vectorized, in); });
}

template <class T, class Ix>
__global__ void __launch_bounds__(kThreads) unary_strided(ops::Unary op, T* out, const T* in, int64_t n, Ix ix) {
  with_unary_op<T>(op, [&](const auto& f) { strided_loop(f, out, n, ix, in); });
}

}  // namespace

void CudaBackend::unary(ops::Unary op, const TensorRef& out, const TensorRef& in) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(out.device_index);
  const StridedIndexer<2> ix = make_indexer<2>({&out, &in});
  dispatch_all(in.dtype, [&]<class T>() {
    if (dense_or_broadcast(ix, 0) && dense_or_broadcast(ix, 1)) {
      constexpr int kN = kVecElems<T>;
      const In<T> x{in.ptr<const T>(), ix.strides[1][0] == 0};
      const bool vectorized = aligned_to(out.data, int64_t(sizeof(T)) * kN) && vector_ready(x, kN);
      unary_contiguous<T><<<contiguous_blocks(n, vectorized, kN), kThreads, 0, stream>>>(op, out.ptr<T>(), x, n,
                                                                                           vectorized);
    } else {
      with_indexer(ix, n, [&](const auto& index) {
        unary_strided<T><<<blocks_for(n), kThreads, 0, stream>>>(op, out.ptr<T>(), in.ptr<const T>(), n, index);
      });
    }
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

}  // namespace accmt::kernels::cuda
