#include "data/pin_memory.hpp"

#ifdef ACCMT_WITH_CUDA
#include "kernels/cuda/runtime.hpp"
#endif

namespace accmt::data {

void pin_batch(Batch& batch) {
#ifdef ACCMT_WITH_CUDA
  namespace kc = accmt::kernels::cuda;
  if (!accmt::cuda::is_available()) return;
  for (auto& [key, t] : batch) {
    if (!t.defined() || !t.device().is_cpu() || kc::is_pinned(t.data_ptr())) continue;
    const size_t nbytes = static_cast<size_t>(t.numel() * dtype_size(t.dtype()));
    void* block = kc::pinned_allocate(nbytes ? nbytes : 1);
    // The block goes back to the pinned cache once the copies queued on the current
    // stream (the asynchronous upload of this batch) have finished.
    Tensor pinned = from_blob(block, t.sizes(), {.dtype = t.dtype()}, [](void* p) {
      const int device = kc::current_device();
      kc::pinned_free(p, device, kc::current_stream(device));
    });
    pinned.copy_(t);
    t = pinned;
  }
#else
  (void)batch;
#endif
}

}  // namespace accmt::data
