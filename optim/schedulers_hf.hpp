#pragma once
// HuggingFace transformers' schedules: each is a LambdaLR-style factor of the base
// ("initial") lr, evaluated at last_epoch (the number of optimizer steps taken).
#include "optim/lr_scheduler.hpp"

namespace accmt::optim {

// Base of the factor schedules: lr = base lr * factor(last_epoch).
class FactorScheduler : public LRScheduler {
 protected:
  using LRScheduler::LRScheduler;
  virtual double factor(int64_t step) const = 0;
  std::vector<double> get_lr() override;
  // Linear warm-up from 0: step / max(1, num_warmup_steps).
  static double warmup(int64_t step, int64_t num_warmup_steps);
};

// Factor 1.
class Constant final : public FactorScheduler {
 public:
  explicit Constant(Optimizer& optimizer);
  std::string name() const override { return "Constant"; }

 protected:
  double factor(int64_t step) const override;
};

// Linear warm-up, then 1.
class ConstantWithWarmup final : public FactorScheduler {
 public:
  ConstantWithWarmup(Optimizer& optimizer, int64_t num_warmup_steps);
  std::string name() const override { return "ConstantWithWarmup"; }

 protected:
  double factor(int64_t step) const override;
  std::map<std::string, double> config() const override;

 private:
  int64_t warmup_;
};

// Linear warm-up, then linear decay to 0 at num_training_steps.
class LinearWithWarmup final : public FactorScheduler {
 public:
  LinearWithWarmup(Optimizer& optimizer, int64_t num_warmup_steps, int64_t num_training_steps);
  std::string name() const override { return "LinearWithWarmup"; }

 protected:
  double factor(int64_t step) const override;
  std::map<std::string, double> config() const override;

 private:
  int64_t warmup_, total_;
};

// Linear warm-up, then a cosine with num_cycles waves (0.5: from 1 down to 0).
class CosineWithWarmup final : public FactorScheduler {
 public:
  CosineWithWarmup(Optimizer& optimizer, int64_t num_warmup_steps, int64_t num_training_steps,
                   double num_cycles = 0.5);
  std::string name() const override { return "CosineWithWarmup"; }

 protected:
  double factor(int64_t step) const override;
  std::map<std::string, double> config() const override;

 private:
  int64_t warmup_, total_;
  double cycles_;
};

// Linear warm-up, then num_cycles cosine decays from 1 to 0, each restarting at 1.
class CosineWithHardRestartsWithWarmup final : public FactorScheduler {
 public:
  CosineWithHardRestartsWithWarmup(Optimizer& optimizer, int64_t num_warmup_steps, int64_t num_training_steps,
                                   double num_cycles = 1.0);
  std::string name() const override { return "CosineWithHardRestartsWithWarmup"; }

 protected:
  double factor(int64_t step) const override;
  std::map<std::string, double> config() const override;

 private:
  int64_t warmup_, total_;
  double cycles_;
};

// Linear warm-up, then polynomial decay from the optimizer's default lr ("lr" in its
// defaults, as transformers uses) to lr_end, which stays after num_training_steps.
class PolynomialDecayWithWarmup final : public FactorScheduler {
 public:
  PolynomialDecayWithWarmup(Optimizer& optimizer, int64_t num_warmup_steps, int64_t num_training_steps,
                            double lr_end = 1e-7, double power = 1.0);
  std::string name() const override { return "PolynomialDecayWithWarmup"; }

 protected:
  double factor(int64_t step) const override;
  std::map<std::string, double> config() const override;

 private:
  int64_t warmup_, total_;
  double lr_end_, power_, lr_init_;
};

// Linear warm-up, then 1 / sqrt((step + timescale - num_warmup_steps) / timescale).
// timescale defaults to num_warmup_steps, or 10000 when that is 0.
class InverseSQRT final : public FactorScheduler {
 public:
  InverseSQRT(Optimizer& optimizer, int64_t num_warmup_steps, std::optional<int64_t> timescale = std::nullopt);
  std::string name() const override { return "InverseSQRT"; }

 protected:
  double factor(int64_t step) const override;
  std::map<std::string, double> config() const override;

 private:
  int64_t warmup_, timescale_;
};

}  // namespace accmt::optim
