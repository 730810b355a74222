#pragma once
// Storage: a reference-counted block of device memory that tensors view.
#include <cstddef>
#include <functional>
#include <memory>

#include "tensor/device.hpp"

namespace accmt {

class StorageImpl {
 public:
  // Allocates nbytes on device through its backend.
  StorageImpl(size_t nbytes, Device device);
  // Wraps memory owned elsewhere; `deleter` (may be empty) runs when the storage dies.
  StorageImpl(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter);
  ~StorageImpl();
  StorageImpl(const StorageImpl&) = delete;
  StorageImpl& operator=(const StorageImpl&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  const Device& device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  bool owned_ = true;
  std::function<void(void*)> deleter_;
};

using Storage = std::shared_ptr<StorageImpl>;

}  // namespace accmt
