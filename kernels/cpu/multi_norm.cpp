// Multi-tensor norm and scale on CPU (the fused grad-norm clipping): one parallel loop
// over the chunks of every tensor. Each chunk accumulates in double into its own slot,
// and each tensor's slots are combined in chunk order, so the result does not depend on
// the thread count.
#include <vector>

#include "kernels/common/norm_math.hpp"
#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/cpu/multi_tensor.hpp"

namespace accmt::kernels::cpu {

namespace nm = norm_math;

void CpuBackend::multi_norm(const TensorRef* tensors, size_t count, double norm_type, const TensorRef& norms) {
  const std::vector<TensorChunk> chunks = chunks_of(count, [&](size_t i) { return tensors[i].numel(); });
  const nm::NormKind kind = nm::norm_kind(norm_type);
  std::vector<double> partial(chunks.size());
  dispatch_floating(norms.dtype, [&]<class T>() {
    const TensorChunk* first = chunks.data();
    for_each_chunk(chunks, [&](const TensorChunk& k) {
      const T* x = tensors[k.tensor].ptr<const T>();
      double acc = 0.0;
      for (int64_t i = k.begin; i < k.end; ++i) acc = nm::norm_combine(acc, nm::norm_term(double(x[i]), kind, norm_type), kind);
      partial[size_t(&k - first)] = acc;
    });
    T* out = norms.ptr<T>();
    size_t c = 0;
    for (size_t i = 0; i < count; ++i) {
      double acc = 0.0;
      for (; c < chunks.size() && chunks[c].tensor == i; ++c) acc = nm::norm_combine(acc, partial[c], kind);
      out[i] = T(nm::norm_finish(acc, kind, norm_type));
    }
  });
}

void CpuBackend::multi_scale(const TensorRef* tensors, size_t count, const TensorRef& scale) {
  const std::vector<TensorChunk> chunks = chunks_of(count, [&](size_t i) { return tensors[i].numel(); });
  dispatch_floating(scale.dtype, [&]<class T>() {
    using A = acc_t<T>;
    const A s = A(*scale.ptr<const T>());
    for_each_chunk(chunks, [&](const TensorChunk& k) {
      T* x = tensors[k.tensor].ptr<T>();
      for (int64_t i = k.begin; i < k.end; ++i) x[i] = T(A(x[i]) * s);
    });
  });
}

}  // namespace accmt::kernels::cpu
