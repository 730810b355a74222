// CyclicLR and OneCycleLR (PyTorch's formulas), including momentum cycling.
#include "optim/schedulers_cyclic.hpp"

#include <cmath>
#include <numbers>
#include <sstream>

#include "kernels/common/error.hpp"

namespace accmt::optim {

namespace {

std::vector<double> broadcast(const char* sched, const char* what, const std::vector<double>& v, size_t groups) {
  ACCMT_CHECK(!v.empty(), sched, ": ", what, " is required (one value, or one per parameter group)");
  if (v.size() == 1) return std::vector<double>(groups, v[0]);
  ACCMT_CHECK(v.size() == groups, sched, ": ", what, " has ", v.size(), " values but the optimizer has ", groups,
              " parameter groups (give one value, or one per group)");
  return v;
}

// The group option cycled as momentum ("momentum" or "beta1"), or "" for none.
std::string momentum_option(const char* sched, const Optimizer& opt, std::optional<bool> requested) {
  if (requested == false) return "";
  const Options& d = opt.defaults();
  if (d.count("beta1")) return "beta1";  // PyTorch prefers betas when an optimizer has both
  if (d.count("momentum")) return "momentum";
  if (requested == true) {
    std::ostringstream keys;
    for (const auto& [k, v] : d) keys << (keys.tellp() ? ", " : "") << k;
    throw Error(detail::concat(sched, ": cycle_momentum=true needs an optimizer with a 'momentum' or 'beta1' option; ",
                               opt.name(), " has options {", keys.str(), "}; set cycle_momentum=false"));
  }
  return "";
}

void save_momenta(const Optimizer& opt, const std::string& key, std::map<std::string, double>& out) {
  if (key.empty()) return;
  auto& groups = opt.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) out["momentum." + std::to_string(i)] = groups[i].get(key);
}

void load_momenta(const char* sched, Optimizer& opt, const std::string& key, const std::map<std::string, double>& in) {
  if (key.empty()) return;
  auto& groups = opt.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) {
    auto it = in.find("momentum." + std::to_string(i));
    ACCMT_CHECK(it != in.end(), sched, ".load_state_dict: the state has no momentum for parameter group ", i);
    groups[i].options[key] = it->second;
  }
}

void put_list(std::map<std::string, double>& out, const std::string& key, const std::vector<double>& v) {
  for (size_t i = 0; i < v.size(); ++i) out[key + "." + std::to_string(i)] = v[i];
}

// Validates CyclicLR's options, then (like PyTorch, before the base constructor records
// "initial_lr") sets each group's lr to its base_lr.
Optimizer& cyclic_prepare(Optimizer& opt, const CyclicLROptions& o) {
  size_t n = opt.param_groups().size();
  auto base = broadcast("CyclicLR", "base_lr", o.base_lr, n);
  broadcast("CyclicLR", "max_lr", o.max_lr, n);
  ACCMT_CHECK(o.step_size_up > 0, "CyclicLR: step_size_up must be positive, got ", o.step_size_up);
  ACCMT_CHECK(!o.step_size_down || *o.step_size_down >= 0, "CyclicLR: step_size_down must be >= 0, got ",
              *o.step_size_down);
  if (!o.scale_fn)
    ACCMT_CHECK(o.mode == "triangular" || o.mode == "triangular2" || o.mode == "exp_range",
                "CyclicLR: unknown mode '", o.mode, "' (expected triangular, triangular2 or exp_range)");
  else
    ACCMT_CHECK(o.scale_mode == "cycle" || o.scale_mode == "iterations", "CyclicLR: unknown scale_mode '",
                o.scale_mode, "' (expected cycle or iterations)");
  std::string key = momentum_option("CyclicLR", opt, o.cycle_momentum);
  if (!key.empty()) {
    broadcast("CyclicLR", "base_momentum", o.base_momentum, n);
    broadcast("CyclicLR", "max_momentum", o.max_momentum, n);
  }
  for (size_t i = 0; i < n; ++i) opt.param_groups()[i].set_lr(base[i]);
  return opt;
}

