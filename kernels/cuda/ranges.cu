// CUDA arange and linspace into a fresh contiguous output. Values are computed in double
// with the CPU backend's expressions, then converted through the accumulation type, so
// both devices give the same elements. Writes are coalesced, one element per thread.
#include <cuda_runtime_api.h>

#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/launch.cuh"

namespace accmt::kernels::cuda {
namespace {

template <class T> __global__ void __launch_bounds__(kThreads) arange_kernel(T* out, int64_t n, double start, double step) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) out[i] = T(static_cast<acc_t<T>>(start + double(i) * step));
}

template <class T>
__global__ void __launch_bounds__(kThreads) linspace_kernel(T* out, int64_t n, double start, double end, double step) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    // The second half counts back from `end`, so both ends are exact.
    const double v = i < n / 2 ? start + step * double(i) : end - step * double(n - 1 - i);
    out[i] = T(static_cast<acc_t<T>>(v));
  }
}

}  // namespace

void CudaBackend::arange(const TensorRef& out, double start, double step) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(out.device_index);
  dispatch_all(out.dtype, [&]<class T>() {
    arange_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<T>(), n, start, step);
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

void CudaBackend::linspace(const TensorRef& out, double start, double end) {
  const int64_t n = out.numel();
  if (n == 0) return;
  const double step = n > 1 ? (end - start) / double(n - 1) : 0.0;
  cudaStream_t stream = stream_for(out.device_index);
  dispatch_all(out.dtype, [&]<class T>() {
    linspace_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<T>(), n, start, end, step);
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

}  // namespace accmt::kernels::cuda
