// Fused SGD and Adam/AdamW steps on CUDA: one pass over the parameter, its gradient and its
// state, applying kernels/common/optim_math.hpp per element (the CPU's formulas). Memory
// bound, so each thread moves 16-byte vectors of every operand when all of them are
// 16-byte aligned (the usual case: allocator blocks), with a scalar loop for the tail.
#include <cuda_runtime_api.h>

#include <cmath>

#include "kernels/common/optim_math.hpp"
#include "kernels/optim_coeffs.hpp"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/launch.cuh"

namespace accmt::kernels::cuda {

namespace om = optim_math;

namespace {

template <class T, int V> struct alignas(sizeof(T) * V) Pack {
  T v[V];
};

template <class T, int V> __device__ inline Pack<T, V> load(const T* base, int64_t i) {
  return reinterpret_cast<const Pack<T, V>*>(base)[i];
}
template <class T, int V> __device__ inline void store(T* base, int64_t i, const Pack<T, V>& x) {
  reinterpret_cast<Pack<T, V>*>(base)[i] = x;
}

// Elements per 16-byte vector.
template <class T> constexpr int kVec = int(16 / sizeof(T));

bool aligned16(const void* p) { return p == nullptr || reinterpret_cast<uintptr_t>(p) % 16 == 0; }

// Vectors [0, n / V) first, then the scalar tail, both grid-stride.
template <int V, class F> __device__ inline void for_each_vector(int64_t n, F&& body) {
  const int64_t nvec = n / V;
  for (int64_t i = global_index(); i < nvec; i += grid_stride()) body(i);
}

template <class T, int V, bool Momentum>
__global__ void sgd_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ buf, int64_t n,
                           om::SgdCoeffs<acc_t<T>> c) {
  using A = acc_t<T>;
  for_each_vector<V>(n, [&](int64_t i) {
    Pack<T, V> pv = load<T, V>(p, i);
    const Pack<T, V> gv = load<T, V>(g, i);
    Pack<T, V> bv{};
    if constexpr (Momentum) bv = load<T, V>(buf, i);
#pragma unroll
    for (int k = 0; k < V; ++k) {
      A pa = A(pv.v[k]), b = Momentum ? A(bv.v[k]) : A(0);
      om::sgd_update<A>(pa, A(gv.v[k]), b, c);
      pv.v[k] = T(pa);
      if constexpr (Momentum) bv.v[k] = T(b);
    }
    store<T, V>(p, i, pv);
    if constexpr (Momentum) store<T, V>(buf, i, bv);
  });
  for (int64_t i = n / V * V + global_index(); i < n; i += grid_stride()) {
    A pa = A(p[i]), b = Momentum ? A(buf[i]) : A(0);
    om::sgd_update<A>(pa, A(g[i]), b, c);
    p[i] = T(pa);
    if constexpr (Momentum) buf[i] = T(b);
  }
}

template <class T, int V, bool Decoupled, bool Amsgrad, bool Maximize>
__global__ void adam_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ v,
                            T* __restrict__ vmax, int64_t n, om::AdamCoeffs<acc_t<T>> c) {
  using A = acc_t<T>;
  // Fixed at compile time: the per-element branches on them disappear.
  c.decoupled = Decoupled;
  c.amsgrad = Amsgrad;
  c.maximize = Maximize;
  for_each_vector<V>(n, [&](int64_t i) {
    Pack<T, V> pv = load<T, V>(p, i), mv = load<T, V>(m, i), vv = load<T, V>(v, i);
    const Pack<T, V> gv = load<T, V>(g, i);
    Pack<T, V> xv{};
    if constexpr (Amsgrad) xv = load<T, V>(vmax, i);
#pragma unroll
    for (int k = 0; k < V; ++k) {
      A pa = A(pv.v[k]), ma = A(mv.v[k]), va = A(vv.v[k]), xa = Amsgrad ? A(xv.v[k]) : A(0);
      om::adam_update<A>(pa, A(gv.v[k]), ma, va, xa, c);
      pv.v[k] = T(pa);
      mv.v[k] = T(ma);
      vv.v[k] = T(va);
      if constexpr (Amsgrad) xv.v[k] = T(xa);
    }
    store<T, V>(p, i, pv);
    store<T, V>(m, i, mv);
    store<T, V>(v, i, vv);
    if constexpr (Amsgrad) store<T, V>(vmax, i, xv);
  });
  for (int64_t i = n / V * V + global_index(); i < n; i += grid_stride()) {
    A pa = A(p[i]), ma = A(m[i]), va = A(v[i]), xa = Amsgrad ? A(vmax[i]) : A(0);
    om::adam_update<A>(pa, A(g[i]), ma, va, xa, c);
    p[i] = T(pa);
    m[i] = T(ma);
    v[i] = T(va);
    if constexpr (Amsgrad) vmax[i] = T(xa);
  }
}

