// CUDA devices: selection, memory, synchronisation and copies between host and device.
#include "kernels/cuda/cuda_backend.hpp"

#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "kernels/cuda/cuda_check.hpp"

namespace accmt::kernels {

Backend& cuda_backend() {
  static cuda::CudaBackend instance;
  return instance;
}

namespace cuda {
namespace {

// "1.50 GiB (1610612736 bytes)": sizes in errors read better with a unit.
std::string format_bytes(size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f GiB (%zu bytes)", double(n) / double(1ull << 30), n);
  return buf;
}

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

// The device that owns a device pointer (copies run on it, after its queued kernels).
int device_of(const void* ptr, const char* what) {
  cudaPointerAttributes attr{};
  ACCMT_CUDA_CHECK(cudaPointerGetAttributes(&attr, ptr));
  ACCMT_CHECK(attr.type == cudaMemoryTypeDevice || attr.type == cudaMemoryTypeManaged,
              "CUDA copy: the ", what, " pointer ", ptr,
              " is not CUDA device memory; a tensor on a cuda device must hold device memory");
  return attr.device;
}

}  // namespace

void set_device(int device_index) {
  const int n = cuda_backend().device_count();
  ACCMT_CHECK(device_index >= 0 && device_index < n, "CUDA device cuda:", device_index, " does not exist: ",
              n == 0 ? "this machine has no usable CUDA device (no GPU or no driver)"
                     : "valid indices are 0.." + std::to_string(n - 1));
  ACCMT_CUDA_CHECK(cudaSetDevice(device_index));
}

// The set of visible devices is fixed for the life of a process, so count once.
int CudaBackend::device_count() {
  static const int n = count_devices();
  return n;
}

void* CudaBackend::allocate(int device_index, size_t nbytes) {
  set_device(device_index);
  void* ptr = nullptr;
  // Empty tensors still get a real (1-byte) block so that data pointers are never null,
  // as on the CPU.
  const cudaError_t err = cudaMalloc(&ptr, nbytes > 0 ? nbytes : 1);
  if (err == cudaSuccess) return ptr;
  (void)cudaGetLastError();
  size_t free_bytes = 0, total_bytes = 0;
  const bool have_info = cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess;
  (void)cudaGetLastError();
  throw Error(detail::concat("cudaMalloc could not allocate ", format_bytes(nbytes), " on cuda:", device_index,
                             ": ", cudaGetErrorName(err), " (", cudaGetErrorString(err), ")",
                             have_info ? "; free " + format_bytes(free_bytes) + " of " + format_bytes(total_bytes)
                                       : std::string()));
}

void CudaBackend::deallocate(int device_index, void* ptr, size_t) {
  if (ptr == nullptr) return;
  // Called from storage destructors, which must not throw: report a failure and go on.
  // At process exit the runtime may already be unloading; that is not worth a message.
  cudaError_t err = cudaSetDevice(device_index);
  if (err == cudaSuccess) err = cudaFree(ptr);
  if (err != cudaSuccess) {
    (void)cudaGetLastError();
    if (err != cudaErrorCudartUnloading)
      std::fprintf(stderr, "accmt: cudaFree(%p) on cuda:%d failed: %s (%s)\n", ptr, device_index,
                   cudaGetErrorName(err), cudaGetErrorString(err));
  }
}

void CudaBackend::synchronize(int device_index) {
  set_device(device_index);
  ACCMT_CUDA_CHECK(cudaDeviceSynchronize());
}

void CudaBackend::copy_bytes(void* dst, const void* src, size_t nbytes, bool dst_on_host, bool src_on_host) {
  if (nbytes == 0) return;
  if (dst_on_host && src_on_host) {
    std::memcpy(dst, src, nbytes);
    return;
  }
  if (dst_on_host) {  // device -> host: waits for the device's queued work, then copies
    set_device(device_of(src, "source"));
    ACCMT_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, cudaMemcpyDeviceToHost));
    return;
  }
  if (src_on_host) {  // host -> device: returns once the host buffer may be reused
    set_device(device_of(dst, "destination"));
    ACCMT_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, cudaMemcpyHostToDevice));
    return;
  }
  const int dst_device = device_of(dst, "destination"), src_device = device_of(src, "source");
  set_device(dst_device);
  if (dst_device == src_device) {
    ACCMT_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, cudaMemcpyDeviceToDevice));
  } else {
    ACCMT_CUDA_CHECK(cudaMemcpyPeer(dst, dst_device, src, src_device, nbytes));
  }
}

}  // namespace cuda
}  // namespace accmt::kernels
