#pragma once
// The kernel families every device implements. Tensor front-ends pick the backend for a
// tensor's device and call these; they never touch raw memory themselves.
//
// Conventions: all TensorRefs passed to one call have been checked by the front-end
// (matching shapes after broadcasting, expected dtypes, same device). Inputs of
// elementwise kernels already share the output's sizes; broadcasting shows as stride 0.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kernels/common/device_type.hpp"
#include "kernels/common/ops.hpp"
#include "kernels/common/scalar.hpp"
#include "kernels/tensor_ref.hpp"

namespace accmt::kernels {

enum class Reduce : uint8_t { Sum, Prod, Max, Min, ArgMax, ArgMin, Any, All };

// Fused cross-entropy over the rows of contiguous [rows, classes] logits.
struct CrossEntropyArgs {
  TensorRef logits;          // contiguous [rows, classes], floating
  TensorRef target;          // int64 [rows] class indices, or contiguous [rows, classes] probabilities (logits' dtype)
  bool prob_target = false;
  TensorRef weight;          // optional [classes] class weights (logits' dtype); data == nullptr when absent
  int64_t ignore_index = -100;  // class-index targets only; checked in range by the front-end otherwise
  double label_smoothing = 0.0;
};

// Geometry of a 2-D sliding window (convolution or pooling) over one [H, W] plane.
// Output position (oy, ox) with kernel tap (ki, kj) reads input row
// oy * stride_h - pad_h + ki * dilation_h (and likewise for columns); positions outside
// the input read as zero (convolution) or are skipped (pooling). out_h/out_w are given
// explicitly, so asymmetric padding ("same" with an even kernel) and transposed
// convolutions' output_padding need nothing special.
struct Window2d {
  int64_t in_h, in_w, out_h, out_w;
  int64_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
};

// Fused scaled-dot-product attention (FlashAttention style): softmax(q k^T * scale) v
// without materialising the [L, S] scores. q [B, L, E], k [B, S, E], v [B, S, Ev] are
// contiguous, one floating dtype (B = all batch dims flattened). causal: query i sees
// keys j <= i (top-left aligned).
struct AttentionArgs {
  TensorRef q, k, v;
  double scale;
  bool causal;
};

struct GemmArgs {
  // C[b] = alpha * op(A[b]) @ op(B[b]) + beta * C[b] for b < batch; row-major matrices
  // with leading strides; op(X) = X^T when trans_X. Batch strides may be 0 (broadcast).
  const void* a; const void* b; void* c;
  DType dtype;
  int64_t m, n, k;
  bool trans_a, trans_b;
  int64_t lda, ldb, ldc;
  int64_t batch, stride_a, stride_b, stride_c;
  double alpha, beta;
  int device_index;  // of the three operands (one device)
};

// Scalars of one fused optimizer step (see optim_math.hpp for how they enter the update).
struct SgdStepArgs {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize, first_step;
};
struct AdamStepArgs {
  double lr, beta1, beta2, eps, weight_decay;
  bool decoupled, amsgrad, maximize;
  double step;  // the step count after this update (1 on the first step)
};

// Capturable steps read their hyper-parameters from a float64 array in device memory, in
// this order (the optimizer writes it; the kernel forms the coefficients on the device).
enum AdamHyper : int { kAdamLr, kAdamBeta1, kAdamBeta2, kAdamEps, kAdamWeightDecay, kAdamHyperCount };
enum SgdHyper : int { kSgdLr, kSgdMomentum, kSgdDampening, kSgdWeightDecay, kSgdHyperCount };

// One parameter of a multi-tensor optimizer step: contiguous operands with `numel`
// elements each. Adam: state = {exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad only)};
// SGD: state[0] = the momentum buffer (momentum != 0 only). step: the float32 step
// counter on the device (capturable Adam), else null.
struct MultiTensorEntry {
  void* param = nullptr;
  const void* grad = nullptr;
  void* state[3] = {nullptr, nullptr, nullptr};
  const float* step = nullptr;
  int64_t numel = 0;
};

// Where a multi-tensor step takes its scalars from: hyper == null: the host args (Adam's
// args.step included); else the hyper-parameters from the float64 device array `hyper`
// (AdamHyper / SgdHyper order) and Adam's step from each entry's counter. The flags
// (decoupled, amsgrad, maximize, nesterov, first_step) always come from the host args.
struct MultiTensorList {
  const MultiTensorEntry* entries = nullptr;
  size_t count = 0;
  DType dtype = DType::Float32;
  int device_index = 0;
  const double* hyper = nullptr;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;

