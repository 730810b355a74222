#pragma once
// A tensor's elements as raw little-endian bytes (row-major, any device) and back: what
// file formats (safetensors, checkpoints) store. The only way upper layers see tensor
// memory as bytes.
#include <cstdint>
#include <string>

#include "tensor/tensor.hpp"

namespace accmt {

// The elements of `t` in row-major order, dtype_size(t.dtype()) bytes each.
std::string tensor_bytes(const Tensor& t);
// A new CPU tensor of `sizes` and `dtype` holding `bytes` (exactly numel * dtype size).
Tensor tensor_from_bytes(const std::string& bytes, const Shape& sizes, DType dtype);
// Appends the elements of `t` to `out` (avoids a copy for large tensors).
void append_tensor_bytes(std::string& out, const Tensor& t);

}  // namespace accmt
