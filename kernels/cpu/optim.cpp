// Fused optimizer steps on CPU: one parallel pass over the parameter, its gradient and
// its state, applying kernels/common/optim_math.hpp per element.
#include <cmath>

#include "kernels/common/optim_math.hpp"
#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/cpu/parallel.hpp"

namespace accmt::kernels::cpu {

namespace om = optim_math;

namespace {

// Elementwise updates are cheap; split only large tensors across threads.
constexpr int64_t kOptimGrain = 1 << 16;

}  // namespace

void CpuBackend::sgd_step(const TensorRef& param, const TensorRef& grad, const TensorRef& momentum_buf,
                          const SgdStepArgs& a) {
  dispatch_floating(param.dtype, [&]<class T>() {
    using A = acc_t<T>;
    const om::SgdCoeffs<A> c{A(a.lr),      A(a.momentum), A(a.dampening), A(a.weight_decay),
                             a.nesterov,   a.maximize,    a.first_step};
    T* p = param.ptr<T>();
    const T* g = grad.ptr<T>();
    T* buf = a.momentum != 0 ? momentum_buf.ptr<T>() : nullptr;
    parallel_for(param.numel(), kOptimGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        A pv = A(p[i]), b = buf ? A(buf[i]) : A(0);
        om::sgd_update<A>(pv, A(g[i]), b, c);
        p[i] = T(pv);
        if (buf) buf[i] = T(b);
      }
    });
  });
}

void CpuBackend::adam_step(const TensorRef& param, const TensorRef& grad, const TensorRef& exp_avg,
                           const TensorRef& exp_avg_sq, const TensorRef& max_exp_avg_sq, const AdamStepArgs& a) {
  // Scalars are formed in double, as PyTorch does in Python, then cast once.
  const double bc1 = 1.0 - std::pow(a.beta1, a.step);
  const double bc2 = 1.0 - std::pow(a.beta2, a.step);
  dispatch_floating(param.dtype, [&]<class T>() {
    using A = acc_t<T>;
    const om::AdamCoeffs<A> c{A(a.weight_decay), A(1.0 - a.lr * a.weight_decay), A(1.0 - a.beta1), A(a.beta2),
                              A(1.0 - a.beta2),  A(a.eps),  A(a.lr / bc1),   A(std::sqrt(bc2)),
                              a.decoupled,       a.amsgrad, a.maximize};
    T* p = param.ptr<T>();
    const T* g = grad.ptr<T>();
    T* m = exp_avg.ptr<T>();
    T* v = exp_avg_sq.ptr<T>();
    T* vmax = a.amsgrad ? max_exp_avg_sq.ptr<T>() : nullptr;
    parallel_for(param.numel(), kOptimGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        A pv = A(p[i]), mv = A(m[i]), vv = A(v[i]), xv = vmax ? A(vmax[i]) : A(0);
        om::adam_update<A>(pv, A(g[i]), mv, vv, xv, c);
        p[i] = T(pv);
        m[i] = T(mv);
        v[i] = T(vv);
        if (vmax) vmax[i] = T(xv);
      }
    });
  });
}

}  // namespace accmt::kernels::cpu
