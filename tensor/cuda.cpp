// The public CUDA runtime API (tensor/cuda.hpp) over kernels/cuda/runtime.hpp, and
// Tensor::pin_memory. Without CUDA in the build, each call explains that.
#include "tensor/cuda.hpp"

#include <atomic>
#include <utility>

#include "kernels/common/error.hpp"
#include "tensor/tensor.hpp"
#ifdef ACCMT_WITH_CUDA
#include "kernels/cuda/blas.hpp"
#include "kernels/cuda/runtime.hpp"
#endif

namespace accmt {
namespace cuda {

#ifdef ACCMT_WITH_CUDA
namespace rt = kernels::cuda;
#define ACCMT_REQUIRE_CUDA(what) ((void)0)
#else
#define ACCMT_REQUIRE_CUDA(what)                                                                          \
  throw Error(std::string("accmt::cuda::") + what +                                                      \
              ": this build of accmt has no CUDA support (configured without nvcc or with ACCMT_CUDA=OFF)")
#endif

DeviceProperties get_device_properties(int device) {
  ACCMT_REQUIRE_CUDA("get_device_properties");
#ifdef ACCMT_WITH_CUDA
  const rt::DeviceProperties p = rt::device_properties(device);
  return DeviceProperties{p.name, p.major, p.minor, p.multiprocessor_count, p.total_memory, p.pci_bus_id};
#endif
}

int current_device() {
  ACCMT_REQUIRE_CUDA("current_device");
#ifdef ACCMT_WITH_CUDA
  return rt::current_device();
#endif
}

void set_device(int device) {
  ACCMT_REQUIRE_CUDA("set_device");
#ifdef ACCMT_WITH_CUDA
  rt::set_device(device);
#endif
}

// ---- Stream
Stream::Stream(int device, void* handle, bool owned) : device_(device), handle_(handle) {
#ifdef ACCMT_WITH_CUDA
  if (owned) owner_ = std::shared_ptr<void>(handle, [device](void* h) {
    try {
      rt::destroy_stream(device, h);
    } catch (...) {  // destructors do not throw; a failed destroy only leaks the stream
    }
  });
#endif
}

Stream Stream::create(int device) {
  ACCMT_REQUIRE_CUDA("Stream::create");
#ifdef ACCMT_WITH_CUDA
  return Stream(device, rt::create_stream(device), true);
#endif
}

Stream Stream::current(int device) {
  ACCMT_REQUIRE_CUDA("Stream::current");
#ifdef ACCMT_WITH_CUDA
  Stream s(device, rt::current_stream(device), false);
  return s;
#endif
}

void Stream::synchronize() const {
  ACCMT_REQUIRE_CUDA("Stream::synchronize");
#ifdef ACCMT_WITH_CUDA
  rt::stream_synchronize(device_, handle_);
#endif
}

bool Stream::query() const {
  ACCMT_REQUIRE_CUDA("Stream::query");
#ifdef ACCMT_WITH_CUDA
  return rt::stream_query(device_, handle_);
#endif
}

StreamGuard::StreamGuard(const Stream& stream) : previous_(Stream::current(stream.device())) {
#ifdef ACCMT_WITH_CUDA
  rt::set_current_stream(stream.device(), stream.handle());
#endif
}

StreamGuard::~StreamGuard() {
#ifdef ACCMT_WITH_CUDA
  rt::set_current_stream(previous_.device(), previous_.handle());
#endif
}

// ---- Event
Event::Event(int device, bool enable_timing) : device_(device) {
  ACCMT_REQUIRE_CUDA("Event");
#ifdef ACCMT_WITH_CUDA
  handle_ = std::shared_ptr<void>(rt::create_event(device, enable_timing), [device](void* h) {
    try {
      rt::destroy_event(device, h);
    } catch (...) {  // destructors do not throw
    }
  });
#endif
}

void Event::record(const Stream& stream) {
  ACCMT_CHECK(stream.device() == device_, "Event::record: the event belongs to cuda:", device_,
              " but the stream to cuda:", stream.device());
#ifdef ACCMT_WITH_CUDA
  rt::record_event(device_, handle_.get(), stream.handle());
#endif
}

void Event::synchronize() const {
#ifdef ACCMT_WITH_CUDA
  rt::event_synchronize(device_, handle_.get());
#endif
}

bool Event::query() const {
#ifdef ACCMT_WITH_CUDA
  return rt::event_query(device_, handle_.get());
#else
  return true;
#endif
}

float Event::elapsed_time(const Event& end) const {
#ifdef ACCMT_WITH_CUDA
  return rt::event_elapsed_ms(device_, handle_.get(), end.handle_.get());
#else
  return 0;
#endif
}

void Event::wait(const Stream& stream) const {
#ifdef ACCMT_WITH_CUDA
  rt::stream_wait_event(stream.device(), stream.handle(), handle_.get());
#endif
}

// ---- Memory
MemoryStats memory_stats(int device) {
  ACCMT_REQUIRE_CUDA("memory_stats");
#ifdef ACCMT_WITH_CUDA
  const rt::MemoryStats s = rt::memory_stats(device);
  return MemoryStats{s.allocated_bytes, s.peak_allocated_bytes, s.reserved_bytes, s.peak_reserved_bytes,
                     s.active_blocks,   s.device_allocs,        s.device_frees,   s.alloc_retries,
                     s.oom_count};
#endif
}
int64_t memory_allocated(int device) { return memory_stats(device).allocated_bytes; }
int64_t memory_reserved(int device) { return memory_stats(device).reserved_bytes; }
int64_t max_memory_allocated(int device) { return memory_stats(device).peak_allocated_bytes; }

void reset_peak_memory_stats(int device) {
  ACCMT_REQUIRE_CUDA("reset_peak_memory_stats");
#ifdef ACCMT_WITH_CUDA
  rt::reset_peak_memory_stats(device);
#endif
}

void empty_cache() {
#ifdef ACCMT_WITH_CUDA
  if (is_available()) rt::empty_cache();
#endif
}

void set_allow_tf32(bool allow) {
#ifdef ACCMT_WITH_CUDA
  rt::set_allow_tf32(allow);
#else
  (void)allow;  // no CUDA matmul in this build: nothing to configure
#endif
}

bool allow_tf32() {
#ifdef ACCMT_WITH_CUDA
  return rt::allow_tf32();
#else
  return false;
#endif
}

namespace {
std::atomic<bool> g_fused_attention{false};
}  // namespace
void set_fused_attention(bool enable) { g_fused_attention.store(enable); }
bool fused_attention_enabled() { return g_fused_attention.load(); }

// ---- Graph
Graph::~Graph() {
#ifdef ACCMT_WITH_CUDA
  if (handle_ == nullptr) return;
  try {
    if (!captured_) rt::set_current_stream(previous_stream_.device(), previous_stream_.handle());
    rt::graph_destroy(handle_);
  } catch (...) {  // destructors do not throw
  }
#endif
}

void Graph::capture_begin(int device) {
  ACCMT_REQUIRE_CUDA("Graph::capture_begin");
#ifdef ACCMT_WITH_CUDA
  ACCMT_CHECK(handle_ == nullptr, "Graph::capture_begin: this graph was already captured; make a new Graph");
  device_ = device;
  previous_stream_ = Stream::current(device);
  capture_stream_ = Stream::create(device);
  // The side stream starts after the work already queued on the current one.
  Event ready(device);
  ready.record(previous_stream_);
  ready.wait(capture_stream_);
  handle_ = rt::graph_capture_begin(device, capture_stream_.handle());
  rt::set_current_stream(device, capture_stream_.handle());
#endif
}

void Graph::capture_end() {
  ACCMT_CHECK(handle_ != nullptr && !captured_, "Graph::capture_end without capture_begin");
#ifdef ACCMT_WITH_CUDA
  rt::set_current_stream(device_, previous_stream_.handle());
  rt::graph_capture_end(handle_);
  captured_ = true;
#endif
}

void Graph::replay() {
  ACCMT_CHECK(captured_, "Graph::replay: capture the graph first (capture_begin ... capture_end)");
#ifdef ACCMT_WITH_CUDA
  rt::graph_replay(handle_);
#endif
}

bool is_current_stream_capturing(int device) {
#ifdef ACCMT_WITH_CUDA
  return is_available() && rt::is_capturing(device);
#else
  return false;
#endif
}

}  // namespace cuda

// ---- Pinned memory
Tensor Tensor::pin_memory() const {
  ACCMT_CHECK(device().is_cpu(), "pin_memory: only CPU tensors can be pinned, this one is on ", device().str());
#ifdef ACCMT_WITH_CUDA
  if (!cuda::is_available()) return *this;  // nothing to pin for: the tensor is used as is
  if (is_pinned()) return *this;
  const size_t nbytes = size_t(numel() * dtype_size(dtype()));
  void* data = kernels::cuda::pinned_allocate(nbytes);
  Tensor out = from_blob(data, sizes(), TensorOptions{.dtype = dtype(), .device = kCPU}, [](void* p) {
    try {
      const int device = kernels::cuda::current_device();
      kernels::cuda::pinned_free(p, device, kernels::cuda::current_stream(device));
    } catch (...) {  // deleters do not throw; the block is leaked
    }
  });
  out.copy_(*this);
  return out;
#else
  return *this;
#endif
}

bool Tensor::is_pinned() const {
#ifdef ACCMT_WITH_CUDA
  return defined() && device().is_cpu() && kernels::cuda::is_pinned(data_ptr());
#else
  return false;
#endif
}

}  // namespace accmt
