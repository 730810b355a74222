#pragma once
// The differentiable fused cross-entropy (log-softmax + NLL per row). nn::functional
// builds cross_entropy's shapes and reductions on top of it.
#include <utility>

#include "tensor/tensor.hpp"

namespace accmt::autograd {

// logits [rows, classes]; target int64 [rows] or probabilities [rows, classes]; weight
// undefined or [classes]. Returns {loss [rows], row_weight [rows]}: the loss is
// differentiable w.r.t. logits (one fused backward pass) and probability targets; the
// row weights (the mean's divisor terms) carry no gradient.
std::pair<Tensor, Tensor> cross_entropy_rows(const Tensor& logits, const Tensor& target, const Tensor& weight,
                                             int64_t ignore_index, double label_smoothing);

// Elementwise binary cross-entropy on probabilities (logs clamped at -100 like PyTorch),
// times weight (undefined, or broadcastable to input). Gradients follow PyTorch's
// formulas: w * (x - t) / max(x * (1 - x), 1e-12) for the input.
Tensor binary_cross_entropy_elementwise(const Tensor& input, const Tensor& target, const Tensor& weight);
// Elementwise, numerically stable BCE on logits with optional weight and pos_weight
// (both broadcastable to input).
Tensor binary_cross_entropy_with_logits_elementwise(const Tensor& input, const Tensor& target, const Tensor& weight,
                                                    const Tensor& pos_weight);

}  // namespace accmt::autograd
