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
  // conv_cudnn.cu (only in builds that found cuDNN; otherwise im2col + gemm)
#ifdef ACCMT_WITH_CUDNN
  bool conv2d_forward(const TensorRef& y, const TensorRef& x, const TensorRef& w, const Window2d& win,
                      int64_t groups) override;
  bool conv2d_backward_input(const TensorRef& dx, const TensorRef& dy, const TensorRef& w, const Window2d& win,
                             int64_t groups) override;
  bool conv2d_backward_weight(const TensorRef& dw, const TensorRef& dy, const TensorRef& x, const Window2d& win,
                              int64_t groups) override;
#endif
  // KERNEL-FAMILY-DECLARATIONS (helpers add their overrides below, one block per file)

  // attention.cu (FlashAttention-style forward and deterministic backward)
  bool attention_forward(const AttentionArgs& args, const TensorRef& out, const TensorRef& lse) override;
  bool attention_backward(const AttentionArgs& args, const TensorRef& out, const TensorRef& dout,
                          const TensorRef& lse, const TensorRef& dq, const TensorRef& dk,
                          const TensorRef& dv) override;

  // Matrix products, indexing, convolution helpers, pooling, optimizer steps: gemm.cu
  // (cuBLAS; kernels/cuda/blas.hpp), index.cu, sort.cu, conv.cu, pool.cu, optim_multi.cu.
  void gemm(const GemmArgs& args) override;
  void gather(const TensorRef& out, const TensorRef& in, int dim, const TensorRef& index) override;
  void scatter(const TensorRef& out, int dim, const TensorRef& index, const TensorRef& src, bool accumulate) override;
  void index_select(const TensorRef& out, const TensorRef& in, int dim, const TensorRef& index) override;
  void index_add(const TensorRef& out, int dim, const TensorRef& index, const TensorRef& src,
                 const Scalar& alpha) override;
  void sort_lastdim(const TensorRef& values, const TensorRef& indices, const TensorRef& in, bool descending,
                    bool stable) override;
  void topk_lastdim(const TensorRef& values, const TensorRef& indices, const TensorRef& in, int64_t k, bool largest,
                    bool sorted) override;
  void im2col(const TensorRef& col, const TensorRef& im, const Window2d& w) override;
  void col2im(const TensorRef& im, const TensorRef& col, const Window2d& w) override;
  void max_pool2d(const TensorRef& out, const TensorRef& indices, const TensorRef& in, const Window2d& w) override;
  void max_pool2d_backward(const TensorRef& grad_in, const TensorRef& grad_out, const TensorRef& indices) override;
  void avg_pool2d(const TensorRef& out, const TensorRef& in, const Window2d& w, bool count_include_pad,
                  int64_t divisor_override) override;
  void avg_pool2d_backward(const TensorRef& grad_in, const TensorRef& grad_out, const Window2d& w,
                           bool count_include_pad, int64_t divisor_override) override;
  void adaptive_avg_pool2d(const TensorRef& out, const TensorRef& in) override;
  void adaptive_avg_pool2d_backward(const TensorRef& grad_in, const TensorRef& grad_out) override;
  // Multi-tensor optimizer steps (optim_multi.cu), norm and scale (multi_norm.cu), both on
  // the multi-tensor apply of multi_tensor.cuh.
  void sgd_step_multi(const MultiTensorList& list, const SgdStepArgs& args) override;
  void adam_step_multi(const MultiTensorList& list, const AdamStepArgs& args) override;
  void increment_counters(float* const* counters, size_t count, int device_index) override;
  void multi_norm(const TensorRef* tensors, size_t count, double norm_type, const TensorRef& norms) override;
  void multi_scale(const TensorRef* tensors, size_t count, const TensorRef& scale) override;
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

  // Fused bias + activation: bias_act.cu.
  void bias_act_forward(ops::Unary act, const TensorRef& y, const TensorRef& x, const TensorRef& bias) override;
  void bias_act_backward(ops::Unary act, const TensorRef& grad_x, const TensorRef* grad_bias, const TensorRef& grad_y,
                         const TensorRef& x, const TensorRef& bias) override;

  // Elementwise maps and draws: unary.cu, binary.cu, where_clamp.cu, ranges.cu, random.cu
  // (shared loops in vectorized.cuh).
  void unary(ops::Unary op, const TensorRef& out, const TensorRef& in) override;
  void binary(ops::Binary op, const TensorRef& out, const TensorRef& a, const TensorRef& b) override;
  void where(const TensorRef& out, const TensorRef& cond, const TensorRef& a, const TensorRef& b) override;
  void clamp(const TensorRef& out, const TensorRef& in, const Scalar* lo, const Scalar* hi) override;
  void arange(const TensorRef& out, double start, double step) override;
  void linspace(const TensorRef& out, double start, double end) override;
  void uniform(const TensorRef& out, uint64_t seed, uint64_t offset, double low, double high) override;
  void normal(const TensorRef& out, uint64_t seed, uint64_t offset, double mean, double std) override;
  void randint(const TensorRef& out, uint64_t seed, uint64_t offset, int64_t low, int64_t high) override;
  void bernoulli(const TensorRef& out, const TensorRef& p, uint64_t seed, uint64_t offset) override;
};

}  // namespace accmt::kernels::cuda
