#pragma once
// Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight
// decay, matching torch.optim.SGD. Uses the fused sgd_step kernel.
#include "optim/capturable.hpp"
#include "optim/optimizer.hpp"

namespace accmt::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;
};

class SGD : public Optimizer {
 public:
  explicit SGD(std::vector<Tensor> params, SGDOptions options = {});
  // Each group's options override `defaults` ("lr", "momentum", "dampening",
  // "weight_decay", "nesterov", "maximize").
  explicit SGD(std::vector<ParamGroup> groups, SGDOptions defaults = {});
  std::string name() const override { return "SGD"; }
  // State per parameter: "momentum_buffer" (when momentum != 0). One multi-tensor update
  // per (device, dtype, first use of the momentum buffer) of each group.
  void step() override;
  bool supports_capturable() const override { return true; }
  void upload_hyperparameters() override;

 protected:
  void check_options(const Options& o) const override;

 private:
  capture::HyperCopies hyper_;  // capturable: lr, momentum, dampening, weight_decay per group and device
};

}  // namespace accmt::optim
