#pragma once
// TensorDataset: named tensors that share their first dimension; example i holds row i of
// each (a view, no copy), like torch.utils.data.TensorDataset with names.
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.hpp"

namespace accmt::data {

class TensorDataset : public Dataset {
 public:
  TensorDataset(std::initializer_list<Batch::Item> tensors);
  explicit TensorDataset(Batch tensors);
  int64_t size() const override { return size_; }
  Example get(int64_t index) const override;
  const Batch& tensors() const { return tensors_; }

 private:
  Batch tensors_;
  int64_t size_ = 0;
};

}  // namespace accmt::data
