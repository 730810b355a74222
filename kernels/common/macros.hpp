#pragma once
// Marks functions that both g++ and nvcc compile, so CPU and CUDA share one formula.
#if defined(__CUDACC__)
#define ACCMT_HOST_DEVICE __host__ __device__
#else
#define ACCMT_HOST_DEVICE
#endif
