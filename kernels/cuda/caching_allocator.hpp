#pragma once
// The CUDA caching allocator: one kernels::BlockCache per device over cudaMalloc, with
// statistics, out-of-memory retry after flushing the cache, and the private pools CUDA
// graph captures allocate from (kernels/block_cache.hpp has the block logic).
#include <cstddef>
#include <cstdint>

#include "kernels/cuda/runtime.hpp"

namespace accmt::kernels::cuda {

class DeviceAllocator {
 public:
  // Memory for work queued on `stream` of `device`; throws accmt::Error when the device
  // is out of memory even after the cache was returned to the driver.
  void* allocate(int device, size_t nbytes, StreamHandle stream);
  void deallocate(int device, void* ptr);
  MemoryStats stats(int device);
  void reset_peak_stats(int device);
  void empty_cache();
  // Graph capture: while a capture on (device, stream) is open, allocations on that stream
  // come from pool `pool_id` (> 0), which is never handed to other streams and only
  // returns to the driver when release_pool is called (the graph was destroyed).
  void begin_capture_pool(int device, StreamHandle stream, uint64_t pool_id);
  void end_capture_pool(int device, StreamHandle stream);
  void release_pool(int device, uint64_t pool_id);
};

DeviceAllocator& device_allocator();

// Frees the pinned host blocks no copy still reads (kernels/cuda/pinned_memory.cu).
void release_cached_pinned_memory();

}  // namespace accmt::kernels::cuda