  // Memory.
  virtual void* allocate(int device_index, size_t nbytes) = 0;
  // nbytes is the size given to allocate (lets a backend cache blocks by size).
  virtual void deallocate(int device_index, void* ptr, size_t nbytes) = 0;
  virtual int device_count() = 0;
  virtual void synchronize(int device_index) = 0;
  // Copies bytes between this backend's device and the host (or within the device).
  virtual void copy_bytes(void* dst, const void* src, size_t nbytes, bool dst_on_host, bool src_on_host) = 0;

  // Elementwise.
  virtual void copy_cast(const TensorRef& out, const TensorRef& in) { missing("copy"); }
  virtual void fill(const TensorRef& out, const Scalar& value) { missing("fill"); }
  virtual void unary(ops::Unary op, const TensorRef& out, const TensorRef& in) { missing("unary"); }
  virtual void binary(ops::Binary op, const TensorRef& out, const TensorRef& a, const TensorRef& b) { missing("binary"); }
  virtual void where(const TensorRef& out, const TensorRef& cond, const TensorRef& a, const TensorRef& b) { missing("where"); }
  virtual void clamp(const TensorRef& out, const TensorRef& in, const Scalar* lo, const Scalar* hi) { missing("clamp"); }
  virtual void arange(const TensorRef& out, double start, double step) { missing("arange"); }
  // Evenly spaced from start to end (exactly end at the last element, like PyTorch).
  virtual void linspace(const TensorRef& out, double start, double end) { missing("linspace"); }

  // Reductions: `in` has its reduced dims last (the trailing `nreduce` dims); `out` is
  // contiguous with one element per combination of the leading dims.
  virtual void reduce(Reduce op, const TensorRef& out, const TensorRef& in, int nreduce) { missing("reduce"); }
  // Softmax over the last dim of a contiguous [rows, cols] input.
  virtual void softmax_lastdim(const TensorRef& out, const TensorRef& in, bool log) { missing("softmax"); }

  // ---- Fused cross-entropy (log-softmax + NLL in one pass per row, the idea of llm.c's
  // fused classifier). Forward writes per-row loss and lse (logsumexp of the row, what
  // backward needs instead of a saved softmax) and row_weight (the target's class weight,
  // 0 for an ignored row, 1 for probability targets: the mean divisor). Backward writes
  // grad_logits[r, c] = (softmax[r, c] * A_r - a_rc) * grad_loss[r] in one pass, where
  // a_rc is the row's weighted, smoothed target distribution (kernels/common/cross_entropy.hpp).
  // loss, lse, row_weight: contiguous [rows] in logits' dtype; grad_loss: [rows] with
  // stride 0 or 1; grad_logits: contiguous like logits.
  virtual void cross_entropy_forward(const CrossEntropyArgs& args, const TensorRef& loss, const TensorRef& lse,
                                     const TensorRef& row_weight) { missing("cross_entropy"); }
  virtual void cross_entropy_backward(const CrossEntropyArgs& args, const TensorRef& lse, const TensorRef& grad_loss,
                                      const TensorRef& grad_logits) { missing("cross_entropy_backward"); }

  // ---- Fused attention (AttentionArgs). out [B, L, Ev] in q's dtype and lse [B, L]
  // float32 (logsumexp of each row of scaled scores, saved for backward) are contiguous.
  // Backward overwrites dq, dk, dv (shaped like q, k, v) from dout (like out). A backend
  // returns false for cases it does not take (then nothing is written), and the caller
  // runs the composite math path instead.
  virtual bool attention_forward(const AttentionArgs& args, const TensorRef& out, const TensorRef& lse) {
    return false;
  }
  virtual bool attention_backward(const AttentionArgs& args, const TensorRef& out, const TensorRef& dout,
                                  const TensorRef& lse, const TensorRef& dq, const TensorRef& dk,
                                  const TensorRef& dv) {
    return false;
  }

  // Matrix multiply.
  virtual void gemm(const GemmArgs& args) { missing("gemm"); }

