// PyTorch's StepLR, LinearLR, ExponentialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts
// and LambdaLR. Expressions keep torch's evaluation order so the doubles agree bit for bit.
#include "optim/schedulers_torch.hpp"

#include <cmath>
#include <numbers>

#include "kernels/common/error.hpp"

namespace accmt::optim {

namespace {
constexpr double kPi = std::numbers::pi;

// Python's a ** b for a float base and an int exponent.
double ipow(double base, int64_t e) { return std::pow(base, static_cast<double>(e)); }

// Python's floor division.
int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
}  // namespace

// ---- StepLR
StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  if (step_size <= 0) fail(detail::concat("step_size must be a positive integer, got ", step_size));
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

std::optional<std::vector<double>> StepLR::closed_form_lr() {
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * ipow(gamma_, floor_div(last_epoch_, step_size_)));
  return out;
}

std::map<std::string, double> StepLR::config() const {
  return {{"step_size", double(step_size_)}, {"gamma", gamma_}};
}

// ---- LinearLR
LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters)
    : LRScheduler(optimizer), start_factor_(start_factor), end_factor_(end_factor), total_iters_(total_iters) {
  if (!(start_factor > 0 && start_factor <= 1))
    fail(detail::concat("start_factor must be in (0, 1], got ", start_factor));
  if (!(end_factor >= 0 && end_factor <= 1)) fail(detail::concat("end_factor must be in [0, 1], got ", end_factor));
  if (total_iters <= 0) fail(detail::concat("total_iters must be a positive integer, got ", total_iters));
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr = lr * start_factor_;
    return lrs;
  }
  if (is_initial_ || last_epoch_ > total_iters_) return lrs;
  for (double& lr : lrs)
    lr = lr * (1.0 + (end_factor_ - start_factor_) /
                         (double(total_iters_) * start_factor_ + double(last_epoch_ - 1) * (end_factor_ - start_factor_)));
  return lrs;
}

std::optional<std::vector<double>> LinearLR::closed_form_lr() {
  std::vector<double> out;
  int64_t e = std::min(total_iters_, last_epoch_);
  for (double b : base_lrs_)
    out.push_back(b * (start_factor_ + (end_factor_ - start_factor_) * double(e) / double(total_iters_)));
  return out;
}

std::map<std::string, double> LinearLR::config() const {
  return {{"start_factor", start_factor_}, {"end_factor", end_factor_}, {"total_iters", double(total_iters_)}};
}

// ---- ExponentialLR
ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  auto lrs = group_lrs();
  if (is_initial_) return lrs;
  for (double& lr : lrs) lr = lr * gamma_;
  return lrs;
}

std::optional<std::vector<double>> ExponentialLR::closed_form_lr() {
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * ipow(gamma_, last_epoch_));
  return out;
}

std::map<std::string, double> ExponentialLR::config() const { return {{"gamma", gamma_}}; }

// ---- CosineAnnealingLR
CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  if (T_max <= 0) fail(detail::concat("T_max must be a positive integer, got ", T_max));
  initial_step();
}

std::vector<double> CosineAnnealingLR::get_lr() {
  auto lrs = group_lrs();
  if (is_initial_) return lrs;
  const double T = double(T_max_), e = double(last_epoch_);
  if ((last_epoch_ - 1 - T_max_) % (2 * T_max_) == 0) {
    // The bottom of the curve: the ratio form would divide by zero.
    for (size_t i = 0; i < lrs.size(); ++i)
      lrs[i] = lrs[i] + (base_lrs_[i] - eta_min_) * (1 - std::cos(kPi / T)) / 2;
    return lrs;
  }
  for (double& lr : lrs)
    lr = (1 + std::cos(kPi * e / T)) / (1 + std::cos(kPi * (e - 1) / T)) * (lr - eta_min_) + eta_min_;
  return lrs;
}

std::optional<std::vector<double>> CosineAnnealingLR::closed_form_lr() {
  std::vector<double> out;
  for (double b : base_lrs_)
    out.push_back(eta_min_ + (b - eta_min_) * (1 + std::cos(kPi * double(last_epoch_) / double(T_max_))) / 2);
  return out;
}

std::map<std::string, double> CosineAnnealingLR::config() const {
  return {{"T_max", double(T_max_)}, {"eta_min", eta_min_}};
}

// ---- CosineAnnealingWarmRestarts
CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer, int64_t T_0, int64_t T_mult,
                                                         double eta_min)
    : LRScheduler(optimizer), T_0_(T_0), T_mult_(T_mult), eta_min_(eta_min), T_i_(T_0) {
  if (T_0 <= 0) fail(detail::concat("T_0 must be a positive integer, got ", T_0));
  if (T_mult < 1) fail(detail::concat("T_mult must be an integer >= 1, got ", T_mult));
  initial_step();
}

void CosineAnnealingWarmRestarts::step() {
  if (last_epoch_ < 0) {
    // The first step starts the first period (PyTorch's step(epoch=0)).
    T_i_ = T_0_;
    T_cur_ = 0;
    last_epoch_ = 0;
  } else {
    ++last_epoch_;
    ++T_cur_;
    if (T_cur_ >= T_i_) {
      T_cur_ = T_cur_ % T_i_;
      T_i_ = T_i_ * T_mult_;
    }
  }
  apply_lrs(get_lr());
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  std::vector<double> out;
  for (double b : base_lrs_)
    out.push_back(eta_min_ + (b - eta_min_) * (1 + std::cos(kPi * double(T_cur_) / double(T_i_))) / 2);
  return out;
}

std::map<std::string, double> CosineAnnealingWarmRestarts::config() const {
  return {{"T_0", double(T_0_)}, {"T_mult", double(T_mult_)}, {"eta_min", eta_min_}};
}

void CosineAnnealingWarmRestarts::save_extra(std::map<std::string, double>& out) const {
  out["T_i"] = double(T_i_);
  out["T_cur"] = double(T_cur_);
}

void CosineAnnealingWarmRestarts::load_extra(const std::map<std::string, double>& in) {
  auto ti = in.find("T_i"), tc = in.find("T_cur");
  if (ti == in.end() || tc == in.end()) fail("load_state_dict: the state lacks T_i or T_cur");
  if (!(ti->second >= 1)) fail(detail::concat("load_state_dict: T_i must be >= 1, got ", ti->second));
  T_i_ = int64_t(ti->second);
  T_cur_ = int64_t(tc->second);
}

// ---- LambdaLR
LambdaLR::LambdaLR(Optimizer& optimizer, Fn lr_lambda) : LRScheduler(optimizer) {
  if (!lr_lambda) fail("lr_lambda is empty");
  fns_.assign(num_groups(), lr_lambda);
  initial_step();
}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Fn> lr_lambdas)
    : LRScheduler(optimizer), fns_(std::move(lr_lambdas)) {
  if (fns_.size() != num_groups())
    fail(detail::concat("expected ", num_groups(), " lr_lambdas (one per parameter group), got ", fns_.size()));
  for (const auto& f : fns_)
    if (!f) fail("an lr_lambda is empty");
  initial_step();
}

std::vector<double> LambdaLR::get_lr() {
  std::vector<double> out;
  for (size_t i = 0; i < fns_.size(); ++i) out.push_back(base_lrs_[i] * fns_[i](last_epoch_));
  return out;
}

}  // namespace accmt::optim
