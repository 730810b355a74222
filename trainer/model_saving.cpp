#include "trainer/model_saving.hpp"

#include <cmath>

#include "kernels/common/error.hpp"

namespace accmt {

std::string SavingCriterion::folder() const {
  switch (kind) {
    case Kind::ValidLoss: return "best_valid_loss";
    case Kind::TrainLoss: return "best_train_loss";
    case Kind::Always: return "always";
    case Kind::Metric: return "best_" + metric;
  }
  return "";
}

ModelSaving::ModelSaving(const std::vector<std::string>& criteria, const std::vector<const Metric*>& metrics,
                         std::optional<double> below, std::optional<double> above)
    : below_(below), above_(above) {
  for (const Metric* m : metrics) directions_[m->name()] = m->direction();
  ACCMT_CHECK(!(below && above && *below <= *above), "model_saving_below (", below.value_or(0),
              ") must be greater than model_saving_above (", above.value_or(0), "): no value could be saved");
  auto valid = [&] {
    std::string s = "best_valid_loss, best_train_loss, always, none";
    for (const auto& [name, d] : directions_) s += ", best_" + name;
    return s;
  };
  for (const std::string& spec : criteria) {
    if (spec.empty() || spec == "none" || spec == "None") continue;
    SavingCriterion c;
    if (spec == "best_valid_loss") c.kind = SavingCriterion::Kind::ValidLoss;
    else if (spec == "best_train_loss") c.kind = SavingCriterion::Kind::TrainLoss;
    else if (spec == "always") c.kind = SavingCriterion::Kind::Always;
    else {
      const std::string name = spec.rfind("best_", 0) == 0 ? spec.substr(5) : spec;
      ACCMT_CHECK(directions_.count(name), "model_saving: unknown criterion '", spec, "'; valid: ", valid());
      c.kind = SavingCriterion::Kind::Metric;
      c.metric = name;
    }
    bool duplicate = false;
    for (const auto& have : criteria_) duplicate = duplicate || have.folder() == c.folder();
    if (!duplicate) criteria_.push_back(c);
  }
}

bool ModelSaving::lower_is_better(const SavingCriterion& c) const {
  if (c.kind != SavingCriterion::Kind::Metric) return true;
  return directions_.at(c.metric) == MetricDirection::LowerIsBetter;
}

std::vector<SavingCriterion> ModelSaving::decide(const Values& values) {
  std::vector<SavingCriterion> out;
  for (const SavingCriterion& c : criteria_) {
    if (c.kind == SavingCriterion::Kind::Always) {
      out.push_back(c);
      continue;
    }
    double v = std::numeric_limits<double>::quiet_NaN();
    if (c.kind == SavingCriterion::Kind::ValidLoss) v = values.valid_loss;
    else if (c.kind == SavingCriterion::Kind::TrainLoss) v = values.train_loss;
    else if (auto it = values.metrics.find(c.metric); it != values.metrics.end()) v = it->second;
    if (std::isnan(v)) continue;
    if (below_ && !(v < *below_)) continue;
    if (above_ && !(v > *above_)) continue;
    const std::string key = c.folder();
    auto it = best_.find(key);
    const bool improves = it == best_.end() || (lower_is_better(c) ? v < it->second : v > it->second);
    if (!improves) continue;
    best_[key] = v;
    out.push_back(c);
  }
  return out;
}

}  // namespace accmt
