#pragma once
// The per-step coefficients of the fused optimizer kernels, formed once on the host from
// a step's arguments, in double as the CPU backend (and PyTorch) does, then cast to the
// accumulation type. Shared by the CPU and CUDA backends so both update identically.
#include <cmath>

#include "kernels/backend.hpp"
#include "kernels/common/optim_math.hpp"

namespace accmt::kernels {

template <class A> optim_math::SgdCoeffs<A> sgd_coeffs(const SgdStepArgs& a) {
  return {A(a.lr), A(a.momentum), A(a.dampening), A(a.weight_decay), a.nesterov, a.maximize, a.first_step};
}

template <class A> optim_math::AdamCoeffs<A> adam_coeffs(const AdamStepArgs& a) {
  const double bc1 = 1.0 - std::pow(a.beta1, a.step);
  const double bc2 = 1.0 - std::pow(a.beta2, a.step);
  return {A(a.weight_decay), A(1.0 - a.lr * a.weight_decay), A(1.0 - a.beta1), A(a.beta2), A(1.0 - a.beta2),
          A(a.eps),          A(a.lr / bc1),                  A(std::sqrt(bc2)), a.decoupled, a.amsgrad, a.maximize};
}

}  // namespace accmt::kernels
