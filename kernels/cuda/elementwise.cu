// CUDA fill and copy_cast over contiguous or strided tensors. Conversions follow the
// CPU backend exactly (through the accumulation type; nonzero is true), so CUDA copies
// match the CPU bit for bit.
#include <cuda_runtime_api.h>

#include <type_traits>

#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/strided.cuh"

namespace accmt::kernels::cuda {
namespace {

template <class To, class From> __device__ inline To convert(From v) {
  if constexpr (std::is_same_v<To, bool>) return static_cast<acc_t<From>>(v) != acc_t<From>(0);
  else return To(static_cast<acc_t<From>>(v));
}

template <class T> __global__ void fill_contiguous(T* out, int64_t n, T value) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) out[i] = value;
}

template <class T> __global__ void fill_strided(T* out, int64_t n, StridedIndexer<1> ix, T value) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    int64_t off[1];
    ix.offsets(i, off);
    out[off[0]] = value;
  }
}

template <class To, class From> __global__ void copy_contiguous(To* out, const From* in, int64_t n) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) out[i] = convert<To>(in[i]);
}

template <class To, class From>
__global__ void copy_strided(To* out, const From* in, int64_t n, StridedIndexer<2> ix) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    int64_t off[2];
    ix.offsets(i, off);
    out[off[0]] = convert<To>(in[off[1]]);
  }
}

}  // namespace

void CudaBackend::fill(const TensorRef& out, const Scalar& value) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(out.device_index);
  const StridedIndexer<1> ix = make_indexer<1>({&out});
  dispatch_all(out.dtype, [&]<class T>() {
    const T v = value.to<T>();
    if (ix.contiguous()) fill_contiguous<T><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<T>(), n, v);
    else fill_strided<T><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<T>(), n, ix, v);
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
      if (ix.contiguous()) copy_contiguous<To, From><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<To>(), in.ptr<From>(), n);
      else copy_strided<To, From><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<To>(), in.ptr<From>(), n, ix);
    });
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

}  // namespace accmt::kernels::cuda
