// Devices, streams, events and the kernel error slot (kernels/cuda/runtime.hpp).
#include <cuda_runtime_api.h>

#include <mutex>
#include <string>
#include <vector>

#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/runtime.hpp"

namespace accmt::kernels::cuda {
namespace {

int count_devices() {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  // No GPU, or no driver at all (a build machine): zero devices, not an error.
  if (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver) {
    (void)cudaGetLastError();
    return 0;
  }
  if (err != cudaSuccess) throw_cuda_error(err, "cudaGetDeviceCount", __FILE__, __LINE__);
  return n;
}

void check_device(int device) {
  const int n = device_count();
  ACCMT_CHECK(device >= 0 && device < n, "CUDA device cuda:", device, " does not exist: ",
              n == 0 ? "this machine has no usable CUDA device (no GPU or no driver)"
                     : "valid indices are 0.." + std::to_string(n - 1));
}

// The calling thread's current stream per device (nullptr: the legacy default stream).
std::vector<cudaStream_t>& thread_streams() {
  thread_local std::vector<cudaStream_t> streams;
  if (streams.empty()) streams.assign(size_t(std::max(device_count(), 1)), nullptr);
  return streams;
}

}  // namespace

// The set of visible devices is fixed for the life of a process, so count once.
int device_count() {
  static const int n = count_devices();
  return n;
}

void set_device(int device) {
  check_device(device);
  // cudaSetDevice is cheap but not free; skip it when the device is already current.
  thread_local int current = -1;
  if (current == device) return;
  ACCMT_CUDA_CHECK(cudaSetDevice(device));
  current = device;
}

int current_device() {
  int d = 0;
  ACCMT_CUDA_CHECK(cudaGetDevice(&d));
  return d;
}

DeviceProperties device_properties(int device) {
  check_device(device);
  cudaDeviceProp p{};
  ACCMT_CUDA_CHECK(cudaGetDeviceProperties(&p, device));
  DeviceProperties out;
  out.name = p.name;
  out.major = p.major;
  out.minor = p.minor;
  out.multiprocessor_count = p.multiProcessorCount;
  out.total_memory = p.totalGlobalMem;
  out.max_threads_per_block = p.maxThreadsPerBlock;
  out.shared_memory_per_block = p.sharedMemPerBlockOptin;
  out.l2_cache_size = p.l2CacheSize;
  char bus[32] = {};
  ACCMT_CUDA_CHECK(cudaDeviceGetPCIBusId(bus, sizeof bus, device));
  out.pci_bus_id = bus;
  return out;
}

StreamHandle current_stream(int device) {
  check_device(device);
  return thread_streams()[size_t(device)];
}

void set_current_stream(int device, StreamHandle stream) {
  check_device(device);
  thread_streams()[size_t(device)] = static_cast<cudaStream_t>(stream);
}

StreamHandle create_stream(int device) {
  set_device(device);
  cudaStream_t s = nullptr;
  ACCMT_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  return s;
}

void destroy_stream(int device, StreamHandle stream) {
  if (stream == nullptr) return;
  set_device(device);
  ACCMT_CUDA_CHECK(cudaStreamDestroy(static_cast<cudaStream_t>(stream)));
}

void stream_synchronize(int device, StreamHandle stream) {
  set_device(device);
  ACCMT_CUDA_CHECK(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)));
  raise_pending_kernel_error(device);
}

bool stream_query(int device, StreamHandle stream) {
  set_device(device);
  const cudaError_t err = cudaStreamQuery(static_cast<cudaStream_t>(stream));
  if (err == cudaErrorNotReady) {
    (void)cudaGetLastError();
    return false;
  }
  ACCMT_CUDA_CHECK(err);
  return true;
}

EventHandle create_event(int device, bool enable_timing) {
  set_device(device);
  cudaEvent_t e = nullptr;
  ACCMT_CUDA_CHECK(cudaEventCreateWithFlags(&e, enable_timing ? cudaEventDefault : cudaEventDisableTiming));
  return e;
}

void destroy_event(int device, EventHandle event) {
  if (event == nullptr) return;
  set_device(device);
  ACCMT_CUDA_CHECK(cudaEventDestroy(static_cast<cudaEvent_t>(event)));
}

void record_event(int device, EventHandle event, StreamHandle stream) {
  set_device(device);
  ACCMT_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(event), static_cast<cudaStream_t>(stream)));
}

void event_synchronize(int device, EventHandle event) {
  set_device(device);
  ACCMT_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(event)));
  raise_pending_kernel_error(device);
}

bool event_query(int device, EventHandle event) {
  set_device(device);
  const cudaError_t err = cudaEventQuery(static_cast<cudaEvent_t>(event));
  if (err == cudaErrorNotReady) {
    (void)cudaGetLastError();
    return false;
  }
  ACCMT_CUDA_CHECK(err);
  return true;
}

float event_elapsed_ms(int device, EventHandle start, EventHandle end) {
  set_device(device);
  float ms = 0;
  ACCMT_CUDA_CHECK(cudaEventElapsedTime(&ms, static_cast<cudaEvent_t>(start), static_cast<cudaEvent_t>(end)));
  return ms;
}

void stream_wait_event(int device, StreamHandle stream, EventHandle event) {
  set_device(device);
  ACCMT_CUDA_CHECK(cudaStreamWaitEvent(static_cast<cudaStream_t>(stream), static_cast<cudaEvent_t>(event), 0));
}

// ---- Kernel error slots: one host-mapped slot per device, allocated on first use.
KernelErrorSlot* kernel_error_slot(int device) {
  static std::mutex mutex;
  static std::vector<KernelErrorSlot*> host_slots, device_slots;
  std::lock_guard<std::mutex> lock(mutex);
  check_device(device);
  if (host_slots.empty()) {
    host_slots.assign(size_t(device_count()), nullptr);
    device_slots.assign(size_t(device_count()), nullptr);
  }
  if (host_slots[size_t(device)] == nullptr) {
    set_device(device);
    void* host = nullptr;
    ACCMT_CUDA_CHECK(cudaHostAlloc(&host, sizeof(KernelErrorSlot), cudaHostAllocMapped));
    *static_cast<KernelErrorSlot*>(host) = KernelErrorSlot{kNoError, 0, 0};
    void* dev = nullptr;
    ACCMT_CUDA_CHECK(cudaHostGetDevicePointer(&dev, host, 0));
    host_slots[size_t(device)] = static_cast<KernelErrorSlot*>(host);
    device_slots[size_t(device)] = static_cast<KernelErrorSlot*>(dev);
  }
  return device_slots[size_t(device)];
}

void raise_pending_kernel_error(int device) {
  // The mapped slot reads the same through either pointer on 64-bit systems (unified
  // addressing), which every GPU this library supports has.
  KernelErrorSlot* slot = kernel_error_slot(device);
  volatile KernelErrorSlot* s = slot;
  if (s->code == kNoError) return;
  const int code = s->code;
  const int64_t value = s->value, bound = s->bound;
  s->value = 0;
  s->bound = 0;
  s->code = kNoError;
  if (code == kIndexOutOfRange)
    throw Error(detail::concat("index ", value, " is out of range for a dimension of size ", bound,
                               " (found by a kernel reading indices on cuda:", device,
                               "; valid indices are 0..size-1; raised at the next synchronisation)"));
  throw Error(detail::concat("a CUDA kernel on cuda:", device, " reported error code ", code));
}

}  // namespace accmt::kernels::cuda
