// CUDA binary maps: arithmetic (out in the inputs' dtype), comparisons and logical ops
// (out bool), and the fused activation backwards (grad * f'(x)), with the formulas of
// kernels/common/ops.hpp in the accumulation type. The op switch runs once per thread,
// outside the element loops. Tensor-scalar operands (stride 0) stay on the vector path.
#include <cuda_runtime_api.h>

#include <type_traits>
#include <utility>

#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/vectorized.cuh"

namespace accmt::kernels::cuda {
namespace {

#define ACCMT_ARITH_CASE(NAME)                                                                 \
  case ops::Binary::NAME:                                                                      \
    return run([](T a, T b) { return T(ops::apply_binary(ops::Binary::NAME, acc_t<T>(a), acc_t<T>(b))); });
#define ACCMT_COMPARE_CASE(NAME) \
  case ops::Binary::NAME:        \
    return run([](T a, T b) { return ops::apply_compare(ops::Binary::NAME, acc_t<T>(a), acc_t<T>(b)); });
#define ACCMT_COMPARE_CASES                                                                                      \
  ACCMT_COMPARE_CASE(Eq) ACCMT_COMPARE_CASE(Ne) ACCMT_COMPARE_CASE(Lt) ACCMT_COMPARE_CASE(Le)                    \
  ACCMT_COMPARE_CASE(Gt) ACCMT_COMPARE_CASE(Ge) ACCMT_COMPARE_CASE(LogicalAnd) ACCMT_COMPARE_CASE(LogicalOr) \
  ACCMT_COMPARE_CASE(LogicalXor)

// Calls run(f) with f the element function of `op` on T; f returns T for arithmetic and
// bool for comparisons.
template <class T, class Run> __device__ void with_binary_op(ops::Binary op, const Run& run) {
  if constexpr (std::is_floating_point_v<acc_t<T>>) {
    switch (op) {
      ACCMT_ARITH_CASE(Add) ACCMT_ARITH_CASE(Sub) ACCMT_ARITH_CASE(Mul) ACCMT_ARITH_CASE(Div)
      ACCMT_ARITH_CASE(Pow) ACCMT_ARITH_CASE(Maximum) ACCMT_ARITH_CASE(Minimum) ACCMT_ARITH_CASE(Remainder)
      ACCMT_ARITH_CASE(FloorDivide) ACCMT_ARITH_CASE(Atan2) ACCMT_ARITH_CASE(GeluExactBackward)
      ACCMT_ARITH_CASE(GeluTanhBackward) ACCMT_ARITH_CASE(SiluBackward) ACCMT_ARITH_CASE(SigmoidBackwardFromOutput)
      ACCMT_ARITH_CASE(TanhBackwardFromOutput) ACCMT_ARITH_CASE(ReluBackward) ACCMT_ARITH_CASE(SoftplusBackward)
      ACCMT_COMPARE_CASES
    }
  } else {
    // Integers and bool: the ops ops.hpp defines on integers get their own loop; the
    // floating-only ones (which return `a` there) share one that keeps the op at run time.
    switch (op) {
      ACCMT_ARITH_CASE(Add) ACCMT_ARITH_CASE(Sub) ACCMT_ARITH_CASE(Mul) ACCMT_ARITH_CASE(Div)
      ACCMT_ARITH_CASE(Pow) ACCMT_ARITH_CASE(Maximum) ACCMT_ARITH_CASE(Minimum) ACCMT_ARITH_CASE(Remainder)
      ACCMT_ARITH_CASE(FloorDivide) ACCMT_ARITH_CASE(ReluBackward)
      ACCMT_COMPARE_CASES
      default: return run([op](T a, T b) { return T(ops::apply_binary(op, acc_t<T>(a), acc_t<T>(b))); });
    }
  }
}
#undef ACCMT_ARITH_CASE
#undef ACCMT_COMPARE_CASE
#undef ACCMT_COMPARE_CASES

// The output element type of f (T or bool).
template <class T, class F> using result_of_t = decltype(std::declval<const F&>()(std::declval<T>(), std::declval<T>()));

template <class T>
__global__ void __launch_bounds__(kThreads)
    binary_contiguous(ops::Binary op, void* out, In<T> a, In<T> b, int64_t n, bool vectorized) {
  with_binary_op<T>(op, [&](const auto& f) {
    using TO = result_of_t<T, std::decay_t<decltype(f)>>;
    contiguous_loop<kVecElems<T>>(f, static_cast<TO*>(out), n, vectorized, a, b);
  });
}

template <class T, class Ix>
__global__ void __launch_bounds__(kThreads)
    binary_strided(ops::Binary op, void* out, const T* a, const T* b, int64_t n, Ix ix) {
  with_binary_op<T>(op, [&](const auto& f) {
    using TO = result_of_t<T, std::decay_t<decltype(f)>>;
    strided_loop(f, static_cast<TO*>(out), n, ix, a, b);
  });
}

}  // namespace

void CudaBackend::binary(ops::Binary op, const TensorRef& out, const TensorRef& a, const TensorRef& b) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(out.device_index);
  const StridedIndexer<3> ix = make_indexer<3>({&out, &a, &b});
  dispatch_all(a.dtype, [&]<class T>() {
    if (dense_or_broadcast(ix, 0) && dense_or_broadcast(ix, 1) && dense_or_broadcast(ix, 2)) {
      constexpr int kN = kVecElems<T>;  // bool outputs are narrower, never wider
      const In<T> x{a.ptr<const T>(), ix.strides[1][0] == 0}, y{b.ptr<const T>(), ix.strides[2][0] == 0};
      const bool vectorized =
          aligned_to(out.data, dtype_size(out.dtype) * kN) && vector_ready(x, kN) && vector_ready(y, kN);
      binary_contiguous<T><<<contiguous_blocks(n, vectorized, kN), kThreads, 0, stream>>>(op, out.data, x, y, n,
                                                                                            vectorized);
    } else {
      with_indexer(ix, n, [&](const auto& index) {
        binary_strided<T><<<blocks_for(n), kThreads, 0, stream>>>(op, out.data, a.ptr<const T>(), b.ptr<const T>(), n,
                                                                  index);
      });
    }
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

}  // namespace accmt::kernels::cuda
