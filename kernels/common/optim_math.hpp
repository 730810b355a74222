#pragma once
// Per-element optimizer updates shared by the CPU loops and (later) CUDA kernels. The
// operation order follows PyTorch's single-tensor implementations (torch.optim, CPU), so
// float64 trajectories agree to rounding: add-with-alpha is a + alpha*b, addcmul is
// a + (v*b)*c, addcdiv is a + (v*b)/c, and lerp switches form at weight 0.5.
#include <cmath>

#include "kernels/common/macros.hpp"

namespace accmt::kernels::optim_math {

template <class T>
ACCMT_HOST_DEVICE ACCMT_FORCE_INLINE T lerp(T self, T end, T weight) {
  return (weight < T(0.5) && weight > T(-0.5)) ? self + weight * (end - self) : end - (end - self) * (T(1) - weight);
}

// Hyper-parameters of one SGD step (already cast to the compute type by the caller).
template <class T>
struct SgdCoeffs {
  T lr, momentum, dampening, weight_decay;
  bool nesterov, maximize, first_step;  // first_step: the momentum buffer starts as the grad
};

// p, g: parameter and gradient; buf: momentum buffer (unused when momentum == 0).
template <class T>
ACCMT_HOST_DEVICE ACCMT_FORCE_INLINE void sgd_update(T& p, T g, T& buf, const SgdCoeffs<T>& c) {
  if (c.maximize) g = -g;
  if (c.weight_decay != T(0)) g = g + c.weight_decay * p;
  if (c.momentum != T(0)) {
    buf = c.first_step ? g : buf * c.momentum + (T(1) - c.dampening) * g;
    g = c.nesterov ? g + c.momentum * buf : buf;
  }
  p = p + (-c.lr) * g;
}

// Hyper-parameters of one Adam/AdamW step. decay_factor = 1 - lr * weight_decay (AdamW);
// step_size = lr / (1 - beta1^t); bc2_sqrt = sqrt(1 - beta2^t).
template <class T>
struct AdamCoeffs {
  T weight_decay, decay_factor, one_minus_beta1, beta2, one_minus_beta2, eps, step_size, bc2_sqrt;
  bool decoupled, amsgrad, maximize;
};

// m, v: first and second moments; vmax: running max of v (used when amsgrad).
template <class T>
ACCMT_HOST_DEVICE ACCMT_FORCE_INLINE void adam_update(T& p, T g, T& m, T& v, T& vmax, const AdamCoeffs<T>& c) {
  if (c.maximize) g = -g;
  if (c.decoupled)
    p = p * c.decay_factor;
  else if (c.weight_decay != T(0))
    g = g + c.weight_decay * p;
  m = lerp(m, g, c.one_minus_beta1);
  v = v * c.beta2 + (c.one_minus_beta2 * g) * g;
  T second = v;
  if (c.amsgrad) {
    vmax = (vmax > v || vmax != vmax) ? vmax : v;  // NaN-propagating max, like torch.maximum
    second = vmax;
  }
  T denom = std::sqrt(second) / c.bc2_sqrt + c.eps;
  p = p + ((-c.step_size) * m) / denom;
}

}  // namespace accmt::kernels::optim_math
