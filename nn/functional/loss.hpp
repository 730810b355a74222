#pragma once
// Loss functions with PyTorch's semantics (torch.nn.functional names and defaults).
// reduction is "none", "mean" or "sum" ("batchmean" too for kl_div); anything else is an
// accmt::Error. Unlike PyTorch, input and target must have the same shape (PyTorch
// broadcasts some losses with a warning); class weights and pos_weight broadcast.
#include <string>

#include "tensor/tensor.hpp"

namespace accmt::nn::functional {

// Throws accmt::Error naming `op` unless reduction is "none", "mean" or "sum" (or
// "batchmean" when allowed). Loss modules call it at construction.
void check_reduction(const char* op, const std::string& reduction, bool allow_batchmean = false);

struct CrossEntropyOptions {
  Tensor weight{};                    // optional [C] class weights
  int64_t ignore_index = -100;      // class-index targets only
  std::string reduction = "mean";
  double label_smoothing = 0.0;     // in [0, 1]
};
// input: [C], [N, C] or [N, C, d1, ...] logits. target: int64 class indices of shape [],
// [N] or [N, d1, ...]; or class probabilities of the input's shape (floating). A fused,
// numerically stable log-softmax + NLL. Mean over class indices divides by the summed
// weights of the non-ignored targets; mean over probabilities divides by N * d1 * ...
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& opts = {});

struct NLLLossOptions {
  Tensor weight{};
  int64_t ignore_index = -100;
  std::string reduction = "mean";
};
// input: log-probabilities [C], [N, C] or [N, C, d1, ...]; target: int64 class indices.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossOptions& opts = {});

Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
Tensor l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
// 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta = 0 is the L1 loss).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
                      double beta = 1.0);
// 0.5 d^2 where |d| < delta, else delta * (|d| - 0.5 delta); delta > 0.
Tensor huber_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
                  double delta = 1.0);

// input: probabilities in [0, 1]; logs clamped at -100 like PyTorch. weight broadcasts
// to the input's shape.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                            const std::string& reduction = "mean");

struct BCEWithLogitsOptions {
  Tensor weight{};       // broadcast to the input's shape
  std::string reduction = "mean";
  Tensor pos_weight{};   // weight of positive examples, broadcast along the last (class) dim
};
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsOptions& opts = {});

// input: log-probabilities; target: probabilities (log-probabilities if log_target).
// Pointwise t * (log t - input); "batchmean" divides the sum by input.size(0) (the
// mathematically correct KL divergence), "mean" by the element count like PyTorch.
Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
              bool log_target = false);

}  // namespace accmt::nn::functional
