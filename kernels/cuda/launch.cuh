#pragma once
// What every CUDA kernel file needs: the current stream to launch on, grid sizing for
// grid-stride loops, scratch memory from the caching allocator, and the slot kernels use
// to report an index out of range.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>

#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/runtime.hpp"

namespace accmt::kernels::cuda {

inline constexpr int kThreads = 256;
// Enough blocks to fill any current GPU; larger tensors loop (grid-stride).
inline constexpr int64_t kMaxBlocks = 1 << 16;
inline int blocks_for(int64_t n, int threads = kThreads) {
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>((n + threads - 1) / threads, kMaxBlocks)));
}

// The stream kernels for `device` launch on (also makes `device` current).
inline cudaStream_t stream_for(int device) {
  set_device(device);
  return static_cast<cudaStream_t>(current_stream(device));
}

__device__ inline int64_t global_index() { return int64_t(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ inline int64_t grid_stride() { return int64_t(gridDim.x) * blockDim.x; }

// Scratch device memory for one kernel sequence, from the caching allocator (cheap, and
// legal during graph capture). Freed when it goes out of scope; the allocator keeps the
// block for work queued on the same stream, which runs in order.
class Workspace {
 public:
  Workspace(int device, size_t nbytes);
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  template <class T> T* as() const { return static_cast<T*>(ptr_); }
  void* get() const { return ptr_; }

 private:
  int device_;
  size_t nbytes_;
  void* ptr_;
};

// Kernel-side error report: the first failing kernel writes its code and values.
struct KernelErrorSlot {
  int code;         // 0 = no error; see KernelError
  int64_t value;    // the offending index
  int64_t bound;    // the size it had to be below
};
enum KernelError : int { kNoError = 0, kIndexOutOfRange = 1 };
// Device pointer (host-mapped) of the slot for `device`; pass it to kernels that check.
KernelErrorSlot* kernel_error_slot(int device);

__device__ inline void report_index_error(KernelErrorSlot* slot, int64_t value, int64_t bound) {
  if (atomicCAS(&slot->code, int(kNoError), int(kIndexOutOfRange)) == int(kNoError)) {
    slot->value = value;
    slot->bound = bound;
    __threadfence_system();
  }
}

}  // namespace accmt::kernels::cuda
