// Fused optimizer steps on one tensor (CPU): a one-entry list for the multi-tensor loops
// (kernels/cpu/optim_multi.cpp), so both forms run one implementation.
#include "kernels/cpu/cpu_backend.hpp"

namespace accmt::kernels::cpu {

namespace {
MultiTensorEntry entry(const TensorRef& param, const TensorRef& grad, void* s0, void* s1, void* s2) {
  MultiTensorEntry e;
  e.param = param.data;
  e.grad = grad.data;
  e.state[0] = s0;
  e.state[1] = s1;
  e.state[2] = s2;
  e.numel = param.numel();
  return e;
}
}  // namespace

void CpuBackend::sgd_step(const TensorRef& param, const TensorRef& grad, const TensorRef& momentum_buf,
                          const SgdStepArgs& a) {
  const MultiTensorEntry e = entry(param, grad, a.momentum != 0 ? momentum_buf.data : nullptr, nullptr, nullptr);
  sgd_step_multi({&e, 1, param.dtype, param.device_index, nullptr}, a);
}

void CpuBackend::adam_step(const TensorRef& param, const TensorRef& grad, const TensorRef& exp_avg,
                           const TensorRef& exp_avg_sq, const TensorRef& max_exp_avg_sq, const AdamStepArgs& a) {
  const MultiTensorEntry e =
      entry(param, grad, exp_avg.data, exp_avg_sq.data, a.amsgrad ? max_exp_avg_sq.data : nullptr);
  adam_step_multi({&e, 1, param.dtype, param.device_index, nullptr}, a);
}

}  // namespace accmt::kernels::cpu