Optimizer& one_cycle_prepare(Optimizer& opt, const OneCycleLROptions& o) {
  size_t n = opt.param_groups().size();
  auto max = broadcast("OneCycleLR", "max_lr", o.max_lr, n);
  if (o.total_steps) {
    ACCMT_CHECK(*o.total_steps > 0, "OneCycleLR: total_steps must be positive, got ", *o.total_steps);
  } else {
    ACCMT_CHECK(o.epochs && o.steps_per_epoch, "OneCycleLR: give total_steps, or epochs and steps_per_epoch");
    ACCMT_CHECK(*o.epochs > 0, "OneCycleLR: epochs must be positive, got ", *o.epochs);
    ACCMT_CHECK(*o.steps_per_epoch > 0, "OneCycleLR: steps_per_epoch must be positive, got ", *o.steps_per_epoch);
  }
  ACCMT_CHECK(o.pct_start >= 0 && o.pct_start <= 1, "OneCycleLR: pct_start must be in [0, 1], got ", o.pct_start);
  ACCMT_CHECK(o.anneal_strategy == "cos" || o.anneal_strategy == "linear", "OneCycleLR: unknown anneal_strategy '",
              o.anneal_strategy, "' (expected cos or linear)");
  ACCMT_CHECK(o.div_factor > 0 && o.final_div_factor > 0,
              "OneCycleLR: div_factor and final_div_factor must be positive, got ", o.div_factor, " and ",
              o.final_div_factor);
  std::string key = momentum_option("OneCycleLR", opt, o.cycle_momentum);
  if (!key.empty()) {
    broadcast("OneCycleLR", "base_momentum", o.base_momentum, n);
    broadcast("OneCycleLR", "max_momentum", o.max_momentum, n);
  }
  // OneCycleLR overrides "initial_lr" (it is where the cycle starts).
  for (size_t i = 0; i < n; ++i) opt.param_groups()[i].options["initial_lr"] = max[i] / o.div_factor;
  return opt;
}

}  // namespace

// ---- CyclicLR
CyclicLR::CyclicLR(Optimizer& optimizer, CyclicLROptions o)
    : LRScheduler(cyclic_prepare(optimizer, o)), mode_(o.mode), gamma_(o.gamma), scale_fn_(o.scale_fn) {
  size_t n = num_groups();
  base_lrs_ = broadcast("CyclicLR", "base_lr", o.base_lr, n);
  max_lrs_ = broadcast("CyclicLR", "max_lr", o.max_lr, n);
  double up = double(o.step_size_up);
  double down = o.step_size_down ? double(*o.step_size_down) : up;
  total_size_ = up + down;
  step_ratio_ = up / total_size_;
  if (scale_fn_) {
    mode_ = "custom";
    scale_by_cycle_ = o.scale_mode == "cycle";
  } else {
    scale_by_cycle_ = mode_ != "exp_range";
  }
  momentum_key_ = momentum_option("CyclicLR", optimizer, o.cycle_momentum);
  cycle_momentum_ = !momentum_key_.empty();
  if (cycle_momentum_) {
    base_momentums_ = broadcast("CyclicLR", "base_momentum", o.base_momentum, n);
    max_momentums_ = broadcast("CyclicLR", "max_momentum", o.max_momentum, n);
    for (size_t i = 0; i < n; ++i) optimizer.param_groups()[i].options[momentum_key_] = max_momentums_[i];
  }
  initial_step();
}

double CyclicLR::scale(double x) const {
  if (scale_fn_) return scale_fn_(x);
  if (mode_ == "triangular") return 1.0;
  if (mode_ == "triangular2") return 1 / std::pow(2.0, x - 1);
  return std::pow(gamma_, x);  // exp_range
}

std::vector<double> CyclicLR::get_lr() {
  const double e = double(last_epoch_);
  const double cycle = std::floor(1 + e / total_size_);
  const double x = 1.0 + e / total_size_ - cycle;
  const double scale_factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
  const double s = scale(scale_by_cycle_ ? cycle : e);
  std::vector<double> lrs;
  for (size_t i = 0; i < base_lrs_.size(); ++i) {
    double base_height = (max_lrs_[i] - base_lrs_[i]) * scale_factor;
    lrs.push_back(base_lrs_[i] + base_height * s);
  }
  if (cycle_momentum_) {
    auto& groups = optimizer().param_groups();
    for (size_t i = 0; i < groups.size(); ++i) {
      double base_height = (max_momentums_[i] - base_momentums_[i]) * scale_factor;
      groups[i].options[momentum_key_] = max_momentums_[i] - base_height * s;
    }
  }
  return lrs;
}

std::map<std::string, double> CyclicLR::config() const {
  std::map<std::string, double> c{{"total_size", total_size_},
                                  {"step_ratio", step_ratio_},
                                  {"gamma", gamma_},
                                  {"cycle_momentum", cycle_momentum_ ? 1.0 : 0.0},
                                  {"scale_by_cycle", scale_by_cycle_ ? 1.0 : 0.0}};
  const char* modes[] = {"triangular", "triangular2", "exp_range", "custom"};
  for (int i = 0; i < 4; ++i)
    if (mode_ == modes[i]) c["mode"] = i;
  put_list(c, "max_lr", max_lrs_);
  put_list(c, "base_momentum", base_momentums_);
  put_list(c, "max_momentum", max_momentums_);
  return c;
}

