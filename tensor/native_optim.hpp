#pragma once
// Raw front-ends of the fused optimizer kernels: they check that the parameter, gradient
// and state tensors agree (shape, floating dtype, device), make non-contiguous operands
// contiguous (writing results back), and dispatch to the device's kernel. Parameters and
// state are updated in place; nothing is recorded by autograd.
#include "kernels/backend.hpp"
#include "tensor/tensor.hpp"

namespace accmt::native {

// One tensor: a one-entry list of the multi-tensor forms below.
// momentum_buf may be undefined when args.momentum == 0.
void sgd_step_(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf, const kernels::SgdStepArgs& args);
// max_exp_avg_sq may be undefined unless args.amsgrad.
void adam_step_(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const Tensor& max_exp_avg_sq, const kernels::AdamStepArgs& args);

// ---- Multi-tensor forms: every entry is checked like the single-tensor call, and all
// entries share one device and dtype; one backend call updates them all, with results
// bit-identical to one single-tensor call per entry.
struct SgdOperands {
  Tensor param, grad, momentum_buf;  // momentum_buf undefined when args.momentum == 0
};
struct AdamOperands {
  Tensor param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq;  // max_exp_avg_sq undefined unless amsgrad
  Tensor step;  // capturable: the float32 0-dim step counter on the parameter's device
};
// hyper undefined: the scalars come from args (Adam's args.step too). Defined: a float64
// tensor on the entries' device holding the hyper-parameters (kernels::SgdHyper /
// AdamHyper order) that the kernel reads, and Adam reads each entry's step; only the
// flags come from args. Nothing is read back to the host.
void sgd_step_multi_(const std::vector<SgdOperands>& list, const kernels::SgdStepArgs& args,
                     const Tensor& hyper = Tensor());
void adam_step_multi_(const std::vector<AdamOperands>& list, const kernels::AdamStepArgs& args,
                      const Tensor& hyper = Tensor());
// Adds one to each float32 0-dim counter (all on one device) in one backend call.
void increment_counters_(const std::vector<Tensor>& counters);

}  // namespace accmt::native
