#pragma once
// The per-step coefficients of the fused optimizer kernels, formed from a step's
// arguments in double as the CPU backend (and PyTorch) does, then cast to the
// accumulation type. Host and device code share these builders: eager steps form the
// coefficients once on the host, capturable steps on the device from the float64
// hyper-parameter array and the device step counter, so both update identically.
#include <cmath>

#include "kernels/backend.hpp"
#include "kernels/common/macros.hpp"
#include "kernels/common/optim_math.hpp"

namespace accmt::kernels {

template <class A> ACCMT_HOST_DEVICE inline optim_math::SgdCoeffs<A> sgd_coeffs(const SgdStepArgs& a) {
  return {A(a.lr), A(a.momentum), A(a.dampening), A(a.weight_decay), a.nesterov, a.maximize, a.first_step};
}

template <class A> ACCMT_HOST_DEVICE inline optim_math::AdamCoeffs<A> adam_coeffs(const AdamStepArgs& a) {
  const double bc1 = 1.0 - std::pow(a.beta1, a.step);
  const double bc2 = 1.0 - std::pow(a.beta2, a.step);
  return {A(a.weight_decay), A(1.0 - a.lr * a.weight_decay), A(1.0 - a.beta1), A(a.beta2), A(1.0 - a.beta2),
          A(a.eps),          A(a.lr / bc1),                  A(std::sqrt(bc2)), a.decoupled, a.amsgrad, a.maximize};
}

// The args of a capturable step: hyper-parameters from `hyper` (AdamHyper / SgdHyper
// order), flags from `flags`, and (Adam) the step count read from the device counter.
ACCMT_HOST_DEVICE inline AdamStepArgs adam_args_from(const double* hyper, const AdamStepArgs& flags, float step) {
  return {hyper[kAdamLr], hyper[kAdamBeta1], hyper[kAdamBeta2], hyper[kAdamEps], hyper[kAdamWeightDecay],
          flags.decoupled, flags.amsgrad,     flags.maximize,    double(step)};
}
ACCMT_HOST_DEVICE inline SgdStepArgs sgd_args_from(const double* hyper, const SgdStepArgs& flags) {
  return {hyper[kSgdLr], hyper[kSgdMomentum], hyper[kSgdDampening], hyper[kSgdWeightDecay],
          flags.nesterov, flags.maximize,     flags.first_step};
}

// Calls f.template operator()<Decoupled, Amsgrad, Maximize>() with the flags fixed at
// compile time, so the per-element branches on them disappear.
template <class F> decltype(auto) dispatch_adam_flags(const AdamStepArgs& a, F&& f) {
  switch ((a.decoupled ? 4 : 0) | (a.amsgrad ? 2 : 0) | (a.maximize ? 1 : 0)) {
    case 0: return f.template operator()<false, false, false>();
    case 1: return f.template operator()<false, false, true>();
    case 2: return f.template operator()<false, true, false>();
    case 3: return f.template operator()<false, true, true>();
    case 4: return f.template operator()<true, false, false>();
    case 5: return f.template operator()<true, false, true>();
    case 6: return f.template operator()<true, true, false>();
    default: return f.template operator()<true, true, true>();
  }
}

}  // namespace accmt::kernels
