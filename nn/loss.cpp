// Loss modules: options are validated at construction (a bad reduction fails early) and
// weights live in buffers so that Module::to moves them.
#include "nn/loss.hpp"

namespace accmt::nn {
CrossEntropyLoss::CrossEntropyLoss(const functional::CrossEntropyOptions& opts) : options(opts) {
  if (opts.weight.defined()) options.weight = register_buffer("weight", opts.weight);
  functional::check_reduction("CrossEntropyLoss", options.reduction);
  ACCMT_CHECK(options.label_smoothing >= 0.0 && options.label_smoothing <= 1.0,
              "CrossEntropyLoss: label_smoothing must be in [0, 1], got ", options.label_smoothing);
}
Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) {
  return functional::cross_entropy(input, target, options);
}

NLLLoss::NLLLoss(const functional::NLLLossOptions& opts) : options(opts) {
  if (opts.weight.defined()) options.weight = register_buffer("weight", opts.weight);
  functional::check_reduction("NLLLoss", options.reduction);
}
Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) {
  return functional::nll_loss(input, target, options);
}

MSELoss::MSELoss(std::string r) : reduction(std::move(r)) {
  functional::check_reduction("MSELoss", reduction);
}
Tensor MSELoss::forward(const Tensor& input, const Tensor& target) {
  return functional::mse_loss(input, target, reduction);
}

L1Loss::L1Loss(std::string r) : reduction(std::move(r)) {
  functional::check_reduction("L1Loss", reduction);
}
Tensor L1Loss::forward(const Tensor& input, const Tensor& target) {
  return functional::l1_loss(input, target, reduction);
}

SmoothL1Loss::SmoothL1Loss(const SmoothL1LossOptions& opts) : options(opts) {
  functional::check_reduction("SmoothL1Loss", options.reduction);
  ACCMT_CHECK(options.beta >= 0.0, "SmoothL1Loss: beta must be >= 0, got ", options.beta);
}
Tensor SmoothL1Loss::forward(const Tensor& input, const Tensor& target) {
  return functional::smooth_l1_loss(input, target, options.reduction, options.beta);
}

HuberLoss::HuberLoss(const HuberLossOptions& opts) : options(opts) {
  functional::check_reduction("HuberLoss", options.reduction);
  ACCMT_CHECK(options.delta > 0.0, "HuberLoss: delta must be > 0, got ", options.delta);
}
Tensor HuberLoss::forward(const Tensor& input, const Tensor& target) {
  return functional::huber_loss(input, target, options.reduction, options.delta);
}

BCELoss::BCELoss(const BCELossOptions& opts) : options(opts) {
  if (opts.weight.defined()) options.weight = register_buffer("weight", opts.weight);
  functional::check_reduction("BCELoss", options.reduction);
}
Tensor BCELoss::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy(input, target, options.weight, options.reduction);
}

BCEWithLogitsLoss::BCEWithLogitsLoss(const functional::BCEWithLogitsOptions& opts) : options(opts) {
  if (opts.weight.defined()) options.weight = register_buffer("weight", opts.weight);
  if (opts.pos_weight.defined()) options.pos_weight = register_buffer("pos_weight", opts.pos_weight);
  functional::check_reduction("BCEWithLogitsLoss", options.reduction);
}
Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) {
  return functional::binary_cross_entropy_with_logits(input, target, options);
}

KLDivLoss::KLDivLoss(const KLDivLossOptions& opts) : options(opts) {
  functional::check_reduction("KLDivLoss", options.reduction, true);
}
Tensor KLDivLoss::forward(const Tensor& input, const Tensor& target) {
  return functional::kl_div(input, target, options.reduction, options.log_target);
}

}  // namespace accmt::nn
