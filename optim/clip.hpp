#pragma once
// Gradient clipping over a set of parameters, like torch.nn.utils.clip_grad_norm_ and
// clip_grad_value_. Parameters without a .grad are skipped.
#include <limits>
#include <vector>

#include "tensor/tensor.hpp"

namespace accmt::optim {

// Scales every gradient by min(1, max_norm / (total + 1e-6)), where total is the p-norm
// (norm_type: any p > 0, or infinity) of all gradients taken together. Returns total as a
// 0-dim tensor on the first gradient's device (0 when no parameter has a gradient). With
// error_if_nonfinite, a NaN or infinite total throws accmt::Error (a sync point) and leaves
// the gradients untouched; otherwise they are scaled by the non-finite factor like PyTorch.
Tensor clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// The total norm_type-norm of all gradients (the value clip_grad_norm_ returns) as a
// 0-dim tensor on the first gradient's device (0 on the CPU when no parameter has a
// gradient), without a host sync: for monitoring the training.
Tensor grad_norm(const std::vector<Tensor>& params, double norm_type = 2.0);

// Clamps every gradient element into [-clip_value, clip_value] (clip_value >= 0).
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

inline constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace accmt::optim
