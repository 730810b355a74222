#pragma once
// Marks functions that both g++ and nvcc compile, so CPU and CUDA share one formula.
#if defined(__CUDACC__)
#define ACCMT_HOST_DEVICE __host__ __device__
#define ACCMT_FORCE_INLINE __forceinline__
#else
#define ACCMT_HOST_DEVICE
#define ACCMT_FORCE_INLINE inline __attribute__((always_inline))
#endif
