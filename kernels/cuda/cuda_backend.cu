// CUDA memory, synchronisation and copies between host and device.
#include "kernels/cuda/cuda_backend.hpp"

#include <cuda_runtime_api.h>

#include <cstring>

#include "kernels/cuda/caching_allocator.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/launch.cuh"

namespace accmt::kernels {

Backend& cuda_backend() {
  static cuda::CudaBackend instance;
  return instance;
}

namespace cuda {
namespace {

// The device that owns a device pointer (copies run on its current stream).
int device_of(const void* ptr, const char* what) {
  cudaPointerAttributes attr{};
  ACCMT_CUDA_CHECK(cudaPointerGetAttributes(&attr, ptr));
  ACCMT_CHECK(attr.type == cudaMemoryTypeDevice || attr.type == cudaMemoryTypeManaged,
              "CUDA copy: the ", what, " pointer ", ptr,
              " is not CUDA device memory; a tensor on a cuda device must hold device memory");
  return attr.device;
}

}  // namespace

int CudaBackend::device_count() { return cuda::device_count(); }

void* CudaBackend::allocate(int device_index, size_t nbytes) {
  return device_allocator().allocate(device_index, nbytes, current_stream(device_index));
}

void CudaBackend::deallocate(int device_index, void* ptr, size_t) {
  if (ptr != nullptr) device_allocator().deallocate(device_index, ptr);
}

void CudaBackend::synchronize(int device_index) {
  set_device(device_index);
  ACCMT_CUDA_CHECK(cudaDeviceSynchronize());
  raise_pending_kernel_error(device_index);
}

void CudaBackend::copy_bytes(void* dst, const void* src, size_t nbytes, bool dst_on_host, bool src_on_host) {
  if (nbytes == 0) return;
  if (dst_on_host && src_on_host) {
    std::memcpy(dst, src, nbytes);
    return;
  }
  if (dst_on_host) {  // device -> host: after the stream's queued work; the host waits
    const int device = device_of(src, "source");
    cudaStream_t stream = stream_for(device);
    ACCMT_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToHost, stream));
    ACCMT_CUDA_CHECK(cudaStreamSynchronize(stream));
    raise_pending_kernel_error(device);
    return;
  }
  if (src_on_host) {
    // host -> device. From pageable memory CUDA stages the bytes before returning, so
    // the caller may reuse its buffer; from pinned memory the copy is truly
    // asynchronous and pinned_free keeps the buffer until the stream has passed it.
    const int device = device_of(dst, "destination");
    ACCMT_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, stream_for(device)));
    return;
  }
  const int dst_device = device_of(dst, "destination"), src_device = device_of(src, "source");
  if (dst_device == src_device) {
    ACCMT_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToDevice, stream_for(dst_device)));
    return;
  }
  // Across devices, ordered by events rather than host waits: the copy (on the
  // destination's stream) starts after the source's queued writes, and the source's
  // stream waits for the copy before anything there may reuse the source block.
  cudaStream_t src_stream = stream_for(src_device);
  cudaEvent_t written = nullptr, copied = nullptr;
  ACCMT_CUDA_CHECK(cudaEventCreateWithFlags(&written, cudaEventDisableTiming));
  ACCMT_CUDA_CHECK(cudaEventRecord(written, src_stream));
  cudaStream_t dst_stream = stream_for(dst_device);
  ACCMT_CUDA_CHECK(cudaStreamWaitEvent(dst_stream, written, 0));
  ACCMT_CUDA_CHECK(cudaMemcpyPeerAsync(dst, dst_device, src, src_device, nbytes, dst_stream));
  ACCMT_CUDA_CHECK(cudaEventCreateWithFlags(&copied, cudaEventDisableTiming));
  ACCMT_CUDA_CHECK(cudaEventRecord(copied, dst_stream));
  ACCMT_CUDA_CHECK(cudaStreamWaitEvent(stream_for(src_device), copied, 0));
  // Destroying a recorded event is safe: CUDA releases it once it has completed.
  ACCMT_CUDA_CHECK(cudaEventDestroy(written));
  ACCMT_CUDA_CHECK(cudaEventDestroy(copied));
}

Workspace::Workspace(int device, size_t nbytes)
    : device_(device), nbytes_(nbytes), ptr_(cuda_backend().allocate(device, nbytes)) {}
Workspace::~Workspace() { cuda_backend().deallocate(device_, ptr_, nbytes_); }

}  // namespace cuda
}  // namespace accmt::kernels
