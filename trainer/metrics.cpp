#include "trainer/metrics.hpp"

#include "kernels/common/error.hpp"

namespace accmt {

void Accuracy::update(const Tensor& predictions, const Tensor& references) {
  ACCMT_CHECK(predictions.defined() && references.defined(), "metric ", name_,
              ": got an undefined predictions or references tensor");
  Tensor pred = predictions;
  if (pred.dim() == references.dim() + 1) pred = pred.argmax(-1);
  ACCMT_CHECK(pred.sizes() == references.sizes(), "metric ", name_, ": predictions of shape ",
              shape_str(predictions.sizes()), " do not match references of shape ", shape_str(references.sizes()),
              " (expected the same shape, or one extra trailing dim of class scores)");
  const Tensor ref = references.to(pred.device()).to(pred.dtype());
  correct_ += pred.eq(ref).sum().item<int64_t>();
  total_ += references.numel();
}

double Accuracy::compute() const {
  ACCMT_CHECK(total_ > 0, "metric ", name_, ": no predictions were given during the evaluation");
  return double(correct_) / double(total_);
}

void FunctionMetric::update(const Tensor& predictions, const Tensor& references) {
  ACCMT_CHECK(predictions.defined() && references.defined(), "metric ", name_,
              ": got an undefined predictions or references tensor");
  predictions_.push_back(predictions.detach().cpu());
  references_.push_back(references.detach().cpu());
}

double FunctionMetric::compute() const {
  ACCMT_CHECK(!predictions_.empty(), "metric ", name_, ": no predictions were given during the evaluation");
  auto join = [](const std::vector<Tensor>& parts) {
    std::vector<Tensor> flat;
    for (const Tensor& t : parts) flat.push_back(t.dim() == 0 ? t.reshape({1}) : t);
    return cat(flat, 0);
  };
  return fn_(join(predictions_), join(references_));
}

}  // namespace accmt
