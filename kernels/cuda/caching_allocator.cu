// The CUDA caching allocator: per-device BlockCaches over cudaMalloc, capture pools for
// CUDA graphs, statistics and the test-only allocation poison.
#include "kernels/cuda/caching_allocator.hpp"

#include <cuda_runtime_api.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "kernels/block_cache.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/launch.cuh"

namespace accmt::kernels::cuda {
namespace {

std::string gib(int64_t n) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f GiB", double(n) / double(int64_t(1) << 30));
  return buf;
}

class CudaMemorySource final : public MemorySource {
 public:
  explicit CudaMemorySource(int device) : device_(device) {}
  void* acquire(size_t nbytes) override {
    set_device(device_);
    RelaxedCaptureMode relaxed;
    void* ptr = nullptr;
    const cudaError_t err = cudaMalloc(&ptr, nbytes);
    if (err == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      return nullptr;
    }
    ACCMT_CUDA_CHECK(err);
    return ptr;
  }
  void release(void* ptr, size_t) override {
    set_device(device_);
    RelaxedCaptureMode relaxed;
    const cudaError_t err = cudaFree(ptr);
    // At process exit the runtime may already be unloading; the memory goes with it.
    if (err == cudaErrorCudartUnloading) {
      (void)cudaGetLastError();
      return;
    }
    ACCMT_CUDA_CHECK(err);
  }

 private:
  int device_;
};

struct DeviceState {
  explicit DeviceState(int device) : source(device), cache(source) {}
  CudaMemorySource source;
  BlockCache cache;
};

class Registry {
 public:
  DeviceState& device(int index) {
    if (index < 0 || index >= device_count()) set_device(index);  // throws, explaining which devices exist
    std::lock_guard<std::mutex> lock(mutex_);
    if (states_.empty()) states_.resize(size_t(device_count()));
    if (!states_[size_t(index)]) states_[size_t(index)] = std::make_unique<DeviceState>(index);
    return *states_[size_t(index)];
  }
  std::vector<DeviceState*> existing() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<DeviceState*> out;
    for (auto& s : states_)
      if (s) out.push_back(s.get());
    return out;
  }
  bool capturing() const { return open_captures_.load(std::memory_order_acquire) > 0; }
  // The pool for allocations on (device, stream): a capture's pool while one is open.
  uint64_t pool_for(int device, StreamHandle stream) {
    if (open_captures_.load(std::memory_order_acquire) == 0) return 0;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = capture_pools_.find({device, stream});
    return it == capture_pools_.end() ? 0 : it->second;
  }
  void begin_capture(int device, StreamHandle stream, uint64_t pool) {
    std::lock_guard<std::mutex> lock(mutex_);
    ACCMT_CHECK(capture_pools_.emplace(std::make_pair(device, stream), pool).second,
                "CUDA graph capture: stream ", stream, " of cuda:", device, " is already capturing");
    open_captures_.fetch_add(1, std::memory_order_release);
  }
  void end_capture(int device, StreamHandle stream) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (capture_pools_.erase({device, stream})) open_captures_.fetch_sub(1, std::memory_order_release);
  }

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<DeviceState>> states_;
  std::map<std::pair<int, StreamHandle>, uint64_t> capture_pools_;
  std::atomic<int> open_captures_{0};
};

// Never destroyed: storages released during static destruction still find it.
Registry& registry() {
  static Registry* r = new Registry();
  return *r;
}

std::atomic<bool> g_poison{false};

}  // namespace

void* DeviceAllocator::allocate(int device, size_t nbytes, StreamHandle stream) {
  DeviceState& state = registry().device(device);
  const uint64_t pool = registry().pool_for(device, stream);
  // cudaFree synchronises the device, which a capture in progress forbids: no flush then.
  void* ptr = state.cache.allocate(nbytes, reinterpret_cast<uintptr_t>(stream), pool, !registry().capturing());
  if (ptr == nullptr) {
    const BlockCacheStats s = state.cache.stats();
    size_t free_bytes = 0, total_bytes = 0;
    set_device(device);
    const bool have_info = cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess;
    (void)cudaGetLastError();
    throw Error(detail::concat(
        "CUDA out of memory: cudaMalloc could not allocate ", gib(int64_t(nbytes)), " (", nbytes, " bytes) on cuda:",
        device, " even after returning the allocator's cached blocks; ",
        have_info ? "the device has " + gib(int64_t(free_bytes)) + " free of " + gib(int64_t(total_bytes)) + "; "
                  : std::string(),
        "accmt holds ", gib(s.allocated_bytes), " in tensors and ", gib(s.reserved_bytes), " reserved"));
  }
  if (g_poison.load(std::memory_order_relaxed) && nbytes > 0) {
    set_device(device);
    ACCMT_CUDA_CHECK(cudaMemsetAsync(ptr, 0xFF, nbytes, static_cast<cudaStream_t>(stream)));
  }
  return ptr;
}

void DeviceAllocator::deallocate(int device, void* ptr) {
  // Called from storage destructors, which must not throw: report and go on.
  try {
    registry().device(device).cache.deallocate(ptr);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "accmt: freeing CUDA memory failed: %s\n", e.what());
  }
}

MemoryStats DeviceAllocator::stats(int device) {
  const BlockCacheStats s = registry().device(device).cache.stats();
  MemoryStats out;
  out.allocated_bytes = s.allocated_bytes;
  out.peak_allocated_bytes = s.peak_allocated_bytes;
  out.reserved_bytes = s.reserved_bytes;
  out.peak_reserved_bytes = s.peak_reserved_bytes;
  out.active_blocks = s.active_blocks;
  out.device_allocs = s.segment_acquires;
  out.device_frees = s.segment_releases;
  out.alloc_retries = s.alloc_retries;
  out.oom_count = s.oom_count;
  return out;
}

void DeviceAllocator::reset_peak_stats(int device) { registry().device(device).cache.reset_peaks(); }

void DeviceAllocator::empty_cache() {
  if (registry().capturing()) return;  // cudaFree would break the capture in progress
  for (DeviceState* state : registry().existing()) state->cache.release_free_segments();
}

void DeviceAllocator::begin_capture_pool(int device, StreamHandle stream, uint64_t pool_id) {
  registry().begin_capture(device, stream, pool_id);
}
void DeviceAllocator::end_capture_pool(int device, StreamHandle stream) { registry().end_capture(device, stream); }
void DeviceAllocator::release_pool(int device, uint64_t pool_id) { registry().device(device).cache.release_pool(pool_id); }

DeviceAllocator& device_allocator() {
  static DeviceAllocator allocator;
  return allocator;
}

MemoryStats memory_stats(int device) { return device_allocator().stats(device); }
void reset_peak_memory_stats(int device) { device_allocator().reset_peak_stats(device); }
void empty_cache() {
  device_allocator().empty_cache();
  release_cached_pinned_memory();
}
void set_allocation_poison(bool enabled) { g_poison.store(enabled); }

}  // namespace accmt::kernels::cuda
