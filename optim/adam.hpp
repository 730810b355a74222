#pragma once
// Adam (L2 weight decay folded into the gradient, optional AMSGrad) and AdamW (decoupled
// weight decay), matching torch.optim.Adam / AdamW. Both use the fused adam_step kernel.
#include "optim/capturable.hpp"
#include "optim/optimizer.hpp"

namespace accmt::optim {

struct AdamOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool amsgrad = false;
  bool maximize = false;
  bool decoupled_weight_decay = false;  // true makes it AdamW
};

struct AdamWOptions {
  double lr = 1e-3;
  std::pair<double, double> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
  bool maximize = false;
};

// Group option keys: "lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad", "maximize",
// "decoupled_weight_decay" (always 1 for AdamW).
// State per parameter: "step", "exp_avg", "exp_avg_sq", and "max_exp_avg_sq" with amsgrad.
class Adam : public Optimizer {
 public:
  explicit Adam(std::vector<Tensor> params, AdamOptions options = {});
  explicit Adam(std::vector<ParamGroup> groups, AdamOptions defaults = {});
  std::string name() const override { return adamw_ ? "AdamW" : "Adam"; }
  // One multi-tensor update per (device, dtype, step count) of each group; capturable:
  // per (device, dtype), with the step counters and hyper-parameters on the device.
  void step() override;
  bool supports_capturable() const override { return true; }
  void upload_hyperparameters() override;

 protected:
  Adam(std::vector<Tensor> params, Options defaults, bool adamw);
  Adam(std::vector<ParamGroup> groups, Options defaults, bool adamw);
  void check_options(const Options& o) const override;

 private:
  bool adamw_ = false;  // only the name differs: AdamW defaults decoupled_weight_decay to 1
  capture::HyperCopies hyper_;  // capturable: lr, beta1, beta2, eps, weight_decay per group and device
};

class AdamW : public Adam {
 public:
  explicit AdamW(std::vector<Tensor> params, AdamWOptions options = {});
  explicit AdamW(std::vector<ParamGroup> groups, AdamWOptions defaults = {});
};

}  // namespace accmt::optim
