#pragma once
// Subset (chosen indices of a dataset) and Concat (datasets one after another).
#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "data/dataset.hpp"

namespace accmt::data {

template <class E> class BasicSubset : public BasicDataset<E> {
 public:
  BasicSubset(std::shared_ptr<const BasicDataset<E>> dataset, std::vector<int64_t> indices)
      : dataset_(std::move(dataset)), indices_(std::move(indices)) {
    ACCMT_CHECK(dataset_ != nullptr, "Subset: the dataset is null");
    const int64_t n = dataset_->size();
    for (size_t i = 0; i < indices_.size(); ++i)
      ACCMT_CHECK(indices_[i] >= 0 && indices_[i] < n, "Subset: indices[", i, "] = ", indices_[i],
                  " is out of range for a dataset of ", n, " examples");
  }
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  E get(int64_t index) const override {
    check_index("Subset", index, size());
    return dataset_->get(indices_[index]);
  }
  const std::vector<int64_t>& indices() const { return indices_; }

 private:
  std::shared_ptr<const BasicDataset<E>> dataset_;
  std::vector<int64_t> indices_;
};

template <class E> class BasicConcat : public BasicDataset<E> {
 public:
  explicit BasicConcat(std::vector<std::shared_ptr<const BasicDataset<E>>> datasets) : datasets_(std::move(datasets)) {
    ACCMT_CHECK(!datasets_.empty(), "Concat: needs at least one dataset");
    int64_t total = 0;
    for (size_t i = 0; i < datasets_.size(); ++i) {
      ACCMT_CHECK(datasets_[i] != nullptr, "Concat: dataset ", i, " is null");
      total += datasets_[i]->size();
      ends_.push_back(total);
    }
  }
  int64_t size() const override { return ends_.back(); }
  E get(int64_t index) const override {
    auto [source, local] = locate(index);
    return datasets_[source]->get(local);
  }
  // (which dataset, index inside it) for a global index.
  std::pair<size_t, int64_t> locate(int64_t index) const {
    check_index("Concat", index, size());
    size_t source = std::upper_bound(ends_.begin(), ends_.end(), index) - ends_.begin();
    return {source, index - (source ? ends_[source - 1] : 0)};
  }
  // Each dataset's size, in order (what TemperatureSampler takes as its sources).
  std::vector<int64_t> sizes() const {
    std::vector<int64_t> out;
    for (const auto& d : datasets_) out.push_back(d->size());
    return out;
  }

 private:
  std::vector<std::shared_ptr<const BasicDataset<E>>> datasets_;
  std::vector<int64_t> ends_;  // cumulative sizes
};

using Subset = BasicSubset<Example>;
using Concat = BasicConcat<Example>;

}  // namespace accmt::data
