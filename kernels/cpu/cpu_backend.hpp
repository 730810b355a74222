#pragma once
// The CPU implementation of every kernel family (kernels/backend.hpp). Methods are
// defined across kernels/cpu/*.cpp, one family per file.
#include "kernels/backend.hpp"

namespace accmt::kernels::cpu {

// Returns the CPU allocator's cached large blocks to the OS.
void release_cached_memory();

class CpuBackend final : public Backend {
 public:
  const char* name() const override { return "CPU"; }
  void* allocate(int device_index, size_t nbytes) override;
  void deallocate(int device_index, void* ptr, size_t nbytes) override;
  int device_count() override { return 1; }
  void synchronize(int) override {}
  void copy_bytes(void* dst, const void* src, size_t nbytes, bool, bool) override;

  void copy_cast(const TensorRef& out, const TensorRef& in) override;
  void fill(const TensorRef& out, const Scalar& value) override;
  void unary(ops::Unary op, const TensorRef& out, const TensorRef& in) override;
  void binary(ops::Binary op, const TensorRef& out, const TensorRef& a, const TensorRef& b) override;
  void where(const TensorRef& out, const TensorRef& cond, const TensorRef& a, const TensorRef& b) override;
  void clamp(const TensorRef& out, const TensorRef& in, const Scalar* lo, const Scalar* hi) override;
  void arange(const TensorRef& out, double start, double step) override;
  void linspace(const TensorRef& out, double start, double end) override;

  void reduce(Reduce op, const TensorRef& out, const TensorRef& in, int nreduce) override;
  void softmax_lastdim(const TensorRef& out, const TensorRef& in, bool log) override;
  void gemm(const GemmArgs& args) override;
  void cross_entropy_forward(const CrossEntropyArgs& args, const TensorRef& loss, const TensorRef& lse,
                             const TensorRef& row_weight) override;
  void cross_entropy_backward(const CrossEntropyArgs& args, const TensorRef& lse, const TensorRef& grad_loss,
                              const TensorRef& grad_logits) override;

  void gather(const TensorRef& out, const TensorRef& in, int dim, const TensorRef& index) override;
  void scatter(const TensorRef& out, int dim, const TensorRef& index, const TensorRef& src, bool accumulate) override;
  void index_select(const TensorRef& out, const TensorRef& in, int dim, const TensorRef& index) override;
  void index_add(const TensorRef& out, int dim, const TensorRef& index, const TensorRef& src, const Scalar& alpha) override;
  void sort_lastdim(const TensorRef& values, const TensorRef& indices, const TensorRef& in, bool descending, bool stable) override;
  void topk_lastdim(const TensorRef& values, const TensorRef& indices, const TensorRef& in, int64_t k, bool largest, bool sorted) override;

  // kernels/cpu/norm.cpp
  void layer_norm_forward(const TensorRef& y, const TensorRef* mean, const TensorRef& rstd, const TensorRef& x,
                          const TensorRef* weight, const TensorRef* bias, double eps) override;
  void layer_norm_backward(const TensorRef* dx, const TensorRef* dweight, const TensorRef* dbias, const TensorRef& dy,
                           const TensorRef& x, const TensorRef* mean, const TensorRef& rstd,
                           const TensorRef* weight) override;

  // kernels/cpu/bias_act.cpp
  void bias_act_forward(ops::Unary act, const TensorRef& y, const TensorRef& x, const TensorRef& bias) override;
  void bias_act_backward(ops::Unary act, const TensorRef& grad_x, const TensorRef* grad_bias, const TensorRef& grad_y,
                         const TensorRef& x, const TensorRef& bias) override;

  // kernels/cpu/conv.cpp, kernels/cpu/pool.cpp
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

  void uniform(const TensorRef& out, uint64_t seed, uint64_t offset, double low, double high) override;
  void normal(const TensorRef& out, uint64_t seed, uint64_t offset, double mean, double std) override;
  void randint(const TensorRef& out, uint64_t seed, uint64_t offset, int64_t low, int64_t high) override;
  void bernoulli(const TensorRef& out, const TensorRef& p, uint64_t seed, uint64_t offset) override;

  // Multi-tensor steps (kernels/cpu/optim_multi.cpp), norm and scale (multi_norm.cpp).
  void sgd_step_multi(const MultiTensorList& list, const SgdStepArgs& args) override;
  void adam_step_multi(const MultiTensorList& list, const AdamStepArgs& args) override;
  void increment_counters(float* const* counters, size_t count, int device_index) override;
  void multi_norm(const TensorRef* tensors, size_t count, double norm_type, const TensorRef& norms) override;
  void multi_scale(const TensorRef* tensors, size_t count, const TensorRef& scale) override;
};

}  // namespace accmt::kernels::cpu
