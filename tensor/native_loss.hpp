#pragma once
// Raw front-ends of the fused cross-entropy kernel family (kernels/backend.hpp): checks,
// allocation, dispatch. autograd/ops_loss.cpp builds the differentiable op on top.
#include "tensor/native.hpp"

namespace accmt::native {

// Throws accmt::Error naming `op` unless every class index of `target` (int64) is in
// [0, classes) or equals ignore_index. On the CPU only: on CUDA reading the answer back
// would be a host sync in every loss (and break graph capture), so there the kernels
// report an out-of-range target through the device error slot, raised at the next sync.
void check_class_targets(const char* op, const Tensor& target, int64_t classes, int64_t ignore_index);

struct CrossEntropyRows {
  Tensor loss;        // [rows] per-row loss (0 for ignored rows)
  Tensor lse;         // [rows] logsumexp of each logits row (saved for backward)
  Tensor row_weight;  // [rows] class weight of each row's target (0 if ignored; 1 for probabilities)
};

// logits: [rows, classes] floating. target: int64 [rows] class indices (each in
// [0, classes) or == ignore_index), or [rows, classes] probabilities of logits' dtype.
// weight: undefined, or [classes] of logits' dtype.
CrossEntropyRows cross_entropy_forward(const Tensor& logits, const Tensor& target, const Tensor& weight,
                                       int64_t ignore_index, double label_smoothing);
// grad_logits = (softmax * A - a) * grad_loss per row; grad_loss is [rows] (may be expanded).
Tensor cross_entropy_backward(const Tensor& logits, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                              double label_smoothing, const Tensor& lse, const Tensor& grad_loss);

}  // namespace accmt::native
