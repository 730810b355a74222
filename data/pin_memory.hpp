#pragma once
// pin_memory: with CUDA available, a batch's CPU tensors move into page-locked host memory,
// so the copy to the GPU can run asynchronously; elsewhere (CPU builds, no GPU) a no-op.
#include "data/batch.hpp"

namespace accmt::data {

void pin_batch(Batch& batch);

}  // namespace accmt::data
