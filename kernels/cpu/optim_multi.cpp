// Multi-tensor optimizer steps on CPU: one parallel loop over the chunks of every tensor
// of the list, running the single-tensor element loops (kernels/cpu/optim_loops.hpp), so
// results are bit-identical to one adam_step/sgd_step per tensor. Capturable steps read
// their hyper-parameters and step counters from (host) memory like the CUDA kernels.
#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/cpu/multi_tensor.hpp"
#include "kernels/optim_coeffs.hpp"

namespace accmt::kernels::cpu {

namespace {
std::vector<TensorChunk> list_chunks(const MultiTensorList& list) {
  return chunks_of(list.count, [&](size_t i) { return list.entries[i].numel; });
}
}  // namespace

void CpuBackend::sgd_step_multi(const MultiTensorList& list, const SgdStepArgs& a) {
  const std::vector<TensorChunk> chunks = list_chunks(list);
  dispatch_floating(list.dtype, [&]<class T>() {
    using A = acc_t<T>;
    const optim_math::SgdCoeffs<A> c = sgd_coeffs<A>(list.hyper ? sgd_args_from(list.hyper, a) : a);
    for_each_chunk(chunks, [&](const TensorChunk& k) {
      const MultiTensorEntry& e = list.entries[k.tensor];
      T* buf = a.momentum != 0 ? static_cast<T*>(e.state[0]) : nullptr;
      sgd_range<T>(static_cast<T*>(e.param), static_cast<const T*>(e.grad), buf, k.begin, k.end, c);
    });
  });
}

void CpuBackend::adam_step_multi(const MultiTensorList& list, const AdamStepArgs& a) {
  const std::vector<TensorChunk> chunks = list_chunks(list);
  dispatch_floating(list.dtype, [&]<class T>() {
    using A = acc_t<T>;
    const optim_math::AdamCoeffs<A> host = adam_coeffs<A>(a);
    dispatch_adam_flags(a, [&]<bool D, bool Am, bool Mx>() {
      for_each_chunk(chunks, [&](const TensorChunk& k) {
        const MultiTensorEntry& e = list.entries[k.tensor];
        const optim_math::AdamCoeffs<A> c = list.hyper ? adam_coeffs<A>(adam_args_from(list.hyper, a, *e.step)) : host;
        adam_range<T, D, Am, Mx>(static_cast<T*>(e.param), static_cast<const T*>(e.grad), static_cast<T*>(e.state[0]),
                                 static_cast<T*>(e.state[1]), static_cast<T*>(e.state[2]), k.begin, k.end, c);
      });
    });
  });
}

void CpuBackend::increment_counters(float* const* counters, size_t count, int /*device_index*/) {
  for (size_t i = 0; i < count; ++i) *counters[i] += 1.0f;
}

}  // namespace accmt::kernels::cpu
