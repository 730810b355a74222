#pragma once
// Element offsets for N operands that share one shape but have their own strides (0 for
// broadcast), used by grid-stride kernels. Built on the host like the CPU's StridedLoop:
// size-1 dims are dropped and adjacent dims merged where every operand allows, so most
// tensors collapse to one dim and take the contiguous path.
#include <algorithm>
#include <cstdint>

#include "kernels/common/error.hpp"
#include "kernels/cuda/launch.cuh"
#include "kernels/tensor_ref.hpp"

namespace accmt::kernels::cuda {

inline constexpr int kMaxDims = 25;

template <int N> struct StridedIndexer {
  int ndim = 0;
  int64_t sizes[kMaxDims];       // innermost dim first
  int64_t strides[N][kMaxDims];  // in elements

  // Offsets (in elements) of logical element i in each operand.
  __device__ void offsets(int64_t i, int64_t (&off)[N]) const {
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = 0; d < ndim; ++d) {
      const int64_t idx = i % sizes[d];
      i /= sizes[d];
      for (int k = 0; k < N; ++k) off[k] += idx * strides[k][d];
    }
  }

  // Every operand dense with unit stride: one flat index serves all of them.
  bool contiguous() const {
    if (ndim != 1) return false;
    for (int k = 0; k < N; ++k)
      if (strides[k][0] != 1) return false;
    return true;
  }
};

// refs[0] gives the shape; the others have the same sizes.
template <int N> StridedIndexer<N> make_indexer(const TensorRef* const (&refs)[N]) {
  const TensorRef& shape = *refs[0];
  ACCMT_CHECK(shape.ndim <= kMaxDims, "CUDA kernels take tensors of at most ", kMaxDims, " dims, got ",
              shape.ndim);
  StridedIndexer<N> ix;
  for (int d = shape.ndim - 1; d >= 0; --d) {
    const int64_t s = shape.sizes[d];
    if (s == 1) continue;
    bool merge = ix.ndim > 0;
    for (int k = 0; k < N && merge; ++k)
      merge = refs[k]->strides[d] == ix.strides[k][ix.ndim - 1] * ix.sizes[ix.ndim - 1];
    if (merge) {
      ix.sizes[ix.ndim - 1] *= s;
      continue;
    }
    ix.sizes[ix.ndim] = s;
    for (int k = 0; k < N; ++k) ix.strides[k][ix.ndim] = refs[k]->strides[d];
    ++ix.ndim;
  }
  if (ix.ndim == 0) {  // a single element (or a shape of all ones)
    ix.sizes[0] = 1;
    for (int k = 0; k < N; ++k) ix.strides[k][0] = 1;
    ix.ndim = 1;
  }
  return ix;
}

}  // namespace accmt::kernels::cuda