  // Indexing: `dim` counts in the given refs.
  virtual void gather(const TensorRef& out, const TensorRef& in, int dim, const TensorRef& index) { missing("gather"); }
  // out (already holding the destination values) receives src at index along dim.
  virtual void scatter(const TensorRef& out, int dim, const TensorRef& index, const TensorRef& src, bool accumulate) { missing("scatter"); }
  virtual void index_select(const TensorRef& out, const TensorRef& in, int dim, const TensorRef& index) { missing("index_select"); }
  virtual void index_add(const TensorRef& out, int dim, const TensorRef& index, const TensorRef& src, const Scalar& alpha) { missing("index_add"); }
  // Sort along the last dim of contiguous [rows, cols] input; writes values and int64 indices.
  virtual void sort_lastdim(const TensorRef& values, const TensorRef& indices, const TensorRef& in, bool descending, bool stable) { missing("sort"); }
  virtual void topk_lastdim(const TensorRef& values, const TensorRef& indices, const TensorRef& in, int64_t k, bool largest, bool sorted) { missing("topk"); }

  // ---- Normalisation (LayerNorm, RMSNorm): one fused family.
  // x and y are contiguous [rows, cols] (cols = the normalised elements of one row);
  // weight and bias are contiguous [cols] and optional (nullptr when absent); mean and
  // rstd are contiguous [rows] in the accumulation dtype (float32 for 16-bit inputs).
  // rms = true is RMSNorm: no centring, mean is nullptr, rstd = 1/sqrt(mean(x^2) + eps).
  // Backward writes whichever of dx ([rows, cols]), dweight and dbias ([cols]) are
  // non-null, from the saved mean/rstd; dweight/dbias are overwritten, not accumulated.
  virtual void layer_norm_forward(const TensorRef& y, const TensorRef* mean, const TensorRef& rstd, const TensorRef& x,
                                  const TensorRef* weight, const TensorRef* bias, double eps) { missing("layer_norm"); }
  virtual void layer_norm_backward(const TensorRef* dx, const TensorRef* dweight, const TensorRef* dbias,
                                   const TensorRef& dy, const TensorRef& x, const TensorRef* mean, const TensorRef& rstd,
                                   const TensorRef* weight) { missing("layer_norm_backward"); }

  // ---- Fused bias + activation (kernels/common/bias_act.hpp): y = act(x + bias) with
  // act one of GeluExact, GeluTanh, Silu, Relu. x, y, grad_x and grad_y are contiguous
  // [rows, n], bias and grad_bias contiguous [n] (n = bias.numel() > 0), one floating dtype.
  // Backward overwrites grad_x = grad_y * act'(x + bias) and, when grad_bias is non-null,
  // grad_bias = the column sums of grad_x (accumulated in acc_t, in a fixed order so that
  // the result is the same from run to run; zero when rows == 0).
  virtual void bias_act_forward(ops::Unary act, const TensorRef& y, const TensorRef& x, const TensorRef& bias) {
    missing("bias_act");
  }
  virtual void bias_act_backward(ops::Unary act, const TensorRef& grad_x, const TensorRef* grad_bias,
                                 const TensorRef& grad_y, const TensorRef& x, const TensorRef& bias) {
    missing("bias_act_backward");
  }

