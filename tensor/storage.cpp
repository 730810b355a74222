#include "tensor/storage.hpp"

#include "kernels/backend.hpp"

namespace accmt {

StorageImpl::StorageImpl(size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
  data_ = kernels::backend(device.type).allocate(device.index, nbytes);
}

StorageImpl::StorageImpl(void* data, size_t nbytes, Device device, std::function<void(void*)> deleter)
    : data_(data), nbytes_(nbytes), device_(device), owned_(false), deleter_(std::move(deleter)) {}

StorageImpl::~StorageImpl() {
  if (owned_) {
    if (data_) kernels::backend(device_.type).deallocate(device_.index, data_, nbytes_);
  } else if (deleter_) {
    deleter_(data_);
  }
}

}  // namespace accmt
