// Page-locked host memory with a cache: cudaHostAlloc is slow (it maps pages for the
// GPU), and the DataLoader asks for the same batch sizes over and over.
#include <cuda_runtime_api.h>

#include <map>
#include <mutex>
#include <unordered_map>

#include "kernels/cuda/caching_allocator.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/launch.cuh"

namespace accmt::kernels::cuda {
namespace {

struct PinnedBlock {
  size_t size = 0;
  int device = -1;                // device of `ready`
  cudaEvent_t ready = nullptr;    // passes once the last copy reading the block is done
};

class PinnedCache {
 public:
  void* allocate(size_t nbytes) {
    const size_t size = bucket(nbytes);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto range = free_.equal_range(size);
      for (auto it = range.first; it != range.second; ++it) {
        void* ptr = it->second;
        if (!copies_done(blocks_[ptr])) continue;
        free_.erase(it);
        return ptr;
      }
    }
    void* ptr = host_alloc(size);
    if (ptr == nullptr) {  // out of page-locked memory: give back what the cache holds
      release_unused();
      ptr = host_alloc(size);
    }
    ACCMT_CHECK(ptr != nullptr, "cudaHostAlloc could not allocate ", size,
                " bytes of page-locked host memory (pin_memory); the system's locked-memory limit is reached");
    std::lock_guard<std::mutex> lock(mutex_);
    blocks_[ptr] = PinnedBlock{size, -1, nullptr};
    return ptr;
  }

  void free(void* ptr, int device, StreamHandle stream) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = blocks_.find(ptr);
    ACCMT_CHECK(it != blocks_.end(), "pinned_free: ", ptr, " was not allocated by pinned_allocate");
    PinnedBlock& block = it->second;
    if (device >= 0) {
      cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
      ACCMT_CUDA_CHECK(cudaStreamIsCapturing(static_cast<cudaStream_t>(stream), &capture));
      // A captured graph may read the block at every replay: it is never handed out again.
      if (capture != cudaStreamCaptureStatusNone) return;
      set_device(device);
      if (block.ready != nullptr && block.device != device) {
        ACCMT_CUDA_CHECK(cudaEventDestroy(block.ready));
        block.ready = nullptr;
      }
      if (block.ready == nullptr) ACCMT_CUDA_CHECK(cudaEventCreateWithFlags(&block.ready, cudaEventDisableTiming));
      block.device = device;
      ACCMT_CUDA_CHECK(cudaEventRecord(block.ready, static_cast<cudaStream_t>(stream)));
    }
    free_.emplace(block.size, ptr);
  }

  void release_unused() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = free_.begin(); it != free_.end();) {
      PinnedBlock& block = blocks_[it->second];
      if (!copies_done(block)) {
        ++it;
        continue;
      }
      if (block.ready != nullptr) ACCMT_CUDA_CHECK(cudaEventDestroy(block.ready));
      ACCMT_CUDA_CHECK(cudaFreeHost(it->second));
      blocks_.erase(it->second);
      it = free_.erase(it);
    }
  }

 private:
  // Power-of-two buckets from 4 KiB, so blocks of similar batches are interchangeable.
  static size_t bucket(size_t n) {
    size_t size = 4096;
    while (size < n) size *= 2;
    return size;
  }
  static void* host_alloc(size_t size) {
    void* ptr = nullptr;
    const cudaError_t err = cudaHostAlloc(&ptr, size, cudaHostAllocDefault);
    if (err == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      return nullptr;
    }
    ACCMT_CUDA_CHECK(err);
    return ptr;
  }
  static bool copies_done(const PinnedBlock& block) {
    if (block.ready == nullptr) return true;
    const cudaError_t err = cudaEventQuery(block.ready);
    if (err == cudaErrorNotReady) {
      (void)cudaGetLastError();
      return false;
    }
    ACCMT_CUDA_CHECK(err);
    return true;
  }

  std::mutex mutex_;
  std::unordered_map<void*, PinnedBlock> blocks_;
  std::multimap<size_t, void*> free_;
};

// Never destroyed: tensors freed during static destruction still find it.
PinnedCache& cache() {
  static PinnedCache* c = new PinnedCache();
  return *c;
}

}  // namespace

void* pinned_allocate(size_t nbytes) { return cache().allocate(nbytes); }
void pinned_free(void* ptr, int device, StreamHandle stream) { cache().free(ptr, device, stream); }
void release_cached_pinned_memory() { cache().release_unused(); }

bool is_pinned(const void* ptr) {
  if (ptr == nullptr || device_count() == 0) return false;
  cudaPointerAttributes attr{};
  if (cudaPointerGetAttributes(&attr, ptr) != cudaSuccess) {
    (void)cudaGetLastError();
    return false;
  }
  return attr.type == cudaMemoryTypeHost;
}

}  // namespace accmt::kernels::cuda
