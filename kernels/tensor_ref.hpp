#pragma once
// What kernels see of a tensor: a raw pointer (already at the storage offset), the dtype,
// and borrowed sizes/strides (in elements). Front-ends build these; kernels never
// allocate or resize tensors.
#include <cstdint>

#include "kernels/common/dtype.hpp"

namespace accmt::kernels {

struct TensorRef {
  void* data = nullptr;
  DType dtype = DType::Float32;
  int ndim = 0;
  const int64_t* sizes = nullptr;
  const int64_t* strides = nullptr;
  int device_index = 0;

  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= sizes[i];
    return n;
  }
  bool is_contiguous() const {
    int64_t expected = 1;
    for (int i = ndim - 1; i >= 0; --i) {
      if (sizes[i] != 1 && strides[i] != expected) return false;
      expected *= sizes[i];
    }
    return true;
  }
  template <class T> T* ptr() const { return static_cast<T*>(data); }
};

}  // namespace accmt::kernels
