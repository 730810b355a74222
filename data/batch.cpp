#include "data/batch.hpp"

#include <sstream>

namespace accmt::data {

Batch::Batch(std::initializer_list<Item> items) {
  for (const auto& [key, value] : items) set(key, value);
}

void Batch::set(const std::string& key, Tensor value) {
  for (auto& item : items_) {
    if (item.first == key) {
      item.second = std::move(value);
      return;
    }
  }
  items_.emplace_back(key, std::move(value));
}

const Batch::Item* Batch::find(const std::string& key) const {
  for (const auto& item : items_)
    if (item.first == key) return &item;
  return nullptr;
}

void Batch::missing(const std::string& key) const {
  std::ostringstream keys;
  for (size_t i = 0; i < items_.size(); ++i) keys << (i ? ", " : "") << items_[i].first;
  throw Error("Batch: no key '" + key + "'; the keys are [" + keys.str() + "]");
}

const Tensor& Batch::operator[](const std::string& key) const {
  const Item* item = find(key);
  if (!item) missing(key);
  return item->second;
}

Tensor& Batch::at(const std::string& key) {
  const Item* item = find(key);
  if (!item) missing(key);
  return const_cast<Item*>(item)->second;
}

const Tensor& Batch::operator[](size_t position) const {
  ACCMT_CHECK(position < items_.size(), "Batch: position ", position, " is out of range for a batch of ",
              items_.size(), " tensors");
  return items_[position].second;
}

Tensor& Batch::at(size_t position) {
  ACCMT_CHECK(position < items_.size(), "Batch: position ", position, " is out of range for a batch of ",
              items_.size(), " tensors");
  return items_[position].second;
}

bool Batch::contains(const std::string& key) const { return find(key) != nullptr; }

bool Batch::erase(const std::string& key) {
  for (auto it = items_.begin(); it != items_.end(); ++it) {
    if (it->first == key) {
      items_.erase(it);
      return true;
    }
  }
  return false;
}

std::vector<std::string> Batch::keys() const {
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const auto& item : items_) out.push_back(item.first);
  return out;
}

Batch Batch::to(const Device& device) const {
  Batch out;
  for (const auto& [key, value] : items_) out.set(key, value.defined() ? value.to(device) : value);
  return out;
}

std::string Batch::str() const {
  std::ostringstream os;
  os << "{";
  for (size_t i = 0; i < items_.size(); ++i) {
    const auto& [key, value] = items_[i];
    os << (i ? ", " : "") << key << ": ";
    if (value.defined())
      os << shape_str(value.sizes()) << " " << dtype_name(value.dtype());
    else
      os << "undefined";
  }
  os << "}";
  return os.str();
}

}  // namespace accmt::data
