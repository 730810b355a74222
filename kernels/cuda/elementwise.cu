// CUDA fill and copy_cast over contiguous or strided tensors. Conversions follow the
// CPU backend exactly (through the accumulation type; nonzero is true), so CUDA copies
// match the CPU bit for bit. Dense outputs take the 16-byte vector loops of vectorized.cuh.
#include <cuda_runtime_api.h>

#include <type_traits>

#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/strided.cuh"
#include "kernels/cuda/vectorized.cuh"

namespace accmt::kernels::cuda {
namespace {

template <class To, class From> __device__ inline To convert(From v) {
  if constexpr (std::is_same_v<To, bool>) return static_cast<acc_t<From>>(v) != acc_t<From>(0);
  else return To(static_cast<acc_t<From>>(v));
}

template <class T> struct Constant {
  T value;
  __device__ T operator()() const { return value; }
};

template <class T> struct Convert {
  template <class From> __device__ T operator()(From v) const { return convert<T>(v); }
};

template <class T> __global__ void fill_contiguous(T* out, int64_t n, T value, bool vectorized) {
  contiguous_loop<kVecElems<T>>(Constant<T>{value}, out, n, vectorized);
}

template <class T, class Ix> __global__ void fill_strided(T* out, int64_t n, Ix ix, T value) {
  strided_loop(Constant<T>{value}, out, n, ix);
}

template <class To, class From>
__global__ void copy_contiguous(To* out, In<From> in, int64_t n, bool vectorized) {
  contiguous_loop<kVecElems<To, From>>(Convert<To>{}, out, n, vectorized, in);
}

template <class To, class From, class Ix> __global__ void copy_strided(To* out, const From* in, int64_t n, Ix ix) {
  strided_loop(Convert<To>{}, out, n, ix, in);
}

}  // namespace

void CudaBackend::fill(const TensorRef& out, const Scalar& value) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(out.device_index);
  const StridedIndexer<1> ix = make_indexer<1>({&out});
  dispatch_all(out.dtype, [&]<class T>() {
    const T v = value.to<T>();
    if (ix.contiguous()) {
      constexpr int kN = kVecElems<T>;
      const bool vectorized = aligned_to(out.data, int64_t(sizeof(T)) * kN);
      fill_contiguous<T><<<contiguous_blocks(n, vectorized, kN), kThreads, 0, stream>>>(out.ptr<T>(), n, v, vectorized);
    } else {
      with_indexer(ix, n, [&](const auto& index) {
        fill_strided<T><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<T>(), n, index, v);
      });
    }
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

void CudaBackend::copy_cast(const TensorRef& out, const TensorRef& in) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(out.device_index);
  const StridedIndexer<2> ix = make_indexer<2>({&out, &in});
  if (out.dtype == in.dtype && ix.contiguous()) {  // a plain device-to-device copy
    ACCMT_CUDA_CHECK(cudaMemcpyAsync(out.data, in.data, size_t(n * dtype_size(out.dtype)),
                                     cudaMemcpyDeviceToDevice, stream));
    return;
  }
  dispatch_all(out.dtype, [&]<class To>() {
    dispatch_all(in.dtype, [&]<class From>() {
      if (dense_or_broadcast(ix, 0) && dense_or_broadcast(ix, 1)) {
        constexpr int kN = kVecElems<To, From>;
        const In<From> x{in.ptr<const From>(), ix.strides[1][0] == 0};
        const bool vectorized = aligned_to(out.data, int64_t(sizeof(To)) * kN) && vector_ready(x, kN);
        copy_contiguous<To, From><<<contiguous_blocks(n, vectorized, kN), kThreads, 0, stream>>>(out.ptr<To>(), x, n,
                                                                                                   vectorized);
      } else {
        with_indexer(ix, n, [&](const auto& index) {
          copy_strided<To, From><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<To>(), in.ptr<const From>(), n, index);
        });
      }
    });
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

}  // namespace accmt::kernels::cuda
