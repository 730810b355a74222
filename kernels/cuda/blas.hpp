#pragma once
// cuBLAS plumbing shared by the CUDA GEMM paths: status checks that name the failing call,
// and the TF32 switch (off by default, like torch.backends.cuda.matmul.allow_tf32).
// Plain C++ apart from the check macro, so tests and front-ends may include it.
#include <cstdint>

#include "kernels/common/error.hpp"

namespace accmt::kernels::cuda {

// Whether float32 GEMMs may round their inputs to TF32 on tensor cores (faster, about
// 1e-3 relative error). Process-wide; read at every GEMM.
void set_allow_tf32(bool allow);
bool allow_tf32();

// Throws accmt::Error for a failed cuBLAS status (an int, so this header needs no cuBLAS
// include): names the call, the source location and cuBLAS's description.
[[noreturn]] void throw_cublas_error(int status, const char* call, const char* file, int line);

}  // namespace accmt::kernels::cuda

#define ACCMT_CUBLAS_CHECK(call)                                                                \
  do {                                                                                          \
    const int accmt_cublas_status_ = static_cast<int>(call);                                    \
    if (accmt_cublas_status_ != 0)                                                              \
      ::accmt::kernels::cuda::throw_cublas_error(accmt_cublas_status_, #call, __FILE__, __LINE__); \
  } while (0)
