// Multi-tensor norm and scale on CUDA (the fused, sync-free grad-norm clipping). The
// norm runs in two deterministic passes: each block reduces one chunk (kMtChunk
// elements) to a partial in a fixed order (block_reduce.cuh), then one thread per tensor
// combines its chunks' partials in chunk order and takes the root. The per-tensor
// (first chunk, chunk count) tables travel as kernel arguments, like the chunk tables.
#include <cuda_runtime_api.h>

#include <vector>

#include "kernels/common/norm_math.hpp"
#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/multi_tensor.cuh"

namespace accmt::kernels::cuda {

namespace nm = norm_math;

namespace {

template <class T>
__global__ void __launch_bounds__(kMtThreads)
    norm_partial_kernel(TensorTable<1> t, int64_t first_block, nm::NormKind kind, acc_t<T> p, acc_t<T>* partial) {
  using A = acc_t<T>;
  const BlockSpan s = block_span(t);
  const T* x = static_cast<const T*>(t.ptr[0][s.slot]) + s.start;
  constexpr int V = kMtVec<T>;
  A acc = A(0);
  int64_t done = 0;
  if (reinterpret_cast<uintptr_t>(x) % 16 == 0) {
    const int64_t nvec = s.n / V;
    for (int64_t i = threadIdx.x; i < nvec; i += blockDim.x) {
      const MtPack<T, V> xv = mt_load<T, V>(x, i);
#pragma unroll
      for (int k = 0; k < V; ++k) acc = nm::norm_combine(acc, nm::norm_term(A(xv.v[k]), kind, p), kind);
    }
    done = nvec * V;
  }
  for (int64_t i = done + threadIdx.x; i < s.n; i += blockDim.x)
    acc = nm::norm_combine(acc, nm::norm_term(A(x[i]), kind, p), kind);
  acc = block_all_reduce(acc, [kind](A a, A b) { return nm::norm_combine(a, b, kind); }, A(0));
  if (threadIdx.x == 0) partial[first_block + blockIdx.x] = acc;
}

// Per-tensor chunk ranges for the combining pass, one thread each.
inline constexpr int kFinishPerLaunch = 240;
struct FinishTable {
  int64_t first[kFinishPerLaunch];
  int32_t count[kFinishPerLaunch];
  int32_t out[kFinishPerLaunch];
  int n;
};
static_assert(sizeof(FinishTable) <= 3900, "kernel parameters are limited to 4 KB");

template <class T>
__global__ void norm_finish_kernel(FinishTable t, nm::NormKind kind, acc_t<T> p, const acc_t<T>* partial, T* norms) {
  using A = acc_t<T>;
  const int k = int(threadIdx.x);
  if (k >= t.n) return;
  A acc = A(0);
  for (int32_t j = 0; j < t.count[k]; ++j) acc = nm::norm_combine(acc, partial[t.first[k] + j], kind);
  norms[t.out[k]] = T(nm::norm_finish(acc, kind, p));
}

template <class T>
__global__ void __launch_bounds__(kMtThreads) scale_kernel(TensorTable<1> t, const T* scale) {
  using A = acc_t<T>;
  const BlockSpan s = block_span(t);
  const A c = A(*scale);
  T* x = static_cast<T*>(t.ptr[0][s.slot]) + s.start;
  constexpr int V = kMtVec<T>;
  int64_t done = 0;
  if (reinterpret_cast<uintptr_t>(x) % 16 == 0) {
    const int64_t nvec = s.n / V;
    for (int64_t i = threadIdx.x; i < nvec; i += blockDim.x) {
      MtPack<T, V> xv = mt_load<T, V>(x, i);
#pragma unroll
      for (int k = 0; k < V; ++k) xv.v[k] = T(A(xv.v[k]) * c);
      mt_store<T, V>(x, i, xv);
    }
    done = nvec * V;
  }
  for (int64_t i = done + threadIdx.x; i < s.n; i += blockDim.x) x[i] = T(A(x[i]) * c);
}

int64_t chunks_of(int64_t n) { return (n + kMtChunk - 1) / kMtChunk; }

}  // namespace

void CudaBackend::multi_norm(const TensorRef* tensors, size_t count, double norm_type, const TensorRef& norms) {
  if (count == 0) return;
  const int device = norms.device_index;
  cudaStream_t stream = stream_for(device);
  const nm::NormKind kind = nm::norm_kind(norm_type);
  dispatch_floating(norms.dtype, [&]<class T>() {
    using A = acc_t<T>;
    // Chunks are numbered in list order (empty tensors have none), as multi_tensor_apply launches them.
    std::vector<int64_t> first(count);
    int64_t total = 0;
    for (size_t i = 0; i < count; ++i) {
      first[i] = total;
      total += chunks_of(tensors[i].numel());
    }
    Workspace partial(device, size_t(std::max<int64_t>(total, 1)) * sizeof(A));
    A* part = partial.as<A>();
    const A p = A(norm_type);
    multi_tensor_apply<1>(
        count,
        [&](size_t i, TensorTable<1>& t, int slot) {
          t.ptr[0][slot] = tensors[i].data;
          t.step[slot] = nullptr;
          t.numel[slot] = tensors[i].numel();
          return t.numel[slot];
        },
        [&](const TensorTable<1>& t, int blocks, int64_t first_block) {
          norm_partial_kernel<T><<<blocks, kMtThreads, 0, stream>>>(t, first_block, kind, p, part);
          ACCMT_CUDA_CHECK_LAUNCH();
        });
    for (size_t lo = 0; lo < count; lo += kFinishPerLaunch) {
      FinishTable t{};
      t.n = int(std::min<size_t>(kFinishPerLaunch, count - lo));
      for (int k = 0; k < t.n; ++k) {
        const size_t i = lo + size_t(k);
        t.first[k] = first[i];
        t.count[k] = int32_t(chunks_of(tensors[i].numel()));
        t.out[k] = int32_t(i);
      }
      norm_finish_kernel<T><<<1, 256, 0, stream>>>(t, kind, p, part, norms.ptr<T>());
      ACCMT_CUDA_CHECK_LAUNCH();
    }
  });
}

void CudaBackend::multi_scale(const TensorRef* tensors, size_t count, const TensorRef& scale) {
  if (count == 0) return;
  cudaStream_t stream = stream_for(scale.device_index);
  dispatch_floating(scale.dtype, [&]<class T>() {
    const T* s = scale.ptr<const T>();
    multi_tensor_apply<1>(
        count,
        [&](size_t i, TensorTable<1>& t, int slot) {
          t.ptr[0][slot] = tensors[i].data;
          t.step[slot] = nullptr;
          t.numel[slot] = tensors[i].numel();
          return t.numel[slot];
        },
        [&](const TensorTable<1>& t, int blocks, int64_t) {
          scale_kernel<T><<<blocks, kMtThreads, 0, stream>>>(t, s);
          ACCMT_CUDA_CHECK_LAUNCH();
        });
  });
}

}  // namespace accmt::kernels::cuda
