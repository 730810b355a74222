#pragma once
// Raw front-ends of the multi-tensor norm and scale kernels behind fused gradient
// clipping (optim/clip.cpp): one backend call for a whole list, nothing read back to the
// host. Nothing is recorded by autograd.
#include <vector>

#include "tensor/tensor.hpp"

namespace accmt::native {

// The norm_type-norm (1, 2, inf or any p > 0) of each tensor (one device, one floating
// dtype, any shapes): a [n] tensor in that dtype on that device.
Tensor multi_norm(const std::vector<Tensor>& tensors, double norm_type);
// tensors[i] *= scale in place for all i (one device, one floating dtype); scale is a
// 0-dim tensor on that device, cast to the tensors' dtype first like mul_.
void multi_scale_(const std::vector<Tensor>& tensors, const Tensor& scale);

}  // namespace accmt::native
