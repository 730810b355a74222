#pragma once
// Collate functions turn a list of examples into a batch. The default stacks each key's
// tensors along a new first dimension. A CollateFn can also be a list applied in order,
// like upstream accmt's list of collate functions: the first step maps the examples to a
// batch and each later step maps that batch to a new one. A list that starts with a batch
// step begins with the default collate (for tensor examples).
#include <functional>
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "data/batch.hpp"

namespace accmt::data {

// Stacks examples by name. Every example needs the same keys, and each key the same shape
// and dtype in every example; the error names the key, the examples and their shapes.
Batch default_collate(const std::vector<Example>& examples);

template <class E, class B> class BasicCollateFn {
 public:
  using FromExamples = std::function<B(const std::vector<E>&)>;
  using OnBatch = std::function<B(B)>;

  // One step of a list: a function of the examples or of the batch so far.
  class Step {
   public:
    template <class F, class = std::enable_if_t<std::is_invocable_r_v<B, F&, const std::vector<E>&> ||
                                                std::is_invocable_r_v<B, F&, B>>>
    Step(F f) {  // NOLINT: lambdas convert implicitly so lists read naturally
      if constexpr (std::is_invocable_r_v<B, F&, const std::vector<E>&>)
        fn_ = FromExamples(std::move(f));
      else
        fn_ = OnBatch(std::move(f));
    }
    bool takes_examples() const { return fn_.index() == 0; }
    const FromExamples& from_examples() const { return std::get<0>(fn_); }
    const OnBatch& on_batch() const { return std::get<1>(fn_); }

   private:
    std::variant<FromExamples, OnBatch> fn_;
  };

  // Empty: the default collate (tensor examples only).
  BasicCollateFn() = default;
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, BasicCollateFn> &&
                                              std::is_constructible_v<Step, F>>>
  BasicCollateFn(F f) : BasicCollateFn({Step(std::move(f))}) {}  // NOLINT: a single function converts
  BasicCollateFn(std::initializer_list<Step> steps) {
    for (const Step& s : steps) {
      ACCMT_CHECK(!s.takes_examples() || steps_.empty(), "collate_fn: step ", steps_.size(),
                  " takes the examples, but only the first step of a list can (later steps take the batch)");
      steps_.push_back(s);
    }
  }

  bool empty() const { return steps_.empty(); }
  // True when the examples go through default_collate first.
  bool uses_default_collate() const { return steps_.empty() || !steps_.front().takes_examples(); }

  B operator()(const std::vector<E>& examples) const {
    size_t k = 0;
    B batch;
    if (!uses_default_collate()) {
      batch = steps_[0].from_examples()(examples);
      k = 1;
    } else if constexpr (std::is_same_v<E, Example> && std::is_same_v<B, Batch>) {
      batch = default_collate(examples);
    } else {
      throw Error("collate_fn: examples of a user type need a collate function that takes them");
    }
    for (; k < steps_.size(); ++k) batch = steps_[k].on_batch()(std::move(batch));
    return batch;
  }

 private:
  std::vector<Step> steps_;
};

using CollateFn = BasicCollateFn<Example, Batch>;

}  // namespace accmt::data
