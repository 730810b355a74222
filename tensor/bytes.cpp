#include "tensor/bytes.hpp"

#include <cstring>

#include "kernels/common/error.hpp"

namespace accmt {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "file formats are little-endian; so is every supported host");

void append_tensor_bytes(std::string& out, const Tensor& t) {
  const Tensor host = t.detach().cpu().contiguous();
  const size_t n = size_t(host.numel() * dtype_size(host.dtype()));
  const size_t at = out.size();
  out.resize(at + n);
  if (n) std::memcpy(out.data() + at, host.data_ptr(), n);
}

std::string tensor_bytes(const Tensor& t) {
  std::string out;
  append_tensor_bytes(out, t);
  return out;
}

Tensor tensor_from_bytes(const std::string& bytes, const Shape& sizes, DType dtype) {
  Tensor t = empty(sizes, TensorOptions{.dtype = dtype});
  const size_t n = size_t(t.numel() * dtype_size(dtype));
  ACCMT_CHECK(bytes.size() == n, "tensor_from_bytes: ", bytes.size(), " bytes cannot be a ", dtype_name(dtype), " ",
              shape_str(sizes), " tensor (", n, " bytes)");
  if (n) std::memcpy(t.data_ptr(), bytes.data(), n);
  return t;
}

}  // namespace accmt
