#pragma once
// Validation metrics. A validation step may return, per metric name, the predictions and
// references of its batch; after the evaluation each metric computes one number from all
// of them. Every metric says whether higher or lower is better, which model saving
// (best_<metric>) uses.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.hpp"

namespace accmt {

enum class MetricDirection { HigherIsBetter, LowerIsBetter };

class Metric {
 public:
  virtual ~Metric() = default;
  virtual std::string name() const = 0;
  virtual MetricDirection direction() const = 0;
  virtual void reset() = 0;
  // One batch's predictions and references (any device; metrics move what they keep to
  // the CPU).
  virtual void update(const Tensor& predictions, const Tensor& references) = 0;
  // The value over every batch since reset(); throws accmt::Error if no batch was seen.
  virtual double compute() const = 0;
  // Whether `candidate` is strictly better than `incumbent` in this metric's direction.
  bool better(double candidate, double incumbent) const {
    return direction() == MetricDirection::HigherIsBetter ? candidate > incumbent : candidate < incumbent;
  }
};

// Fraction of correct predictions. Predictions are class indices of the references'
// shape, or scores with one extra trailing dim (the arg-max is the prediction).
class Accuracy final : public Metric {
 public:
  explicit Accuracy(std::string name = "accuracy") : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  MetricDirection direction() const override { return MetricDirection::HigherIsBetter; }
  void reset() override { correct_ = total_ = 0; }
  void update(const Tensor& predictions, const Tensor& references) override;
  double compute() const override;

 private:
  std::string name_;
  int64_t correct_ = 0, total_ = 0;
};

// A user-defined metric: `fn` receives every batch's predictions and references
// concatenated along dim 0 (on the CPU) and returns the value.
class FunctionMetric final : public Metric {
 public:
  using Fn = std::function<double(const Tensor& predictions, const Tensor& references)>;
  FunctionMetric(std::string name, MetricDirection direction, Fn fn)
      : name_(std::move(name)), direction_(direction), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  MetricDirection direction() const override { return direction_; }
  void reset() override { predictions_.clear(), references_.clear(); }
  void update(const Tensor& predictions, const Tensor& references) override;
  double compute() const override;

 private:
  std::string name_;
  MetricDirection direction_;
  Fn fn_;
  std::vector<Tensor> predictions_, references_;
};

}  // namespace accmt
