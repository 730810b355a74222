#pragma once
// The CUDA implementation of the kernel families (kernels/backend.hpp). Methods are
// defined across kernels/cuda/*.cu, one family per file; every launch goes to the
// current stream of the tensor's device (kernels/cuda/launch.cuh).
#include "kernels/backend.hpp"

namespace accmt::kernels::cuda {

class CudaBackend final : public Backend {
 public:
  const char* name() const override { return "CUDA"; }
  // cuda_backend.cu: memory through the caching allocator, copies, synchronisation.
  void* allocate(int device_index, size_t nbytes) override;
  void deallocate(int device_index, void* ptr, size_t nbytes) override;
  int device_count() override;
  void synchronize(int device_index) override;
  void copy_bytes(void* dst, const void* src, size_t nbytes, bool dst_on_host, bool src_on_host) override;

  // elementwise.cu
  void copy_cast(const TensorRef& out, const TensorRef& in) override;
  void fill(const TensorRef& out, const Scalar& value) override;
  // KERNEL-FAMILY-DECLARATIONS (helpers add their overrides below, one block per file)

  // Reductions, softmax, cross-entropy and normalisation: reduce.cu, softmax.cu,
  // cross_entropy.cu, norm.cu (shared helpers in block_reduce.cuh, reduce_ops.cuh,
  // dense_visit.cuh, online_softmax.cuh, convert.cuh).
  void reduce(Reduce op, const TensorRef& out, const TensorRef& in, int nreduce) override;
  void softmax_lastdim(const TensorRef& out, const TensorRef& in, bool log) override;
  void cross_entropy_forward(const CrossEntropyArgs& args, const TensorRef& loss, const TensorRef& lse,
                             const TensorRef& row_weight) override;
  void cross_entropy_backward(const CrossEntropyArgs& args, const TensorRef& lse, const TensorRef& grad_loss,
                              const TensorRef& grad_logits) override;
  void layer_norm_forward(const TensorRef& y, const TensorRef* mean, const TensorRef& rstd, const TensorRef& x,
                          const TensorRef* weight, const TensorRef* bias, double eps) override;
  void layer_norm_backward(const TensorRef* dx, const TensorRef* dweight, const TensorRef* dbias,
                           const TensorRef& dy, const TensorRef& x, const TensorRef* mean, const TensorRef& rstd,
                           const TensorRef* weight) override;
};

}  // namespace accmt::kernels::cuda
