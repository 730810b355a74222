#pragma once
// The public CUDA runtime API, shaped like torch.cuda: device properties, streams, events,
// the caching allocator's statistics, and CUDA graphs. In a build without CUDA every call
// here (except device_count/is_available in device.hpp) throws accmt::Error saying so.
#include <cstdint>
#include <memory>
#include <string>

#include "tensor/device.hpp"

namespace accmt::cuda {

struct DeviceProperties {
  std::string name;
  int major = 0, minor = 0;  // compute capability
  int multiprocessor_count = 0;
  size_t total_memory = 0;
  std::string pci_bus_id;  // "0000:65:00.0"
};
DeviceProperties get_device_properties(int device = 0);
int current_device();
void set_device(int device);

// A CUDA stream of one device. Default-constructed: the device's default stream (not
// owned); Stream::create makes a new one, destroyed with the last copy of the object.
class Stream {
 public:
  Stream() = default;
  static Stream create(int device = 0);
  // The calling thread's current stream, which every op on `device` launches on.
  static Stream current(int device = 0);
  int device() const { return device_; }
  void* handle() const { return handle_; }
  void synchronize() const;
  bool query() const;  // true when all queued work is done
  bool operator==(const Stream& o) const { return device_ == o.device_ && handle_ == o.handle_; }

 private:
  Stream(int device, void* handle, bool owned);
  int device_ = 0;
  void* handle_ = nullptr;
  std::shared_ptr<void> owner_;
};

// Makes `stream` current for its device on this thread until the guard ends.
class StreamGuard {
 public:
  explicit StreamGuard(const Stream& stream);
  ~StreamGuard();
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;

 private:
  Stream previous_;
};

class Event {
 public:
  explicit Event(int device = 0, bool enable_timing = false);
  void record(const Stream& stream);
  void record() { record(Stream::current(device_)); }
  void synchronize() const;
  bool query() const;
  // Milliseconds between this event and `end` (both recorded with timing enabled).
  float elapsed_time(const Event& end) const;
  void wait(const Stream& stream) const;  // `stream` waits for this event (no host wait)

 private:
  int device_;
  std::shared_ptr<void> handle_;
};

// ---- The caching allocator.
struct MemoryStats {
  int64_t allocated_bytes = 0, peak_allocated_bytes = 0;
  int64_t reserved_bytes = 0, peak_reserved_bytes = 0;
  int64_t active_blocks = 0;
  int64_t device_allocs = 0, device_frees = 0, alloc_retries = 0, oom_count = 0;
};
MemoryStats memory_stats(int device = 0);
int64_t memory_allocated(int device = 0);
int64_t memory_reserved(int device = 0);
int64_t max_memory_allocated(int device = 0);
void reset_peak_memory_stats(int device = 0);
// Returns cached, unused device blocks (and pinned host blocks) to the driver.
void empty_cache();

// ---- TF32 tensor cores for float32 matmul (off by default, like PyTorch).
void set_allow_tf32(bool allow);
bool allow_tf32();

// ---- Our fused (flash-style) attention kernel for scaled_dot_product_attention on CUDA.
// Off by default: it runs on CUDA cores, and until measured on a GPU the math path
// (cuBLAS GEMMs + softmax) is expected to be faster; the fused one needs O(L) memory
// instead of O(L*S). Works on any build (a no-op flag without CUDA).
void set_fused_attention(bool enable);
bool fused_attention_enabled();

// ---- CUDA graphs. Capture runs on a side stream made current for the capture; the ops
// in between are recorded, not run. replay() runs them again on the current stream, with
// the same buffers: inputs must be written in place into the tensors used at capture,
// and outputs read from the tensors the capture produced.
class Graph {
 public:
  Graph() = default;
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  void capture_begin(int device = 0);
  void capture_end();
  void replay();
  bool captured() const { return captured_; }

 private:
  void* handle_ = nullptr;
  int device_ = 0;
  bool captured_ = false;
  Stream capture_stream_;
  Stream previous_stream_;
};

// Whether the calling thread is capturing a graph on `device`'s current stream.
bool is_current_stream_capturing(int device = 0);

}  // namespace accmt::cuda
