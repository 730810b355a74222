// Fused optimizer steps on CPU: one parallel pass over the parameter, its gradient and
// its state, applying kernels/common/optim_math.hpp per element.
#include <cmath>

#include "kernels/common/optim_math.hpp"
#include "kernels/optim_coeffs.hpp"
#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/cpu/parallel.hpp"

namespace accmt::kernels::cpu {

namespace om = optim_math;

namespace {

// Elementwise updates are cheap; split only large tensors across threads.
constexpr int64_t kOptimGrain = 1 << 16;

// The loop for one combination of flags: fixing them at compile time lets the compiler
// drop the per-element branches and vectorise the update.
// One thread's range, with restrict-qualified pointers and the coefficients by value so
// the compiler may vectorise (pointers captured by reference in a lambda defeat it).
template <class T, bool Decoupled, bool Amsgrad, bool Maximize>
void adam_range(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, T* __restrict vmax,
                int64_t begin, int64_t end, om::AdamCoeffs<acc_t<T>> c) {
  using A = acc_t<T>;
  c.decoupled = Decoupled;
  c.amsgrad = Amsgrad;
  c.maximize = Maximize;
  for (int64_t i = begin; i < end; ++i) {
    A pv = A(p[i]), mv = A(m[i]), vv = A(v[i]), xv = Amsgrad ? A(vmax[i]) : A(0);
    om::adam_update<A>(pv, A(g[i]), mv, vv, xv, c);
    p[i] = T(pv);
    m[i] = T(mv);
    v[i] = T(vv);
    if constexpr (Amsgrad) vmax[i] = T(xv);
  }
}

// The loop for one combination of flags: fixing them at compile time drops the
// per-element branches.
template <class T, bool Decoupled, bool Amsgrad, bool Maximize>
void adam_loop(T* p, const T* g, T* m, T* v, T* vmax, int64_t n, om::AdamCoeffs<acc_t<T>> c) {
  parallel_for(n, kOptimGrain, [=](int64_t begin, int64_t end) {
    adam_range<T, Decoupled, Amsgrad, Maximize>(p, g, m, v, vmax, begin, end, c);
  });
}

template <class T>
void sgd_range(T* __restrict p, const T* __restrict g, T* __restrict buf, int64_t begin, int64_t end,
               om::SgdCoeffs<acc_t<T>> c) {
  using A = acc_t<T>;
  if (buf) {
    for (int64_t i = begin; i < end; ++i) {
      A pv = A(p[i]), b = A(buf[i]);
      om::sgd_update<A>(pv, A(g[i]), b, c);
      p[i] = T(pv);
      buf[i] = T(b);
    }
  } else {
    for (int64_t i = begin; i < end; ++i) {
      A pv = A(p[i]), b = A(0);
      om::sgd_update<A>(pv, A(g[i]), b, c);
      p[i] = T(pv);
    }
  }
}

}  // namespace

void CpuBackend::sgd_step(const TensorRef& param, const TensorRef& grad, const TensorRef& momentum_buf,
                          const SgdStepArgs& a) {
  dispatch_floating(param.dtype, [&]<class T>() {
    using A = acc_t<T>;
    const om::SgdCoeffs<A> c = sgd_coeffs<A>(a);
    T* p = param.ptr<T>();
    const T* g = grad.ptr<T>();
    T* buf = a.momentum != 0 ? momentum_buf.ptr<T>() : nullptr;
    parallel_for(param.numel(), kOptimGrain,
                 [=](int64_t begin, int64_t end) { sgd_range<T>(p, g, buf, begin, end, c); });
  });
}

void CpuBackend::adam_step(const TensorRef& param, const TensorRef& grad, const TensorRef& exp_avg,
                           const TensorRef& exp_avg_sq, const TensorRef& max_exp_avg_sq, const AdamStepArgs& a) {
  dispatch_floating(param.dtype, [&]<class T>() {
    using A = acc_t<T>;
    const om::AdamCoeffs<A> c = adam_coeffs<A>(a);
    T* p = param.ptr<T>();
    const T* g = grad.ptr<T>();
    T* m = exp_avg.ptr<T>();
    T* v = exp_avg_sq.ptr<T>();
    T* vmax = a.amsgrad ? max_exp_avg_sq.ptr<T>() : nullptr;
    const int64_t n = param.numel();
    const int flags = (a.decoupled ? 4 : 0) | (a.amsgrad ? 2 : 0) | (a.maximize ? 1 : 0);
    switch (flags) {
      case 0:
        adam_loop<T, false, false, false>(p, g, m, v, vmax, n, c);
        break;
      case 1:
        adam_loop<T, false, false, true>(p, g, m, v, vmax, n, c);
        break;
      case 2:
        adam_loop<T, false, true, false>(p, g, m, v, vmax, n, c);
        break;
      case 3:
        adam_loop<T, false, true, true>(p, g, m, v, vmax, n, c);
        break;
      case 4:
        adam_loop<T, true, false, false>(p, g, m, v, vmax, n, c);
        break;
      case 5:
        adam_loop<T, true, false, true>(p, g, m, v, vmax, n, c);
        break;
      case 6:
        adam_loop<T, true, true, false>(p, g, m, v, vmax, n, c);
        break;
      default:
        adam_loop<T, true, true, true>(p, g, m, v, vmax, n, c);
        break;
    }
  });
}

}  // namespace accmt::kernels::cpu
