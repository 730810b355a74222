// Multi-tensor optimizer steps on CPU: one parallel loop over the elements of every
// tensor of the list, split into equal ranges per thread, running the element loops of
// kernels/cpu/optim_loops.hpp. Built without FMA contraction (CMakeLists.txt), so an
// element's result does not depend on the split: bit-identical to one adam_step/sgd_step
// per tensor. Capturable steps read their hyper-parameters and step counters from (host)
// memory like the CUDA kernels.
#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/cpu/multi_tensor.hpp"
#include "kernels/optim_coeffs.hpp"

namespace accmt::kernels::cpu {

namespace {
// Runs body(entry, begin, end) over the list's elements in equal parts per thread.
template <class Body> void for_each_part(const MultiTensorList& list, Body&& body) {
  for_each_range(list.count, [&](size_t i) { return list.entries[i].numel; },
                 [&](size_t i, int64_t begin, int64_t end) { body(list.entries[i], begin, end); });
}
}  // namespace

void CpuBackend::sgd_step_multi(const MultiTensorList& list, const SgdStepArgs& a) {
  dispatch_floating(list.dtype, [&]<class T>() {
    using A = acc_t<T>;
    const optim_math::SgdCoeffs<A> c = sgd_coeffs<A>(list.hyper ? sgd_args_from(list.hyper, a) : a);
    for_each_part(list, [&](const MultiTensorEntry& e, int64_t begin, int64_t end) {
      T* buf = a.momentum != 0 ? static_cast<T*>(e.state[0]) : nullptr;
      sgd_range<T>(static_cast<T*>(e.param), static_cast<const T*>(e.grad), buf, begin, end, c);
    });
  });
}

void CpuBackend::adam_step_multi(const MultiTensorList& list, const AdamStepArgs& a) {
  dispatch_floating(list.dtype, [&]<class T>() {
    using A = acc_t<T>;
    const optim_math::AdamCoeffs<A> host = adam_coeffs<A>(a);
    dispatch_adam_flags(a, [&]<bool D, bool Am, bool Mx>() {
      for_each_part(list, [&](const MultiTensorEntry& e, int64_t begin, int64_t end) {
        const optim_math::AdamCoeffs<A> c = list.hyper ? adam_coeffs<A>(adam_args_from(list.hyper, a, *e.step)) : host;
        adam_range<T, D, Am, Mx>(static_cast<T*>(e.param), static_cast<const T*>(e.grad), static_cast<T*>(e.state[0]),
                                 static_cast<T*>(e.state[1]), static_cast<T*>(e.state[2]), begin, end, c);
      });
    });
  });
}

void CpuBackend::increment_counters(float* const* counters, size_t count, int /*device_index*/) {
  for (size_t i = 0; i < count; ++i) *counters[i] += 1.0f;
}

}  // namespace accmt::kernels::cpu
