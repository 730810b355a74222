// Fused CUDA cross-entropy (log-softmax + NLL) over contiguous [rows, classes] logits,
// with the shared per-element math of kernels/common/cross_entropy.hpp.
//   - forward: one pass over each row keeps the running (max, sum of exp) and the
//     target sums (sum_c a_c z_c, and A = sum_c a_c for probability targets); then one
//     thread writes loss, lse and row_weight.
//   - backward: one read of the logits and one write of the gradient per row (class
//     indices); probability targets first sum their coefficients (a pass over p only).
// A row goes to one warp when it has at most 1024 classes, to a block otherwise. The
// sum of the class weights is reduced once, by one block, into a Workspace.
#include <cuda_runtime.h>

#include <cmath>

#include "kernels/common/cross_entropy.hpp"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/convert.cuh"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/online_softmax.cuh"

namespace accmt::kernels::cuda {
namespace {

constexpr int64_t kWarpRowMax = 1024;
constexpr int kBlockRowThreads = 512;

// What the kernels read besides the logits.
template <class T> struct CeParams {
  const T* logits;
  const int64_t* target_index;  // class-index targets
  const T* target_prob;         // probability targets (or nullptr)
  const T* weight;              // class weights (or nullptr)
  const acc_t<T>* sum_weight;   // device scalar: sum of the class weights (when weight)
  int64_t rows, classes, ignore_index;
  acc_t<T> eps, inv_classes;
  KernelErrorSlot* error_slot;  // an out-of-range class index is reported here
};

// A class-index target the kernels may read: in [0, classes) (ignore_index is handled
// before). Reports the first bad one (forward only: backward sees the same targets) and
// treats it as ignored so nothing is read outside the row.
__device__ inline bool target_in_range(int64_t t, int64_t classes, KernelErrorSlot* slot) {
  if (t >= 0 && t < classes) return true;
  if (slot != nullptr) report_index_error(slot, t, classes);
  return false;
}

template <class T> CeParams<T> params_of(const CrossEntropyArgs& args, const acc_t<T>* sum_weight) {
  using A = acc_t<T>;
  CeParams<T> p;
  p.logits = args.logits.ptr<T>();
  p.target_index = args.prob_target ? nullptr : args.target.ptr<int64_t>();
  p.target_prob = args.prob_target ? args.target.ptr<T>() : nullptr;
  p.weight = args.weight.data ? args.weight.ptr<T>() : nullptr;
  p.sum_weight = sum_weight;
  p.rows = args.logits.sizes[0];
  p.classes = args.logits.sizes[1];
  p.ignore_index = args.ignore_index;
  p.eps = A(args.label_smoothing);
  p.inv_classes = A(1) / A(p.classes);
  p.error_slot = nullptr;
  return p;
}

// sum_weight[0] = the sum of the class weights, in a fixed order.
template <class T> __global__ void ce_weight_sum(acc_t<T>* sum_weight, const T* weight, int64_t classes) {
  using A = acc_t<T>;
  A s = 0;
  for (int64_t c = threadIdx.x; c < classes; c += blockDim.x) s += to_acc(weight[c]);
  s = block_all_reduce(s, Plus(), A(0));
  if (threadIdx.x == 0) *sum_weight = s;
}

template <class A> struct CeSums {
  MaxSum<A> ms;
  A total;   // sum_c a_c (probability targets)
  A coef_z;  // sum_c w_c z_c (class indices, smoothing) or sum_c a_c z_c (probabilities)
};
struct MergeCeSums {
  template <class S> __device__ __forceinline__ S operator()(S a, S b) const {
    return {decltype(a.ms)::merge(a.ms, b.ms), a.total + b.total, a.coef_z + b.coef_z};
  }
};

template <class T, int kGroup>
__global__ void ce_forward(CeParams<T> p, T* __restrict__ loss, T* __restrict__ lse_out, T* __restrict__ row_weight) {
  using A = acc_t<T>;
  using G = RowGroup<kGroup>;
  const int64_t C = p.classes;
  const bool smoothing = p.eps != A(0);
  for (int64_t r = int64_t(blockIdx.x) * G::per_block() + G::index_in_block(); r < p.rows;
       r += int64_t(gridDim.x) * G::per_block()) {
    const T* z = p.logits + r * C;
    CeSums<A> acc{MaxSum<A>::empty(), A(0), A(0)};
    if (p.target_prob) {
      const T* pr = p.target_prob + r * C;
#pragma unroll 4
      for (int64_t c = G::rank(); c < C; c += G::size()) {
        const A zc = to_acc(z[c]);
        const A coef = ce::prob_coef(to_acc(pr[c]), p.weight ? to_acc(p.weight[c]) : A(1), p.eps, p.inv_classes);
        acc.ms.add(zc);
        acc.total += coef;
        acc.coef_z += coef * zc;
      }
    } else {
#pragma unroll 4
      for (int64_t c = G::rank(); c < C; c += G::size()) {
        const A zc = to_acc(z[c]);
        acc.ms.add(zc);
        if (smoothing) acc.coef_z += p.weight ? to_acc(p.weight[c]) * zc : zc;
      }
    }
    const CeSums<A> identity{MaxSum<A>::empty(), A(0), A(0)};
    acc = G::all_reduce(acc, MergeCeSums(), identity);
    if (G::rank() != 0) continue;
    acc.ms.finish();
    using std::log;
    const A l = acc.ms.m + log(acc.ms.s);
    A loss_r = 0, w_t = 0;
    if (p.target_prob) {
      w_t = A(1);
      loss_r = ce::row_loss(l, acc.total, acc.coef_z);
    } else {
      const int64_t t = p.target_index[r];
      if (t != p.ignore_index && target_in_range(t, C, p.error_slot)) {
        w_t = p.weight ? to_acc(p.weight[t]) : A(1);
        const A sum_w = p.weight ? *p.sum_weight : A(C);
        const A total = ce::index_total(w_t, sum_w, p.eps, p.inv_classes);
        A sum_coef_z = (A(1) - p.eps) * w_t * to_acc(z[t]);
        if (smoothing) sum_coef_z += p.eps * p.inv_classes * acc.coef_z;
        loss_r = ce::row_loss(l, total, sum_coef_z);
      }
    }
    loss[r] = from_acc<T>(loss_r);
    lse_out[r] = from_acc<T>(l);
    row_weight[r] = from_acc<T>(w_t);
  }
}

template <class T, int kGroup>
__global__ void ce_backward(CeParams<T> p, const T* __restrict__ lse, const T* __restrict__ grad_loss, int64_t g_stride,
                            T* __restrict__ grad) {
  using A = acc_t<T>;
  using G = RowGroup<kGroup>;
  using std::exp;
  const int64_t C = p.classes;
  const A smooth = p.eps * p.inv_classes;
  for (int64_t r = int64_t(blockIdx.x) * G::per_block() + G::index_in_block(); r < p.rows;
       r += int64_t(gridDim.x) * G::per_block()) {
    const T* z = p.logits + r * C;
    T* y = grad + r * C;
    const A g = to_acc(grad_loss[r * g_stride]);
    const A l = to_acc(lse[r]);
    if (p.target_prob) {
      const T* pr = p.target_prob + r * C;
      A total = 0;
#pragma unroll 4
      for (int64_t c = G::rank(); c < C; c += G::size())
        total += ce::prob_coef(to_acc(pr[c]), p.weight ? to_acc(p.weight[c]) : A(1), p.eps, p.inv_classes);
      total = G::all_reduce(total, Plus(), A(0));
#pragma unroll 4
      for (int64_t c = G::rank(); c < C; c += G::size()) {
        const A coef = ce::prob_coef(to_acc(pr[c]), p.weight ? to_acc(p.weight[c]) : A(1), p.eps, p.inv_classes);
        y[c] = from_acc<T>(ce::grad(exp(to_acc(z[c]) - l), total, coef, g));
      }
      continue;
    }
    const int64_t t = p.target_index[r];
    if (t == p.ignore_index || !target_in_range(t, C, nullptr)) {
      for (int64_t c = G::rank(); c < C; c += G::size()) y[c] = from_acc<T>(A(0));
      continue;
    }
    const A w_t = p.weight ? to_acc(p.weight[t]) : A(1);
    const A total = ce::index_total(w_t, p.weight ? *p.sum_weight : A(C), p.eps, p.inv_classes);
    const A target_term = (A(1) - p.eps) * w_t * g;
#pragma unroll 4
    for (int64_t c = G::rank(); c < C; c += G::size()) {
      const A coef = p.weight ? smooth * to_acc(p.weight[c]) : smooth;
      A v = ce::grad(exp(to_acc(z[c]) - l), total, coef, g);
      if (c == t) v -= target_term;
      y[c] = from_acc<T>(v);
    }
  }
}

// Runs body.template operator()<kGroup>(blocks, threads) with the row shape for `classes`.
template <class F> void with_row_shape(int64_t rows, int64_t classes, F&& body) {
  if (classes <= kWarpRowMax) {
    constexpr int kRowsPerBlock = kThreads / 32;
    body.template operator()<32>(unsigned(std::min<int64_t>((rows + kRowsPerBlock - 1) / kRowsPerBlock, kMaxBlocks)),
                                 kThreads);
  } else {
    body.template operator()<kBlockRowThreads>(unsigned(std::min<int64_t>(rows, kMaxBlocks)), kBlockRowThreads);
  }
}

// The kernels' parameters; with class weights, their sum is computed first into
// `weight_sum` (one accumulator of scratch memory) on `stream`.
template <class T>
CeParams<T> prepare(const CrossEntropyArgs& args, acc_t<T>* weight_sum, cudaStream_t stream) {
  if (args.weight.data) {
    ce_weight_sum<T><<<1, kThreads, 0, stream>>>(weight_sum, args.weight.ptr<T>(), args.logits.sizes[1]);
    ACCMT_CUDA_CHECK_LAUNCH();
  }
  return params_of<T>(args, weight_sum);
}

}  // namespace

void CudaBackend::cross_entropy_forward(const CrossEntropyArgs& args, const TensorRef& loss, const TensorRef& lse,
                                        const TensorRef& row_weight) {
  const int64_t rows = args.logits.sizes[0], classes = args.logits.sizes[1];
  if (rows == 0) return;
  cudaStream_t stream = stream_for(args.logits.device_index);
  dispatch_floating(args.logits.dtype, [&]<class T>() {
    using A = acc_t<T>;
    Workspace ws(args.logits.device_index, sizeof(A));
    CeParams<T> p = prepare<T>(args, ws.as<A>(), stream);
    p.error_slot = kernel_error_slot(args.logits.device_index);
    with_row_shape(rows, classes, [&]<int kGroup>(unsigned blocks, int threads) {
      ce_forward<T, kGroup><<<blocks, threads, 0, stream>>>(p, loss.ptr<T>(), lse.ptr<T>(), row_weight.ptr<T>());
    });
    ACCMT_CUDA_CHECK_LAUNCH();
  });
}

void CudaBackend::cross_entropy_backward(const CrossEntropyArgs& args, const TensorRef& lse,
                                         const TensorRef& grad_loss, const TensorRef& grad_logits) {
  const int64_t rows = args.logits.sizes[0], classes = args.logits.sizes[1];
  if (rows == 0 || classes == 0) return;
  const int64_t g_stride = grad_loss.ndim ? grad_loss.strides[0] : 0;
  cudaStream_t stream = stream_for(args.logits.device_index);
  dispatch_floating(args.logits.dtype, [&]<class T>() {
    using A = acc_t<T>;
    Workspace ws(args.logits.device_index, sizeof(A));
    const CeParams<T> p = prepare<T>(args, ws.as<A>(), stream);
    with_row_shape(rows, classes, [&]<int kGroup>(unsigned blocks, int threads) {
      ce_backward<T, kGroup><<<blocks, threads, 0, stream>>>(p, lse.ptr<T>(), grad_loss.ptr<T>(), g_stride,
                                                             grad_logits.ptr<T>());
    });
    ACCMT_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace accmt::kernels::cuda