void CyclicLR::save_extra(std::map<std::string, double>& out) const { save_momenta(optimizer(), momentum_key_, out); }

void CyclicLR::load_extra(const std::map<std::string, double>& in) {
  load_momenta("CyclicLR", optimizer(), momentum_key_, in);
}

// ---- OneCycleLR
OneCycleLR::OneCycleLR(Optimizer& optimizer, OneCycleLROptions o)
    : LRScheduler(one_cycle_prepare(optimizer, o)),
      total_steps_(o.total_steps ? *o.total_steps : *o.epochs * *o.steps_per_epoch),
      pct_start_(o.pct_start),
      cos_(o.anneal_strategy == "cos"),
      div_factor_(o.div_factor),
      final_div_factor_(o.final_div_factor),
      three_phase_(o.three_phase) {
  size_t n = num_groups();
  max_lrs_ = broadcast("OneCycleLR", "max_lr", o.max_lr, n);
  for (size_t i = 0; i < n; ++i) {
    initial_lrs_.push_back(max_lrs_[i] / div_factor_);
    min_lrs_.push_back(initial_lrs_[i] / final_div_factor_);
  }
  const double T = double(total_steps_);
  if (three_phase_) {
    phases_ = {{pct_start_ * T - 1, Level::initial, Level::max, Level::max_momentum, Level::base_momentum},
               {2 * pct_start_ * T - 2, Level::max, Level::initial, Level::base_momentum, Level::max_momentum},
               {T - 1, Level::initial, Level::min, Level::max_momentum, Level::max_momentum}};
  } else {
    phases_ = {{pct_start_ * T - 1, Level::initial, Level::max, Level::max_momentum, Level::base_momentum},
               {T - 1, Level::max, Level::min, Level::base_momentum, Level::max_momentum}};
  }
  momentum_key_ = momentum_option("OneCycleLR", optimizer, o.cycle_momentum);
  cycle_momentum_ = !momentum_key_.empty();
  if (cycle_momentum_) {
    base_momentums_ = broadcast("OneCycleLR", "base_momentum", o.base_momentum, n);
    max_momentums_ = broadcast("OneCycleLR", "max_momentum", o.max_momentum, n);
    for (size_t i = 0; i < n; ++i) optimizer.param_groups()[i].options[momentum_key_] = max_momentums_[i];
  }
  initial_step();
}

double OneCycleLR::level(Level l, size_t g) const {
  switch (l) {
    case Level::initial: return optimizer().param_groups()[g].get("initial_lr");
    case Level::max: return max_lrs_[g];
    case Level::min: return min_lrs_[g];
    case Level::base_momentum: return base_momentums_[g];
    case Level::max_momentum: return max_momentums_[g];
  }
  return 0;
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (cos_) {
    double cos_out = std::cos(std::numbers::pi * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
  }
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lr() {
  if (last_epoch_ > total_steps_)
    fail(detail::concat("tried to step ", last_epoch_, " times, but total_steps is ", total_steps_));
  const double step_num = double(last_epoch_);
  auto& groups = optimizer().param_groups();
  std::vector<double> lrs;
  for (size_t g = 0; g < groups.size(); ++g) {
    double start_step = 0.0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const Phase& p = phases_[i];
      if (step_num <= p.end_step || i + 1 == phases_.size()) {
        double pct = (step_num - start_step) / (p.end_step - start_step);
        lrs.push_back(anneal(level(p.start_lr, g), level(p.end_lr, g), pct));
        if (cycle_momentum_)
          groups[g].options[momentum_key_] = anneal(level(p.start_momentum, g), level(p.end_momentum, g), pct);
        break;
      }
      start_step = p.end_step;
    }
  }
  return lrs;
}

std::map<std::string, double> OneCycleLR::config() const {
  std::map<std::string, double> c{{"total_steps", double(total_steps_)},
                                  {"pct_start", pct_start_},
                                  {"anneal_cos", cos_ ? 1.0 : 0.0},
                                  {"div_factor", div_factor_},
                                  {"final_div_factor", final_div_factor_},
                                  {"three_phase", three_phase_ ? 1.0 : 0.0},
                                  {"cycle_momentum", cycle_momentum_ ? 1.0 : 0.0}};
  put_list(c, "max_lr", max_lrs_);
  put_list(c, "base_momentum", base_momentums_);
  put_list(c, "max_momentum", max_momentums_);
  return c;
}

void OneCycleLR::save_extra(std::map<std::string, double>& out) const {
  save_momenta(optimizer(), momentum_key_, out);
}

void OneCycleLR::load_extra(const std::map<std::string, double>& in) {
  load_momenta("OneCycleLR", optimizer(), momentum_key_, in);
}

}  // namespace accmt::optim
