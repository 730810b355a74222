// Multi-tensor SGD and Adam/AdamW steps on CUDA (kernels/cuda/multi_tensor.cuh): one
// launch per table of tensors, each block updating one chunk with the per-element math
// of kernels/common/optim_math.hpp (16-byte vectors when the chunk's operands are
// aligned, scalars for the tail). Capturable steps form their coefficients on the device
// from the float64 hyper-parameters and the step counter, with the host's formula
// (kernels/optim_coeffs.hpp), so a replayed graph sees the current values.
#include <cuda_runtime_api.h>

#include "kernels/common/optim_math.hpp"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/multi_tensor.cuh"
#include "kernels/optim_coeffs.hpp"

namespace accmt::kernels::cuda {

namespace om = optim_math;

namespace {

template <class T, int Depth, bool Decoupled, bool Amsgrad, bool Maximize, bool Capturable>
__global__ void __launch_bounds__(kMtThreads)
    adam_multi_kernel(TensorTable<Depth> t, om::AdamCoeffs<acc_t<T>> c, const double* hyper, AdamStepArgs flags) {
  using A = acc_t<T>;
  const BlockSpan s = block_span(t);
  if constexpr (Capturable) {
    // One thread forms the coefficients (double pow) for the block.
    __shared__ om::AdamCoeffs<A> shared;
    if (threadIdx.x == 0) shared = adam_coeffs<A>(adam_args_from(hyper, flags, *t.step[s.slot]));
    __syncthreads();
    c = shared;
  }
  c.decoupled = Decoupled;
  c.amsgrad = Amsgrad;
  c.maximize = Maximize;
  T* p = static_cast<T*>(t.ptr[0][s.slot]) + s.start;
  const T* g = static_cast<const T*>(t.ptr[1][s.slot]) + s.start;
  T* m = static_cast<T*>(t.ptr[2][s.slot]) + s.start;
  T* v = static_cast<T*>(t.ptr[3][s.slot]) + s.start;
  T* vmax = nullptr;
  if constexpr (Amsgrad) vmax = static_cast<T*>(t.ptr[4][s.slot]) + s.start;
  constexpr int V = kMtVec<T>;
  const void* ptrs[5] = {p, g, m, v, vmax};
  int64_t done = 0;
  if (all_aligned16(ptrs, 5)) {
    const int64_t nvec = s.n / V;
    for (int64_t i = threadIdx.x; i < nvec; i += blockDim.x) {
      MtPack<T, V> pv = mt_load<T, V>(p, i), mv = mt_load<T, V>(m, i), vv = mt_load<T, V>(v, i);
      const MtPack<T, V> gv = mt_load<T, V>(g, i);
      MtPack<T, V> xv{};
      if constexpr (Amsgrad) xv = mt_load<T, V>(vmax, i);
#pragma unroll
      for (int k = 0; k < V; ++k) {
        A pa = A(pv.v[k]), ma = A(mv.v[k]), va = A(vv.v[k]), xa = Amsgrad ? A(xv.v[k]) : A(0);
        om::adam_update<A>(pa, A(gv.v[k]), ma, va, xa, c);
        pv.v[k] = T(pa);
        mv.v[k] = T(ma);
        vv.v[k] = T(va);
        if constexpr (Amsgrad) xv.v[k] = T(xa);
      }
      mt_store<T, V>(p, i, pv);
      mt_store<T, V>(m, i, mv);
      mt_store<T, V>(v, i, vv);
      if constexpr (Amsgrad) mt_store<T, V>(vmax, i, xv);
    }
    done = nvec * V;
  }
  for (int64_t i = done + threadIdx.x; i < s.n; i += blockDim.x) {
    A pa = A(p[i]), ma = A(m[i]), va = A(v[i]), xa = Amsgrad ? A(vmax[i]) : A(0);
    om::adam_update<A>(pa, A(g[i]), ma, va, xa, c);
    p[i] = T(pa);
    m[i] = T(ma);
    v[i] = T(va);
    if constexpr (Amsgrad) vmax[i] = T(xa);
  }
}

template <class T, int Depth, bool Momentum, bool Capturable>
__global__ void __launch_bounds__(kMtThreads)
    sgd_multi_kernel(TensorTable<Depth> t, om::SgdCoeffs<acc_t<T>> c, const double* hyper, SgdStepArgs flags) {
  using A = acc_t<T>;
  if constexpr (Capturable) c = sgd_coeffs<A>(sgd_args_from(hyper, flags));
  const BlockSpan s = block_span(t);
  T* p = static_cast<T*>(t.ptr[0][s.slot]) + s.start;
  const T* g = static_cast<const T*>(t.ptr[1][s.slot]) + s.start;
  T* buf = nullptr;
  if constexpr (Momentum) buf = static_cast<T*>(t.ptr[2][s.slot]) + s.start;
  constexpr int V = kMtVec<T>;
  const void* ptrs[3] = {p, g, buf};
  int64_t done = 0;
  if (all_aligned16(ptrs, 3)) {
    const int64_t nvec = s.n / V;
    for (int64_t i = threadIdx.x; i < nvec; i += blockDim.x) {
      MtPack<T, V> pv = mt_load<T, V>(p, i);
      const MtPack<T, V> gv = mt_load<T, V>(g, i);
      MtPack<T, V> bv{};
      if constexpr (Momentum) bv = mt_load<T, V>(buf, i);
#pragma unroll
      for (int k = 0; k < V; ++k) {
        A pa = A(pv.v[k]), b = Momentum ? A(bv.v[k]) : A(0);
        om::sgd_update<A>(pa, A(gv.v[k]), b, c);
        pv.v[k] = T(pa);
        if constexpr (Momentum) bv.v[k] = T(b);
      }
      mt_store<T, V>(p, i, pv);
      if constexpr (Momentum) mt_store<T, V>(buf, i, bv);
    }
    done = nvec * V;
  }
  for (int64_t i = done + threadIdx.x; i < s.n; i += blockDim.x) {
    A pa = A(p[i]), b = Momentum ? A(buf[i]) : A(0);
    om::sgd_update<A>(pa, A(g[i]), b, c);
    p[i] = T(pa);
    if constexpr (Momentum) buf[i] = T(b);
  }
}

// A table of counters for one launch (one thread each), within the 4 KB parameter limit.
inline constexpr int kCountersPerLaunch = 480;
struct CounterTable {
  float* ptr[kCountersPerLaunch];
  int n;
};
static_assert(sizeof(CounterTable) <= 4000, "kernel parameters are limited to 4 KB");

__global__ void increment_kernel(CounterTable t) {
  if (int(threadIdx.x) < t.n) *t.ptr[threadIdx.x] += 1.0f;
}

template <int Depth> void fill_common(TensorTable<Depth>& t, int slot, const MultiTensorEntry& e) {
  t.ptr[0][slot] = e.param;
  t.ptr[1][slot] = const_cast<void*>(e.grad);  // read only by the kernels
  for (int d = 2; d < Depth; ++d) t.ptr[d][slot] = e.state[d - 2];
  t.step[slot] = e.step;
  t.numel[slot] = e.numel;
}

template <class T, bool D, bool Am, bool Mx> void launch_adam_multi(const MultiTensorList& list, const AdamStepArgs& a) {
  using A = acc_t<T>;
  constexpr int Depth = Am ? 5 : 4;
  static_assert(sizeof(TensorTable<Depth>) + sizeof(om::AdamCoeffs<A>) + sizeof(double*) + sizeof(AdamStepArgs) <= 4000,
                "kernel parameters are limited to 4 KB");
  cudaStream_t stream = stream_for(list.device_index);
  // Capturable launches form the coefficients on the device; these are then unused.
  const om::AdamCoeffs<A> c = list.hyper ? om::AdamCoeffs<A>{} : adam_coeffs<A>(a);
  multi_tensor_apply<Depth>(
      list.count,
      [&](size_t i, TensorTable<Depth>& t, int slot) {
        fill_common(t, slot, list.entries[i]);
        return list.entries[i].numel;
      },
      [&](const TensorTable<Depth>& t, int blocks, int64_t) {
        if (list.hyper)
          adam_multi_kernel<T, Depth, D, Am, Mx, true><<<blocks, kMtThreads, 0, stream>>>(t, c, list.hyper, a);
        else
          adam_multi_kernel<T, Depth, D, Am, Mx, false><<<blocks, kMtThreads, 0, stream>>>(t, c, list.hyper, a);
        ACCMT_CUDA_CHECK_LAUNCH();
      });
}

template <class T, bool Momentum> void launch_sgd_multi(const MultiTensorList& list, const SgdStepArgs& a) {
  using A = acc_t<T>;
  constexpr int Depth = Momentum ? 3 : 2;
  static_assert(sizeof(TensorTable<Depth>) + sizeof(om::SgdCoeffs<A>) + sizeof(double*) + sizeof(SgdStepArgs) <= 4000,
                "kernel parameters are limited to 4 KB");
  cudaStream_t stream = stream_for(list.device_index);
  const om::SgdCoeffs<A> c = sgd_coeffs<A>(a);
  multi_tensor_apply<Depth>(
      list.count,
      [&](size_t i, TensorTable<Depth>& t, int slot) {
        fill_common(t, slot, list.entries[i]);
        return list.entries[i].numel;
      },
      [&](const TensorTable<Depth>& t, int blocks, int64_t) {
        if (list.hyper)
          sgd_multi_kernel<T, Depth, Momentum, true><<<blocks, kMtThreads, 0, stream>>>(t, c, list.hyper, a);
        else
          sgd_multi_kernel<T, Depth, Momentum, false><<<blocks, kMtThreads, 0, stream>>>(t, c, list.hyper, a);
        ACCMT_CUDA_CHECK_LAUNCH();
      });
}

}  // namespace

void CudaBackend::adam_step_multi(const MultiTensorList& list, const AdamStepArgs& a) {
  if (list.count == 0) return;
  dispatch_floating(list.dtype, [&]<class T>() {
    dispatch_adam_flags(a, [&]<bool D, bool Am, bool Mx>() { launch_adam_multi<T, D, Am, Mx>(list, a); });
  });
}

void CudaBackend::sgd_step_multi(const MultiTensorList& list, const SgdStepArgs& a) {
  if (list.count == 0) return;
  dispatch_floating(list.dtype, [&]<class T>() {
    if (a.momentum != 0) launch_sgd_multi<T, true>(list, a);
    else launch_sgd_multi<T, false>(list, a);
  });
}

void CudaBackend::increment_counters(float* const* counters, size_t count, int device_index) {
  if (count == 0) return;
  cudaStream_t stream = stream_for(device_index);
  for (size_t first = 0; first < count; first += kCountersPerLaunch) {
    CounterTable t{};
    t.n = int(std::min<size_t>(kCountersPerLaunch, count - first));
    for (int k = 0; k < t.n; ++k) t.ptr[k] = counters[first + size_t(k)];
    increment_kernel<<<1, 512, 0, stream>>>(t);
    ACCMT_CUDA_CHECK_LAUNCH();
  }
}

}  // namespace accmt::kernels::cuda
