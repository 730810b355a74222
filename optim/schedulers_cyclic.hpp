#pragma once
// PyTorch's CyclicLR and OneCycleLR, with momentum cycled inversely to the lr. Momentum is
// the group option "momentum", or "beta1" for Adam-style optimizers (defaults with "beta1").
#include <functional>

#include "optim/lr_scheduler.hpp"

namespace accmt::optim {

// Per-group values take one value for all groups or one per group.
struct CyclicLROptions {
  std::vector<double> base_lr;  // required
  std::vector<double> max_lr;   // required
  int64_t step_size_up = 2000;
  std::optional<int64_t> step_size_down = std::nullopt;  // default: step_size_up
  std::string mode = "triangular";        // triangular | triangular2 | exp_range
  double gamma = 1.0;                     // exp_range: scale gamma^iterations
  // A custom amplitude scale replaces `mode`; scale_mode says what it receives
  // ("cycle": the cycle number from 1, "iterations": last_epoch).
  std::function<double(double)> scale_fn;
  std::string scale_mode = "cycle";
  // Unset: cycle when the optimizer has a momentum or beta1 option. true on an optimizer
  // without one is an error.
  std::optional<bool> cycle_momentum = std::nullopt;
  std::vector<double> base_momentum = {0.8};
  std::vector<double> max_momentum = {0.9};
};

class CyclicLR final : public LRScheduler {
 public:
  CyclicLR(Optimizer& optimizer, CyclicLROptions options);
  std::string name() const override { return "CyclicLR"; }
  bool cycles_momentum() const { return cycle_momentum_; }
  // "momentum" or "beta1": the group option that is cycled.
  const std::string& momentum_key() const { return momentum_key_; }

 protected:
  std::vector<double> get_lr() override;
  std::map<std::string, double> config() const override;
  void save_extra(std::map<std::string, double>& out) const override;
  void load_extra(const std::map<std::string, double>& in) override;

 private:
  double scale(double x) const;

  std::vector<double> max_lrs_;
  double total_size_, step_ratio_;
  std::string mode_;
  double gamma_;
  std::function<double(double)> scale_fn_;
  bool scale_by_cycle_;
  bool cycle_momentum_ = false;
  std::string momentum_key_;
  std::vector<double> base_momentums_, max_momentums_;
};

struct OneCycleLROptions {
  std::vector<double> max_lr;  // required
  // total_steps, or epochs * steps_per_epoch.
  std::optional<int64_t> total_steps = std::nullopt;
  std::optional<int64_t> epochs = std::nullopt;
  std::optional<int64_t> steps_per_epoch = std::nullopt;
  double pct_start = 0.3;
  std::string anneal_strategy = "cos";  // cos | linear
  std::optional<bool> cycle_momentum = std::nullopt;   // as in CyclicLROptions
  std::vector<double> base_momentum = {0.85};
  std::vector<double> max_momentum = {0.95};
  double div_factor = 25.0;          // initial lr = max_lr / div_factor
  double final_div_factor = 1e4;     // min lr = initial lr / final_div_factor
  bool three_phase = false;
};

class OneCycleLR final : public LRScheduler {
 public:
  OneCycleLR(Optimizer& optimizer, OneCycleLROptions options);
  std::string name() const override { return "OneCycleLR"; }
  int64_t total_steps() const { return total_steps_; }
  bool cycles_momentum() const { return cycle_momentum_; }
  const std::string& momentum_key() const { return momentum_key_; }

 protected:
  std::vector<double> get_lr() override;
  std::map<std::string, double> config() const override;
  void save_extra(std::map<std::string, double>& out) const override;
  void load_extra(const std::map<std::string, double>& in) override;

 private:
  // Which per-group value a phase starts or ends at.
  enum class Level { initial, max, min, base_momentum, max_momentum };
  struct Phase {
    double end_step;
    Level start_lr, end_lr, start_momentum, end_momentum;
  };
  double level(Level l, size_t group) const;
  double anneal(double start, double end, double pct) const;

  int64_t total_steps_;
  double pct_start_;
  bool cos_;
  double div_factor_, final_div_factor_;
  bool three_phase_;
  std::vector<Phase> phases_;
  std::vector<double> initial_lrs_, max_lrs_, min_lrs_;
  bool cycle_momentum_ = false;
  std::string momentum_key_;
  std::vector<double> base_momentums_, max_momentums_;
};

}  // namespace accmt::optim
