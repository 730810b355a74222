#pragma once
// Which models the Trainer saves after an evaluation (its `model_saving` option): one or
// several criteria among "best_valid_loss", "best_train_loss", "always" and
// "best_<metric>" (a bare metric name such as "accuracy" means "best_accuracy"); none, an
// empty list or "none" disables saving. A criterion saves when its value improves on the
// best saved so far (lower for losses, the metric's own direction otherwise) and lies
// strictly inside (model_saving_above, model_saving_below) where those are set; "always"
// saves after every evaluation. The best value changes only when a model is saved.
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "trainer/metrics.hpp"

namespace accmt {

struct SavingCriterion {
  enum class Kind { ValidLoss, TrainLoss, Always, Metric };
  Kind kind = Kind::ValidLoss;
  std::string metric;  // Kind::Metric: the metric's name
  // The folder name under model_path: best_valid_loss, best_train_loss, always, best_<metric>.
  std::string folder() const;
};

class ModelSaving {
 public:
  ModelSaving() = default;
  // `metrics`: the module's metrics (for best_<metric> and their directions). Throws
  // accmt::Error for an unknown criterion or metric, listing the valid ones.
  ModelSaving(const std::vector<std::string>& criteria, const std::vector<const Metric*>& metrics,
              std::optional<double> below, std::optional<double> above);

  bool enabled() const { return !criteria_.empty(); }
  const std::vector<SavingCriterion>& criteria() const { return criteria_; }

  // The value a criterion compares after an evaluation (NaN when it has none, e.g. no
  // training batch since the last evaluation: nothing is saved then).
  struct Values {
    double valid_loss = std::numeric_limits<double>::quiet_NaN();
    double train_loss = std::numeric_limits<double>::quiet_NaN();
    std::map<std::string, double> metrics;
  };
  // The criteria that save now; their best values are updated.
  std::vector<SavingCriterion> decide(const Values& values);

  // Best saved values by folder name (for status.json and resume).
  const std::map<std::string, double>& best() const { return best_; }
  void restore_best(const std::map<std::string, double>& best) { best_ = best; }

 private:
  bool lower_is_better(const SavingCriterion& c) const;
  std::vector<SavingCriterion> criteria_;
  std::map<std::string, MetricDirection> directions_;
  std::optional<double> below_, above_;
  std::map<std::string, double> best_;
};

}  // namespace accmt
