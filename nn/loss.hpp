#pragma once
// Loss modules (torch.nn names): thin holders of options around nn::functional's losses.
// Class weights and pos_weight are registered as buffers named like PyTorch's ("weight",
// "pos_weight") when given, so they move with to() and appear in state_dict.
#include <string>

#include "nn/functional/loss.hpp"
#include "nn/module.hpp"

namespace accmt::nn {

// Base of the losses: forward(input, target); the one-argument forward is not available.
class Loss : public Module {
 public:
  using Module::forward;
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
};

class CrossEntropyLoss : public Loss {
 public:
  explicit CrossEntropyLoss(const functional::CrossEntropyOptions& opts = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string type_name() const override { return "CrossEntropyLoss"; }
  functional::CrossEntropyOptions options;
};

class NLLLoss : public Loss {
 public:
  explicit NLLLoss(const functional::NLLLossOptions& opts = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string type_name() const override { return "NLLLoss"; }
  functional::NLLLossOptions options;
};

class MSELoss : public Loss {
 public:
  explicit MSELoss(std::string reduction = "mean");
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string type_name() const override { return "MSELoss"; }
  std::string reduction;
};

class L1Loss : public Loss {
 public:
  explicit L1Loss(std::string reduction = "mean");
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string type_name() const override { return "L1Loss"; }
  std::string reduction;
};

struct SmoothL1LossOptions {
  std::string reduction = "mean";
  double beta = 1.0;
};
class SmoothL1Loss : public Loss {
 public:
  explicit SmoothL1Loss(const SmoothL1LossOptions& opts = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string type_name() const override { return "SmoothL1Loss"; }
  SmoothL1LossOptions options;
};

struct HuberLossOptions {
  std::string reduction = "mean";
  double delta = 1.0;
};
class HuberLoss : public Loss {
 public:
  explicit HuberLoss(const HuberLossOptions& opts = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string type_name() const override { return "HuberLoss"; }
  HuberLossOptions options;
};

struct BCELossOptions {
  Tensor weight;
  std::string reduction = "mean";
};
class BCELoss : public Loss {
 public:
  explicit BCELoss(const BCELossOptions& opts = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string type_name() const override { return "BCELoss"; }
  BCELossOptions options;
};

class BCEWithLogitsLoss : public Loss {
 public:
  explicit BCEWithLogitsLoss(const functional::BCEWithLogitsOptions& opts = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string type_name() const override { return "BCEWithLogitsLoss"; }
  functional::BCEWithLogitsOptions options;
};

struct KLDivLossOptions {
  std::string reduction = "mean";
  bool log_target = false;
};
class KLDivLoss : public Loss {
 public:
  explicit KLDivLoss(const KLDivLossOptions& opts = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string type_name() const override { return "KLDivLoss"; }
  KLDivLossOptions options;
};

}  // namespace accmt::nn
