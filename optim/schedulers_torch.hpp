#pragma once
// PyTorch's step-wise schedulers with its chainable (recursive) formulas, so their numbers
// match torch.optim.lr_scheduler step for step, also when chained.
#include <functional>

#include "optim/lr_scheduler.hpp"

namespace accmt::optim {

// lr *= gamma every step_size steps.
class StepLR final : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  std::string name() const override { return "StepLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  std::map<std::string, double> config() const override;

 private:
  int64_t step_size_;
  double gamma_;
};

// Multiplies the base lr by a factor going linearly from start_factor to end_factor over
// total_iters steps.
class LinearLR final : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5);
  std::string name() const override { return "LinearLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  std::map<std::string, double> config() const override;

 private:
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

// lr *= gamma every step.
class ExponentialLR final : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
  std::string name() const override { return "ExponentialLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  std::map<std::string, double> config() const override;

 private:
  double gamma_;
};

// Cosine annealing from the base lr to eta_min over T_max steps, in PyTorch's recursive
// form (past T_max it climbs back up, period 2 * T_max).
class CosineAnnealingLR final : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0.0);
  std::string name() const override { return "CosineAnnealingLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() override;
  std::map<std::string, double> config() const override;

 private:
  int64_t T_max_;
  double eta_min_;
};

// SGDR: cosine annealing restarted every T_i steps, T_i = T_0 * T_mult^restarts.
class CosineAnnealingWarmRestarts final : public LRScheduler {
 public:
  CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult = 1, double eta_min = 0.0);
  std::string name() const override { return "CosineAnnealingWarmRestarts"; }
  void step() override;
  int64_t T_i() const { return T_i_; }
  int64_t T_cur() const { return T_cur_; }

 protected:
  std::vector<double> get_lr() override;
  std::map<std::string, double> config() const override;
  void save_extra(std::map<std::string, double>& out) const override;
  void load_extra(const std::map<std::string, double>& in) override;

 private:
  int64_t T_0_, T_mult_;
  double eta_min_;
  int64_t T_i_, T_cur_ = -1;
};

// base lr * lambda(last_epoch); one function for all groups or one per group. The
// functions are not part of the state (like PyTorch's plain lambdas).
class LambdaLR final : public LRScheduler {
 public:
  using Fn = std::function<double(int64_t)>;
  LambdaLR(Optimizer& optimizer, Fn lr_lambda);
  LambdaLR(Optimizer& optimizer, std::vector<Fn> lr_lambdas);
  std::string name() const override { return "LambdaLR"; }

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<Fn> fns_;
};

}  // namespace accmt::optim