  // ---- Convolution and pooling (kernels/cpu/conv.cpp, kernels/cpu/pool.cpp).
  // All refs are contiguous; float32/float64 only (the front-ends check).
  // im2col: im [N, C, in_h, in_w] -> col [N, C * kernel_h * kernel_w, out_h * out_w], row
  // (c, ki, kj), column (oy, ox); padding reads as zero.
  virtual void im2col(const TensorRef& col, const TensorRef& im, const Window2d& w) { missing("im2col"); }
  // col2im: the adjoint of im2col; im is overwritten with the sums of the col entries
  // that read each pixel.
  virtual void col2im(const TensorRef& im, const TensorRef& col, const Window2d& w) { missing("col2im"); }
  // Whole convolutions, for a backend whose vendor library beats im2col + gemm (cuDNN).
  // x [N, C, H, W], w [O, C / groups, kh, kw], y [N, O, out_h, out_w]: contiguous, one
  // floating dtype. A backend returns false for cases it does not take, and the front-end
  // runs im2col + gemm instead. conv2d_forward adds into y (which holds the bias or
  // zeros); the backward kernels overwrite their output.
  virtual bool conv2d_forward(const TensorRef& y, const TensorRef& x, const TensorRef& w, const Window2d& win,
                              int64_t groups) { return false; }
  virtual bool conv2d_backward_input(const TensorRef& dx, const TensorRef& dy, const TensorRef& w,
                                     const Window2d& win, int64_t groups) { return false; }
  virtual bool conv2d_backward_weight(const TensorRef& dw, const TensorRef& dy, const TensorRef& x,
                                      const Window2d& win, int64_t groups) { return false; }
  // Pools over planes: in [P, in_h, in_w] -> out [P, out_h, out_w] (P = N * C).
  // Max pooling writes int64 indices (y * in_w + x within the plane; NaN wins, like PyTorch).
  virtual void max_pool2d(const TensorRef& out, const TensorRef& indices, const TensorRef& in, const Window2d& w) {
    missing("max_pool2d");
  }
  // grad_in (overwritten) receives grad_out at the saved indices.
  virtual void max_pool2d_backward(const TensorRef& grad_in, const TensorRef& grad_out, const TensorRef& indices) {
    missing("max_pool2d_backward");
  }
  // divisor_override 0 = none (see kernels/common/pool.hpp for the divisor rules).
  virtual void avg_pool2d(const TensorRef& out, const TensorRef& in, const Window2d& w, bool count_include_pad,
                          int64_t divisor_override) { missing("avg_pool2d"); }
  virtual void avg_pool2d_backward(const TensorRef& grad_in, const TensorRef& grad_out, const Window2d& w,
                                   bool count_include_pad, int64_t divisor_override) { missing("avg_pool2d_backward"); }
  // Adaptive average pooling: the windows follow from in/out sizes (kernels/common/pool.hpp).
  virtual void adaptive_avg_pool2d(const TensorRef& out, const TensorRef& in) { missing("adaptive_avg_pool2d"); }
  virtual void adaptive_avg_pool2d_backward(const TensorRef& grad_in, const TensorRef& grad_out) {
    missing("adaptive_avg_pool2d_backward");
  }

  // Random: element i of the draw uses Philox(seed, offset, i).
  virtual void uniform(const TensorRef& out, uint64_t seed, uint64_t offset, double low, double high) { missing("uniform_"); }
  virtual void normal(const TensorRef& out, uint64_t seed, uint64_t offset, double mean, double std) { missing("normal_"); }
  virtual void randint(const TensorRef& out, uint64_t seed, uint64_t offset, int64_t low, int64_t high) { missing("randint"); }
  virtual void bernoulli(const TensorRef& out, const TensorRef& p, uint64_t seed, uint64_t offset) { missing("bernoulli"); }

  // ---- Fused optimizer steps (optim/), in the multi-tensor form of apex's
  // multi_tensor_apply: one call updates a list of parameters with their gradients and
  // state in one pass each; on CUDA one launch per table of tensors whose pointers travel
  // as kernel arguments (no host<->device copy, so a CUDA graph can capture it). The
  // per-element math is kernels/common/optim_math.hpp; a single tensor is a one-entry list.
  virtual void sgd_step_multi(const MultiTensorList& list, const SgdStepArgs& args) { missing("sgd_step_multi"); }
  virtual void adam_step_multi(const MultiTensorList& list, const AdamStepArgs& args) { missing("adam_step_multi"); }
  // Adds one to each float32 counter (capturable step counts) of one device.
  virtual void increment_counters(float* const* counters, size_t count, int device_index) {
    missing("increment_counters");
  }
  // norms[i] = the norm_type-norm of tensors[i] (contiguous, one floating dtype, one device),
  // written in that dtype to the contiguous `norms`; norm_type is 1, 2, inf or any p > 0.
  // Per-chunk partials are combined in a fixed order: deterministic.
  virtual void multi_norm(const TensorRef* tensors, size_t count, double norm_type, const TensorRef& norms) {
    missing("multi_norm");
  }
  // tensors[i] *= scale for every i, in place; scale is a 0-dim tensor of the tensors'
  // dtype on their device (read by the kernel, never by the host).
  virtual void multi_scale(const TensorRef* tensors, size_t count, const TensorRef& scale) { missing("multi_scale"); }

 protected:
  [[noreturn]] void missing(const char* family) const;
};

// The backend for a device type; throws accmt::Error if this build has no such backend.
Backend& backend(DeviceType type);
// Whether the build has a backend for the device type (CUDA only when compiled with nvcc).
bool has_backend(DeviceType type);

}  // namespace accmt::kernels
