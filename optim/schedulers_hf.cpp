// HuggingFace transformers' schedule factors (transformers.optimization), same operations
// in the same order.
#include "optim/schedulers_hf.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "kernels/common/error.hpp"

namespace accmt::optim {

namespace {
constexpr double kPi = std::numbers::pi;

void check_steps(const LRScheduler& s, int64_t warmup, std::optional<int64_t> total) {
  ACCMT_CHECK(warmup >= 0, s.name(), ": num_warmup_steps must be >= 0, got ", warmup);
  if (total) ACCMT_CHECK(*total >= 0, s.name(), ": num_training_steps must be >= 0, got ", *total);
}
}  // namespace

std::vector<double> FactorScheduler::get_lr() {
  double f = factor(last_epoch_);
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * f);
  return out;
}

double FactorScheduler::warmup(int64_t step, int64_t num_warmup_steps) {
  return double(step) / double(std::max<int64_t>(1, num_warmup_steps));
}

// ---- Constant
Constant::Constant(Optimizer& optimizer) : FactorScheduler(optimizer) { initial_step(); }
double Constant::factor(int64_t) const { return 1; }

// ---- ConstantWithWarmup
ConstantWithWarmup::ConstantWithWarmup(Optimizer& optimizer, int64_t num_warmup_steps)
    : FactorScheduler(optimizer), warmup_(num_warmup_steps) {
  check_steps(*this, warmup_, std::nullopt);
  initial_step();
}

double ConstantWithWarmup::factor(int64_t step) const { return step < warmup_ ? warmup(step, warmup_) : 1.0; }

std::map<std::string, double> ConstantWithWarmup::config() const {
  return {{"num_warmup_steps", double(warmup_)}};
}

// ---- LinearWithWarmup
LinearWithWarmup::LinearWithWarmup(Optimizer& optimizer, int64_t num_warmup_steps, int64_t num_training_steps)
    : FactorScheduler(optimizer), warmup_(num_warmup_steps), total_(num_training_steps) {
  check_steps(*this, warmup_, total_);
  initial_step();
}

double LinearWithWarmup::factor(int64_t step) const {
  if (step < warmup_) return warmup(step, warmup_);
  return std::max(0.0, double(total_ - step) / double(std::max<int64_t>(1, total_ - warmup_)));
}

std::map<std::string, double> LinearWithWarmup::config() const {
  return {{"num_warmup_steps", double(warmup_)}, {"num_training_steps", double(total_)}};
}

// ---- CosineWithWarmup
CosineWithWarmup::CosineWithWarmup(Optimizer& optimizer, int64_t num_warmup_steps, int64_t num_training_steps,
                                   double num_cycles)
    : FactorScheduler(optimizer), warmup_(num_warmup_steps), total_(num_training_steps), cycles_(num_cycles) {
  check_steps(*this, warmup_, total_);
  initial_step();
}

double CosineWithWarmup::factor(int64_t step) const {
  if (step < warmup_) return warmup(step, warmup_);
  double progress = double(step - warmup_) / double(std::max<int64_t>(1, total_ - warmup_));
  return std::max(0.0, 0.5 * (1.0 + std::cos(kPi * cycles_ * 2.0 * progress)));
}

std::map<std::string, double> CosineWithWarmup::config() const {
  return {{"num_warmup_steps", double(warmup_)}, {"num_training_steps", double(total_)}, {"num_cycles", cycles_}};
}

// ---- CosineWithHardRestartsWithWarmup
CosineWithHardRestartsWithWarmup::CosineWithHardRestartsWithWarmup(Optimizer& optimizer, int64_t num_warmup_steps,
                                                                   int64_t num_training_steps, double num_cycles)
    : FactorScheduler(optimizer), warmup_(num_warmup_steps), total_(num_training_steps), cycles_(num_cycles) {
  check_steps(*this, warmup_, total_);
  initial_step();
}

double CosineWithHardRestartsWithWarmup::factor(int64_t step) const {
  if (step < warmup_) return warmup(step, warmup_);
  double progress = double(step - warmup_) / double(std::max<int64_t>(1, total_ - warmup_));
  if (progress >= 1.0) return 0.0;
  // progress >= 0 here, where Python's % 1.0 equals fmod.
  return std::max(0.0, 0.5 * (1.0 + std::cos(kPi * std::fmod(cycles_ * progress, 1.0))));
}

std::map<std::string, double> CosineWithHardRestartsWithWarmup::config() const {
  return {{"num_warmup_steps", double(warmup_)}, {"num_training_steps", double(total_)}, {"num_cycles", cycles_}};
}

// ---- PolynomialDecayWithWarmup
PolynomialDecayWithWarmup::PolynomialDecayWithWarmup(Optimizer& optimizer, int64_t num_warmup_steps,
                                                     int64_t num_training_steps, double lr_end, double power)
    : FactorScheduler(optimizer), warmup_(num_warmup_steps), total_(num_training_steps), lr_end_(lr_end),
      power_(power) {
  check_steps(*this, warmup_, total_);
  ACCMT_CHECK(total_ > warmup_, name(), ": num_training_steps (", total_, ") must exceed num_warmup_steps (", warmup_,
              ")");
  auto it = optimizer.defaults().find("lr");
  ACCMT_CHECK(it != optimizer.defaults().end(), name(), ": the optimizer has no default 'lr'");
  lr_init_ = it->second;
  ACCMT_CHECK(lr_init_ > lr_end_, name(), ": lr_end (", lr_end_, ") must be smaller than the optimizer's lr (",
              lr_init_, ")");
  initial_step();
}

double PolynomialDecayWithWarmup::factor(int64_t step) const {
  if (step < warmup_) return warmup(step, warmup_);
  if (step > total_) return lr_end_ / lr_init_;
  double lr_range = lr_init_ - lr_end_;
  double decay_steps = double(total_ - warmup_);
  double pct_remaining = 1 - double(step - warmup_) / decay_steps;
  double decay = lr_range * std::pow(pct_remaining, power_) + lr_end_;
  return decay / lr_init_;
}

std::map<std::string, double> PolynomialDecayWithWarmup::config() const {
  return {{"num_warmup_steps", double(warmup_)},
          {"num_training_steps", double(total_)},
          {"lr_end", lr_end_},
          {"power", power_},
          {"lr_init", lr_init_}};
}

// ---- InverseSQRT
InverseSQRT::InverseSQRT(Optimizer& optimizer, int64_t num_warmup_steps, std::optional<int64_t> timescale)
    : FactorScheduler(optimizer),
      warmup_(num_warmup_steps),
      timescale_(timescale ? *timescale : (num_warmup_steps != 0 ? num_warmup_steps : 10000)) {
  check_steps(*this, warmup_, std::nullopt);
  ACCMT_CHECK(timescale_ > 0, name(), ": timescale must be positive, got ", timescale_);
  initial_step();
}

double InverseSQRT::factor(int64_t step) const {
  if (step < warmup_) return warmup(step, warmup_);
  int64_t shift = timescale_ - warmup_;
  return 1.0 / std::sqrt(double(step + shift) / double(timescale_));
}

std::map<std::string, double> InverseSQRT::config() const {
  return {{"num_warmup_steps", double(warmup_)}, {"timescale", double(timescale_)}};
}

}  // namespace accmt::optim
