// Flatten module over Tensor::flatten.
#include "nn/flatten.hpp"

namespace accmt::nn {

Tensor Flatten::forward(const Tensor& input) {
  ACCMT_CHECK(input.defined(), "Flatten: the input tensor is undefined");
  return input.flatten(start_dim, end_dim);
}

}  // namespace accmt::nn