// Threads needed when each moves V elements (the tail needs fewer than one vector's worth).
template <int V> int blocks_for_vectors(int64_t n) { return blocks_for(std::max<int64_t>(n / V, n % V)); }

template <class T, bool Decoupled, bool Amsgrad, bool Maximize>
void launch_adam(cudaStream_t stream, bool vectorize, T* p, const T* g, T* m, T* v, T* vmax, int64_t n,
                 const om::AdamCoeffs<acc_t<T>>& c) {
  constexpr int V = kVec<T>;
  if (vectorize)
    adam_kernel<T, V, Decoupled, Amsgrad, Maximize>
        <<<blocks_for_vectors<V>(n), kThreads, 0, stream>>>(p, g, m, v, vmax, n, c);
  else
    adam_kernel<T, 1, Decoupled, Amsgrad, Maximize><<<blocks_for(n), kThreads, 0, stream>>>(p, g, m, v, vmax, n, c);
}

}  // namespace

void CudaBackend::sgd_step(const TensorRef& param, const TensorRef& grad, const TensorRef& momentum_buf,
                           const SgdStepArgs& a) {
  const int64_t n = param.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(param.device_index);
  dispatch_floating(param.dtype, [&]<class T>() {
    using A = acc_t<T>;
    const om::SgdCoeffs<A> c = sgd_coeffs<A>(a);
    T* p = param.ptr<T>();
    const T* g = grad.ptr<const T>();
    T* buf = a.momentum != 0 ? momentum_buf.ptr<T>() : nullptr;
    constexpr int V = kVec<T>;
    const bool vectorize = aligned16(p) && aligned16(g) && aligned16(buf);
    if (buf != nullptr) {
      if (vectorize) sgd_kernel<T, V, true><<<blocks_for_vectors<V>(n), kThreads, 0, stream>>>(p, g, buf, n, c);
      else sgd_kernel<T, 1, true><<<blocks_for(n), kThreads, 0, stream>>>(p, g, buf, n, c);
    } else {
      if (vectorize) sgd_kernel<T, V, false><<<blocks_for_vectors<V>(n), kThreads, 0, stream>>>(p, g, buf, n, c);
      else sgd_kernel<T, 1, false><<<blocks_for(n), kThreads, 0, stream>>>(p, g, buf, n, c);
    }
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

void CudaBackend::adam_step(const TensorRef& param, const TensorRef& grad, const TensorRef& exp_avg,
                            const TensorRef& exp_avg_sq, const TensorRef& max_exp_avg_sq, const AdamStepArgs& a) {
  const int64_t n = param.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(param.device_index);
  dispatch_floating(param.dtype, [&]<class T>() {
    using A = acc_t<T>;
    const om::AdamCoeffs<A> c = adam_coeffs<A>(a);
    T* p = param.ptr<T>();
    const T* g = grad.ptr<const T>();
    T* m = exp_avg.ptr<T>();
    T* v = exp_avg_sq.ptr<T>();
    T* vmax = a.amsgrad ? max_exp_avg_sq.ptr<T>() : nullptr;
    const bool vec = aligned16(p) && aligned16(g) && aligned16(m) && aligned16(v) && aligned16(vmax);
    switch ((a.decoupled ? 4 : 0) | (a.amsgrad ? 2 : 0) | (a.maximize ? 1 : 0)) {
      case 0: return launch_adam<T, false, false, false>(stream, vec, p, g, m, v, vmax, n, c);
      case 1: return launch_adam<T, false, false, true>(stream, vec, p, g, m, v, vmax, n, c);
      case 2: return launch_adam<T, false, true, false>(stream, vec, p, g, m, v, vmax, n, c);
      case 3: return launch_adam<T, false, true, true>(stream, vec, p, g, m, v, vmax, n, c);
      case 4: return launch_adam<T, true, false, false>(stream, vec, p, g, m, v, vmax, n, c);
      case 5: return launch_adam<T, true, false, true>(stream, vec, p, g, m, v, vmax, n, c);
      case 6: return launch_adam<T, true, true, false>(stream, vec, p, g, m, v, vmax, n, c);
      default: return launch_adam<T, true, true, true>(stream, vec, p, g, m, v, vmax, n, c);
    }
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

}  // namespace accmt::kernels::cuda
