#pragma once
// The CUDA runtime seen from plain C++ (the tensor layer, tests, the Trainer): devices,
// streams, events, memory statistics, pinned host memory, graph capture and the deferred
// errors kernels report. No CUDA headers here, so g++-compiled code can include it;
// handles are opaque pointers (cudaStream_t, cudaEvent_t, cudaGraphExec_t underneath).
// Defined in kernels/cuda/*.cu; only present in builds with ACCMT_WITH_CUDA.
#include <cstddef>
#include <cstdint>
#include <string>

namespace accmt::kernels::cuda {

struct DeviceProperties {
  std::string name;
  int major = 0, minor = 0;         // compute capability
  int multiprocessor_count = 0;
  size_t total_memory = 0;          // bytes
  int max_threads_per_block = 0;
  size_t shared_memory_per_block = 0;  // bytes, opt-in maximum
  int l2_cache_size = 0;
  std::string pci_bus_id;  // "0000:65:00.0", how NVML names the device
};

int device_count();
DeviceProperties device_properties(int device);
int current_device();
// Makes device current, with a clear error when no such device exists.
void set_device(int device);

// ---- Streams. Every kernel launches on the calling thread's current stream of its
// device (default: the device's legacy default stream, nullptr).
using StreamHandle = void*;
StreamHandle current_stream(int device);
void set_current_stream(int device, StreamHandle stream);
StreamHandle create_stream(int device);  // non-blocking with respect to the default stream
void destroy_stream(int device, StreamHandle stream);
void stream_synchronize(int device, StreamHandle stream);
bool stream_query(int device, StreamHandle stream);  // true when all its work is done

using EventHandle = void*;
EventHandle create_event(int device, bool enable_timing);
void destroy_event(int device, EventHandle event);
void record_event(int device, EventHandle event, StreamHandle stream);
void event_synchronize(int device, EventHandle event);
bool event_query(int device, EventHandle event);
float event_elapsed_ms(int device, EventHandle start, EventHandle end);
void stream_wait_event(int device, StreamHandle stream, EventHandle event);

// ---- Caching allocator statistics (bytes and counts), for the Monitor and tests.
struct MemoryStats {
  int64_t allocated_bytes = 0, peak_allocated_bytes = 0;  // handed out to tensors
  int64_t reserved_bytes = 0, peak_reserved_bytes = 0;    // held from the driver
  int64_t active_blocks = 0;
  int64_t device_allocs = 0, device_frees = 0;            // cudaMalloc / cudaFree calls
  int64_t alloc_retries = 0;                              // cache flushed after an out-of-memory
  int64_t oom_count = 0;
};
MemoryStats memory_stats(int device);
void reset_peak_memory_stats(int device);
// Returns every cached block that no tensor uses to the driver (all devices).
void empty_cache();
// Test aid: fill every block the allocator hands out with 0xFF bytes (NaN for floats, -1
// for integers), so a kernel that misses an output element shows it.
void set_allocation_poison(bool enabled);

// ---- Page-locked host memory (cached), for fast and asynchronous host<->device copies.
void* pinned_allocate(size_t nbytes);
// The block is reused only after the work queued on `stream` of `device` at this moment
// (an asynchronous copy reading it) has finished.
void pinned_free(void* ptr, int device, StreamHandle stream);
bool is_pinned(const void* ptr);

// ---- CUDA graphs: capture the work queued on a (non-default) stream, then replay it.
// Allocations made during a capture come from a pool private to the graph, so replays
// find their buffers where the capture left them.
using GraphHandle = void*;
GraphHandle graph_capture_begin(int device, StreamHandle stream);
void graph_capture_end(GraphHandle graph);
void graph_replay(GraphHandle graph);
void graph_destroy(GraphHandle graph);
bool is_capturing(int device);

// ---- Errors found inside kernels (an index out of range): kernels record the first one
// in a host-mapped slot; it is raised here, as accmt::Error, at the next synchronisation
// point (synchronize, a copy to the host).
void raise_pending_kernel_error(int device);

}  // namespace accmt::kernels::cuda
