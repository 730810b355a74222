#include "data/pin_memory.hpp"

namespace accmt::data {

// Tensor::pin_memory copies into the CUDA pinned cache when a GPU is there and returns the
// tensor itself otherwise (CPU builds, no GPU, already pinned).
void pin_batch(Batch& batch) {
  for (auto& item : batch) {
    Tensor& t = item.second;
    if (t.defined() && t.device().is_cpu()) t = t.pin_memory();
  }
}

}  // namespace accmt::data
