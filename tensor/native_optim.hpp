#pragma once
// Raw front-ends of the fused optimizer kernels: they check that the parameter, gradient
// and state tensors agree (shape, floating dtype, device), make non-contiguous operands
// contiguous (writing results back), and dispatch to the device's kernel. Parameters and
// state are updated in place; nothing is recorded by autograd.
#include "kernels/backend.hpp"
#include "tensor/tensor.hpp"

namespace accmt::native {

// momentum_buf may be undefined when args.momentum == 0.
void sgd_step_(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf, const kernels::SgdStepArgs& args);
// max_exp_avg_sq may be undefined unless args.amsgrad.
void adam_step_(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const Tensor& max_exp_avg_sq, const kernels::AdamStepArgs& args);

}  // namespace accmt::native
