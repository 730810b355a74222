// make_scheduler: scheduler names and option maps (YAML `scheduler:`) to scheduler objects.
#include "optim/scheduler_factory.hpp"

#include <cmath>
#include <functional>

#include "kernels/common/error.hpp"
#include "optim/number_text.hpp"
#include "optim/schedulers.hpp"

namespace accmt::optim {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Python's round(): nearest integer, halves to even.
double round_half_even(double x) {
  double f = std::floor(x), d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return std::fmod(f, 2.0) == 0 ? f : f + 1;
}

// Typed access to one scheduler's options; every key must be one of `valid`.
class Args {
 public:
  Args(const std::string& type, const SchedulerConfig& config, std::vector<std::string> valid)
      : type_(type), config_(config), valid_(std::move(valid)) {
    for (const auto& [key, value] : config.options) {
      if (key == "type") {
        auto* s = std::get_if<std::string>(&value);
        ACCMT_CHECK(s && *s == type, "scheduler ", type, ": option 'type' says ",
                    s ? *s : std::string("a non-string"), ", expected ", type);
        continue;
      }
      bool ok = false;
      for (const auto& v : valid_) ok = ok || v == key;
      ACCMT_CHECK(ok, "scheduler ", type, ": unknown option '", key, "'; valid options: ",
                  valid_.empty() ? std::string("(none)") : join(valid_));
    }
  }

  bool has(const std::string& key) const { return config_.options.count(key) != 0; }

  double number(const std::string& key, std::optional<double> fallback = std::nullopt) const {
    auto it = config_.options.find(key);
    if (it == config_.options.end()) {
      ACCMT_CHECK(fallback.has_value(), "scheduler ", type_, ": missing required option '", key, "'");
      return *fallback;
    }
    if (auto* d = std::get_if<double>(&it->second)) return *d;
    if (auto* s = std::get_if<std::string>(&it->second)) {
      const std::optional<double> v = parse_number(*s);
      ACCMT_CHECK(v.has_value(), "scheduler ", type_, ": option '", key, "' must be a number, got the string \"", *s,
                  "\"");
      return *v;
    }
    throw Error(detail::concat("scheduler ", type_, ": option '", key, "' must be a number, got a boolean"));
  }

  int64_t integer(const std::string& key, std::optional<int64_t> fallback = std::nullopt) const {
    if (!has(key) && fallback) return *fallback;
    double v = number(key);
    ACCMT_CHECK(std::isfinite(v) && std::floor(v) == v && std::fabs(v) < 9.0e15, "scheduler ", type_, ": option '",
                key, "' must be an integer, got ", v);
    return int64_t(v);
  }

  std::string text(const std::string& key, const std::string& fallback) const {
    auto it = config_.options.find(key);
    if (it == config_.options.end()) return fallback;
    auto* s = std::get_if<std::string>(&it->second);
    ACCMT_CHECK(s, "scheduler ", type_, ": option '", key, "' must be a string");
    return *s;
  }

  std::optional<bool> flag(const std::string& key) const {
    auto it = config_.options.find(key);
    if (it == config_.options.end()) return std::nullopt;
    auto* b = std::get_if<bool>(&it->second);
    ACCMT_CHECK(b, "scheduler ", type_, ": option '", key, "' must be true or false");
    return *b;
  }

  int64_t total_steps() const {
    int64_t t = config_.total_steps();
    ACCMT_CHECK(t > 0, "scheduler ", type_, ": needs the number of training steps (steps_per_epoch * epochs, got ",
                config_.steps_per_epoch, " * ", config_.epochs, ")");
    return t;
  }

  // num_warmup_steps (integer, or a fraction of the total) or warmup_ratio.
  int64_t warmup_steps() const {
    bool steps = has("num_warmup_steps"), ratio = has("warmup_ratio");
    ACCMT_CHECK(!(steps && ratio), "scheduler ", type_, ": give num_warmup_steps or warmup_ratio, not both");
    ACCMT_CHECK(steps || ratio, "scheduler ", type_, ": missing required option num_warmup_steps or warmup_ratio");
    if (ratio) {
      double r = number("warmup_ratio");
      ACCMT_CHECK(r >= 0 && r <= 1, "scheduler ", type_, ": warmup_ratio must be in [0, 1], got ", r);
      return from_ratio(r);
    }
    double v = number("num_warmup_steps");
    if (v > 0 && v < 1) return from_ratio(v);
    ACCMT_CHECK(v >= 0 && std::floor(v) == v && v < 9.0e15, "scheduler ", type_,
                ": num_warmup_steps must be a non-negative integer or a fraction in (0, 1), got ", v);
    return int64_t(v);
  }

  std::vector<double> list(const std::string& key, std::optional<double> fallback = std::nullopt) const {
    return {number(key, fallback)};
  }

 private:
  int64_t from_ratio(double r) const { return int64_t(round_half_even(double(total_steps()) * r)); }

