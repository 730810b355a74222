#pragma once
// Every CUDA runtime call is checked: a failure becomes accmt::Error naming the call, the
// source location and CUDA's own description.
#include <cuda_runtime_api.h>

#include "kernels/common/error.hpp"

namespace accmt::kernels::cuda {

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line) {
  // Clear the error so that later, unrelated calls do not report it again (sticky errors
  // such as a kernel fault stay until the process ends; CUDA gives no way to clear them).
  (void)cudaGetLastError();
  throw Error(detail::concat("CUDA error in ", call, " at ", file, ":", line, ": ", cudaGetErrorName(err), " (",
                             cudaGetErrorString(err), ")"));
}

// Library calls that allocate or synchronise (cudaMalloc, cudaFree, cublasCreate,
// cudnnCreate) are forbidden to a thread capturing a graph in the default (thread-local)
// mode; relaxed mode allows them for the guard's lifetime (they are not part of the graph).
class RelaxedCaptureMode {
 public:
  RelaxedCaptureMode() { (void)cudaThreadExchangeStreamCaptureMode(&mode_); }
  ~RelaxedCaptureMode() { (void)cudaThreadExchangeStreamCaptureMode(&mode_); }
  RelaxedCaptureMode(const RelaxedCaptureMode&) = delete;
  RelaxedCaptureMode& operator=(const RelaxedCaptureMode&) = delete;

 private:
  cudaStreamCaptureMode mode_ = cudaStreamCaptureModeRelaxed;
};

}  // namespace accmt::kernels::cuda

#define ACCMT_CUDA_CHECK(call)                                                          \
  do {                                                                                  \
    const cudaError_t accmt_cuda_err_ = (call);                                         \
    if (accmt_cuda_err_ != cudaSuccess)                                                 \
      ::accmt::kernels::cuda::throw_cuda_error(accmt_cuda_err_, #call, __FILE__, __LINE__); \
  } while (0)

// After a kernel launch: reports bad launch configurations at the launch site.
#define ACCMT_CUDA_CHECK_LAUNCH() ACCMT_CUDA_CHECK(cudaGetLastError())
