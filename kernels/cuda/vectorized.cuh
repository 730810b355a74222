#pragma once
// The loops shared by the elementwise kernel families. A family's kernel picks the
// per-element function (usually by switching on the op once, outside the loop) and hands
// it to one of these:
//   contiguous_loop: every operand dense (or one value broadcast to all elements). With
//     16-byte aligned pointers each thread moves 16 bytes of the widest operand per load,
//     kUnroll vectors at a time so several loads are in flight; a scalar loop does the
//     tail, or everything when a pointer is misaligned.
//   strided_loop: any strides, one element per step, through StridedIndexer
//     (kernels/cuda/strided.cuh) or its 32-bit form (kernels/cuda/index32.cuh).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "kernels/cuda/index32.cuh"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/strided.cuh"

namespace accmt::kernels::cuda {

inline constexpr int kVectorBytes = 16;
// Vectors each thread loads before it computes, to keep more memory requests in flight.
inline constexpr int kUnroll = 2;

// kN elements of T moved as one aligned load or store.
template <class T, int kN> struct alignas(sizeof(T) * kN) Vec {
  T v[kN];
};

// Elements per vector: 16 bytes of the widest operand (narrower operands move fewer bytes).
template <class... Ts> inline constexpr int kVecElems = kVectorBytes / int(std::max({sizeof(Ts)...}));

inline bool aligned_to(const void* p, int64_t bytes) { return reinterpret_cast<uintptr_t>(p) % uint64_t(bytes) == 0; }

// An input of the contiguous path: dense with unit stride, or a single value that every
// element reads (stride 0 everywhere, e.g. tensor-scalar ops).
template <class T> struct In {
  const T* ptr;
  bool broadcast;

  template <int kN> __device__ Vec<T, kN> vec(int64_t v) const {
    if (!broadcast) return reinterpret_cast<const Vec<T, kN>*>(ptr)[v];
    Vec<T, kN> r;
    const T x = *ptr;
#pragma unroll
    for (int k = 0; k < kN; ++k) r.v[k] = x;
    return r;
  }
  __device__ T at(int64_t i) const { return ptr[broadcast ? 0 : i]; }
};

// Whether In<T>(ptr) can take the vector loads of kN elements.
template <class T> bool vector_ready(const In<T>& in, int kN) {
  return in.broadcast || aligned_to(in.ptr, int64_t(sizeof(T)) * kN);
}

template <class T, int kN> struct Chunk {
  Vec<T, kN> v[kUnroll];
};

// Vectors v, v + stride, ... (those below nvec) of one input.
template <int kN, class T> __device__ Chunk<T, kN> load_chunk(const In<T>& in, int64_t v, int64_t stride, int64_t nvec) {
  Chunk<T, kN> c;
#pragma unroll
  for (int u = 0; u < kUnroll; ++u)
    if (v + u * stride < nvec) c.v[u] = in.template vec<kN>(v + u * stride);
  return c;
}

// The chunks arrive as arguments, so every load is issued before the first store.
template <int kN, class TO, class F, class... TI>
__device__ void compute_chunk(const F& f, TO* out, int64_t v, int64_t stride, int64_t nvec, const Chunk<TI, kN>&... in) {
#pragma unroll
  for (int u = 0; u < kUnroll; ++u) {
    if (v + u * stride >= nvec) continue;
    Vec<TO, kN> o;
#pragma unroll
    for (int k = 0; k < kN; ++k) o.v[k] = f(in.v[u].v[k]...);
    reinterpret_cast<Vec<TO, kN>*>(out)[v + u * stride] = o;
  }
}

// out[i] = f(in[i]...) for i < n. `vectorized` (checked on the host with vector_ready and
// aligned_to) allows the kN-element vectors; the scalar loop covers the rest.
template <int kN, class TO, class F, class... TI>
__device__ void contiguous_loop(const F& f, TO* out, int64_t n, bool vectorized, const In<TI>&... in) {
  int64_t done = 0;
  if (vectorized) {
    const int64_t nvec = n / kN, stride = grid_stride();
    for (int64_t v = global_index(); v < nvec; v += kUnroll * stride)
      compute_chunk<kN>(f, out, v, stride, nvec, load_chunk<kN>(in, v, stride, nvec)...);
    done = nvec * kN;
  }
  for (int64_t i = done + global_index(); i < n; i += grid_stride()) out[i] = f(in.at(i)...);
}

template <class Ix, class TO, class F, class... TI, size_t... Is>
__device__ void strided_loop_impl(const F& f, TO* out, int64_t n, const Ix& ix, std::index_sequence<Is...>,
                                  const TI*... in) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    int64_t off[1 + sizeof...(TI)];
    ix.offsets(i, off);
    out[off[0]] = f(in[off[Is + 1]]...);
  }
}

// out[i] = f(in[i]...) through the operands' strides (operand 0 of ix is out); ix is a
// StridedIndexer<1 + sizeof...(TI)> or its StridedIndexer32.
template <class Ix, class TO, class F, class... TI>
__device__ void strided_loop(const F& f, TO* out, int64_t n, const Ix& ix, const TI*... in) {
  strided_loop_impl(f, out, n, ix, std::index_sequence_for<TI...>{}, in...);
}

// Blocks for a contiguous_loop over n elements.
inline int contiguous_blocks(int64_t n, bool vectorized, int kN) {
  if (!vectorized) return blocks_for(n);
  // Threads for the vector loop, or for the scalar tail when that is longer.
  return blocks_for(std::max<int64_t>((n / kN + kUnroll - 1) / kUnroll, n % kN));
}

// Whether ix (built by make_indexer) lets operand k take the contiguous path: unit stride,
// or stride 0 in every dim for a broadcast input. Operand 0 (the output) must be dense.
template <int N> bool dense_or_broadcast(const StridedIndexer<N>& ix, int k) {
  if (ix.ndim != 1) return false;
  return ix.strides[k][0] == 1 || (k > 0 && ix.strides[k][0] == 0);
}

}  // namespace accmt::kernels::cuda
