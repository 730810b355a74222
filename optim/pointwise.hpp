#pragma once
// PyTorch's in-place pointwise helpers, composed from Tensor ops in the same operation
// order as ATen's CPU kernels, so float64 trajectories agree to rounding. Callers hold a
// NoGradGuard.
#include "tensor/tensor.hpp"

namespace accmt::optim::detail {

// self += weight * (end - self) for |weight| < 0.5, else end - (end - self) * (1 - weight).
void lerp_(Tensor& self, const Tensor& end, double weight);
// self += (value * a) * b.
void addcmul_(Tensor& self, const Tensor& a, const Tensor& b, double value);
// self += (value * a) / b.
void addcdiv_(Tensor& self, const Tensor& a, const Tensor& b, double value);

}  // namespace accmt::optim::detail
