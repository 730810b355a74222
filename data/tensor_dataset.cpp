#include "data/tensor_dataset.hpp"

namespace accmt::data {

TensorDataset::TensorDataset(std::initializer_list<Batch::Item> tensors) : TensorDataset(Batch(tensors)) {}

TensorDataset::TensorDataset(Batch tensors) : tensors_(std::move(tensors)) {
  ACCMT_CHECK(!tensors_.empty(), "TensorDataset: needs at least one tensor");
  const auto& [first_key, first] = *tensors_.begin();
  for (const auto& [key, t] : tensors_) {
    ACCMT_CHECK(t.defined() && t.dim() >= 1, "TensorDataset: tensor '", key,
                "' must be defined and have at least one dimension (the example dimension)");
    ACCMT_CHECK(t.size(0) == first.size(0), "TensorDataset: tensor '", key, "' has ", t.size(0), " rows (shape ",
                shape_str(t.sizes()), ") but '", first_key, "' has ", first.size(0), " (shape ",
                shape_str(first.sizes()), "); every tensor needs the same first dimension");
  }
  size_ = first.size(0);
}

Example TensorDataset::get(int64_t index) const {
  check_index("TensorDataset", index, size_);
  Example ex;
  for (const auto& [key, t] : tensors_) ex.set(key, t.select(0, index));
  return ex;
}

}  // namespace accmt::data
