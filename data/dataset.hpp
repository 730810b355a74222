#pragma once
// The dataset interface: a size and random access to examples. The DataLoader's worker
// threads call get() concurrently, so get() must be safe to call from several threads
// (reading shared, unchanging data is; a dataset that caches must lock).
#include <cstdint>
#include <memory>

#include "data/batch.hpp"

namespace accmt::data {

template <class E> class BasicDataset {
 public:
  using ExampleType = E;
  virtual ~BasicDataset() = default;
  virtual int64_t size() const = 0;
  // Example `index`, 0 <= index < size().
  virtual E get(int64_t index) const = 0;
};

// Datasets of tensors by name, which the default collate stacks.
using Dataset = BasicDataset<Example>;

// An accmt::Error naming the dataset, the index and the size when index is out of range.
void check_index(const char* dataset, int64_t index, int64_t size);

}  // namespace accmt::data
