#pragma once
// The CUDA implementation of the kernel families (kernels/backend.hpp). For now it holds
// device memory, copies, fill and copy_cast; the other families keep the base class's
// behaviour, which raises an accmt::Error naming the family. Methods are defined across
// kernels/cuda/*.cu, one family per file.
#include "kernels/backend.hpp"

namespace accmt::kernels::cuda {

class CudaBackend final : public Backend {
 public:
  const char* name() const override { return "CUDA"; }
  void* allocate(int device_index, size_t nbytes) override;
  void deallocate(int device_index, void* ptr, size_t nbytes) override;
  int device_count() override;
  void synchronize(int device_index) override;
  void copy_bytes(void* dst, const void* src, size_t nbytes, bool dst_on_host, bool src_on_host) override;

  void copy_cast(const TensorRef& out, const TensorRef& in) override;
  void fill(const TensorRef& out, const Scalar& value) override;
};

// Makes device_index current, with a clear error when no such device exists.
void set_device(int device_index);

}  // namespace accmt::kernels::cuda
