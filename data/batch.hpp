#pragma once
// Batch: tensors by name, kept in insertion order so they can also be reached by position.
// A dataset's example is the same type (one example, not yet stacked), so collate
// functions map std::vector<Example> to a Batch.
#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.hpp"

namespace accmt::data {

class Batch {
 public:
  using Item = std::pair<std::string, Tensor>;

  Batch() = default;
  Batch(std::initializer_list<Item> items);

  // Adds `key`, or replaces its tensor in place (the position stays).
  void set(const std::string& key, Tensor value);
  // The tensor named key; an accmt::Error names the missing key and the keys present.
  const Tensor& operator[](const std::string& key) const;
  Tensor& at(const std::string& key);
  // The tensor at a position (insertion order).
  const Tensor& operator[](size_t position) const;
  Tensor& at(size_t position);
  bool contains(const std::string& key) const;
  bool erase(const std::string& key);

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<std::string> keys() const;
  std::vector<Item>::const_iterator begin() const { return items_.begin(); }
  std::vector<Item>::const_iterator end() const { return items_.end(); }
  std::vector<Item>::iterator begin() { return items_.begin(); }
  std::vector<Item>::iterator end() { return items_.end(); }

  // Every tensor moved to `device` (tensors already there are shared, not copied).
  Batch to(const Device& device) const;
  // "{image: [64, 3, 32, 32] float32, label: [64] int64}"
  std::string str() const;

 private:
  const Item* find(const std::string& key) const;
  [[noreturn]] void missing(const std::string& key) const;
  std::vector<Item> items_;
};

// One example from a dataset: tensors by name (not yet batched).
using Example = Batch;

}  // namespace accmt::data