  std::string type_;
  const SchedulerConfig& config_;
  std::vector<std::string> valid_;
};

using Maker = std::function<std::unique_ptr<LRScheduler>(Optimizer&, const Args&)>;

struct Entry {
  std::string name;
  std::vector<std::string> keys;
  Maker make;
};

const std::vector<std::string> kWarmup = {"num_warmup_steps", "warmup_ratio"};

std::vector<std::string> with_warmup(std::vector<std::string> extra) {
  std::vector<std::string> keys = kWarmup;
  keys.insert(keys.end(), extra.begin(), extra.end());
  return keys;
}

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = {
      {"StepLR", {"step_size", "gamma"},
       [](Optimizer& o, const Args& a) {
         return std::make_unique<StepLR>(o, a.integer("step_size"), a.number("gamma", 0.1));
       }},
      {"LinearLR", {"start_factor", "end_factor", "total_iters"},
       [](Optimizer& o, const Args& a) {
         return std::make_unique<LinearLR>(o, a.number("start_factor", 1.0 / 3), a.number("end_factor", 1.0),
                                           a.integer("total_iters", 5));
       }},
      {"ExponentialLR", {"gamma"},
       [](Optimizer& o, const Args& a) { return std::make_unique<ExponentialLR>(o, a.number("gamma")); }},
      {"CosineAnnealingLR", {"T_max", "eta_min"},
       [](Optimizer& o, const Args& a) {
         return std::make_unique<CosineAnnealingLR>(o, a.integer("T_max"), a.number("eta_min", 0.0));
       }},
      {"CyclicLR",
       {"base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma", "cycle_momentum", "base_momentum",
        "max_momentum"},
       [](Optimizer& o, const Args& a) {
         CyclicLROptions c;
         c.base_lr = a.list("base_lr");
         c.max_lr = a.list("max_lr");
         c.step_size_up = a.integer("step_size_up", 2000);
         if (a.has("step_size_down")) c.step_size_down = a.integer("step_size_down");
         c.mode = a.text("mode", "triangular");
         c.gamma = a.number("gamma", 1.0);
         c.cycle_momentum = a.flag("cycle_momentum");
         c.base_momentum = a.list("base_momentum", 0.8);
         c.max_momentum = a.list("max_momentum", 0.9);
         return std::make_unique<CyclicLR>(o, std::move(c));
       }},
      {"OneCycleLR",
       {"max_lr", "total_steps", "pct_start", "anneal_strategy", "cycle_momentum", "base_momentum", "max_momentum",
        "div_factor", "final_div_factor", "three_phase"},
       [](Optimizer& o, const Args& a) {
         OneCycleLROptions c;
         c.max_lr = a.list("max_lr");
         c.total_steps = a.has("total_steps") ? a.integer("total_steps") : a.total_steps();
         c.pct_start = a.number("pct_start", 0.3);
         c.anneal_strategy = a.text("anneal_strategy", "cos");
         c.cycle_momentum = a.flag("cycle_momentum");
         c.base_momentum = a.list("base_momentum", 0.85);
         c.max_momentum = a.list("max_momentum", 0.95);
         c.div_factor = a.number("div_factor", 25.0);
         c.final_div_factor = a.number("final_div_factor", 1e4);
         c.three_phase = a.flag("three_phase").value_or(false);
         return std::make_unique<OneCycleLR>(o, std::move(c));
       }},
      {"CosineAnnealingWarmRestarts", {"T_0", "T_mult", "eta_min"},
       [](Optimizer& o, const Args& a) {
         return std::make_unique<CosineAnnealingWarmRestarts>(o, a.integer("T_0"), a.integer("T_mult", 1),
                                                              a.number("eta_min", 0.0));
       }},
      {"Constant", {}, [](Optimizer& o, const Args&) { return std::make_unique<Constant>(o); }},
      {"ConstantWithWarmup", kWarmup,
       [](Optimizer& o, const Args& a) { return std::make_unique<ConstantWithWarmup>(o, a.warmup_steps()); }},
      {"LinearWithWarmup", kWarmup,
       [](Optimizer& o, const Args& a) {
         return std::make_unique<LinearWithWarmup>(o, a.warmup_steps(), a.total_steps());
       }},
      {"CosineWithWarmup", with_warmup({"num_cycles"}),
       [](Optimizer& o, const Args& a) {
         return std::make_unique<CosineWithWarmup>(o, a.warmup_steps(), a.total_steps(), a.number("num_cycles", 0.5));
       }},
      {"CosineWithHardRestartsWithWarmup", with_warmup({"num_cycles"}),
       [](Optimizer& o, const Args& a) {
         return std::make_unique<CosineWithHardRestartsWithWarmup>(o, a.warmup_steps(), a.total_steps(),
                                                                   a.number("num_cycles", 1.0));
       }},
      {"PolynomialDecayWithWarmup", with_warmup({"lr_end", "power"}),
       [](Optimizer& o, const Args& a) {
         return std::make_unique<PolynomialDecayWithWarmup>(o, a.warmup_steps(), a.total_steps(),
                                                            a.number("lr_end", 1e-7), a.number("power", 1.0));
       }},
      {"InverseSQRT", with_warmup({"timescale"}),
       [](Optimizer& o, const Args& a) {
         std::optional<int64_t> timescale;
         if (a.has("timescale")) timescale = a.integer("timescale");
         return std::make_unique<InverseSQRT>(o, a.warmup_steps(), timescale);
       }},
  };
  return entries;
}

}  // namespace

const std::vector<std::string>& scheduler_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& e : registry()) out.push_back(e.name);
    return out;
  }();
  return names;
}

std::unique_ptr<LRScheduler> make_scheduler(const std::string& type, Optimizer& optimizer,
                                            const SchedulerConfig& config) {
  for (const auto& e : registry()) {
    if (e.name != type) continue;
    Args args(type, config, e.keys);
    return e.make(optimizer, args);
  }
  throw Error(detail::concat("scheduler: unknown type '", type, "'; valid types: ", join(scheduler_names())));
}

}  // namespace accmt::optim
