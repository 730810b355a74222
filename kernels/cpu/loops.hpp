#pragma once
// Iteration over N operands that share one shape but have their own strides (stride 0
// for broadcast). Dims are reordered innermost-first, size-1 dims dropped and adjacent
// dims merged where every operand allows, so most calls become one flat loop.
#include <array>
#include <cstdint>

#include "kernels/cpu/parallel.hpp"
#include "kernels/tensor_ref.hpp"

namespace accmt::kernels::cpu {

inline constexpr int kMaxDims = 25;

template <int N> struct StridedLoop {
  int ndim = 0;
  std::array<int64_t, kMaxDims> sizes{};
  std::array<std::array<int64_t, kMaxDims>, N> strides{};  // bytes, innermost first
  std::array<char*, N> base{};
  int64_t numel = 1;

  explicit StridedLoop(const std::array<const TensorRef*, N>& refs) {
    const TensorRef& shape = *refs[0];
    for (int k = 0; k < N; ++k) base[k] = static_cast<char*>(refs[k]->data);
    for (int d = shape.ndim - 1; d >= 0; --d) {
      int64_t s = shape.sizes[d];
      numel *= s;
      if (s == 1) continue;
      bool merge = ndim > 0;
      for (int k = 0; k < N && merge; ++k) {
        int64_t st = refs[k]->strides[d] * dtype_size(refs[k]->dtype);
        merge = st == strides[k][ndim - 1] * sizes[ndim - 1];
      }
      if (merge) {
        sizes[ndim - 1] *= s;
        continue;
      }
      sizes[ndim] = s;
      for (int k = 0; k < N; ++k) strides[k][ndim] = refs[k]->strides[d] * dtype_size(refs[k]->dtype);
      ++ndim;
    }
    if (ndim == 0) {  // a single element
      sizes[0] = 1;
      for (int k = 0; k < N; ++k) strides[k][0] = 0;
      ndim = 1;
    }
  }

  // Whether every operand is dense in the (merged) inner dim with its element size.
  bool flat(const std::array<int64_t, N>& elem_sizes) const {
    if (ndim != 1) return false;
    for (int k = 0; k < N; ++k)
      if (strides[k][0] != elem_sizes[k]) return false;
    return true;
  }

  // Calls row(ptrs, inner_strides, count) for each inner run within elements [begin, end).
  template <class Row> void for_range(int64_t begin, int64_t end, Row&& row) const {
    if (begin >= end) return;  // also keeps size-0 dims out of the index arithmetic
    std::array<int64_t, kMaxDims> idx{};
    int64_t rest = begin;
    for (int d = 0; d < ndim; ++d) {
      idx[d] = rest % sizes[d];
      rest /= sizes[d];
    }
    std::array<int64_t, N> inner;
    for (int k = 0; k < N; ++k) inner[k] = strides[k][0];
    int64_t pos = begin;
    while (pos < end) {
      std::array<char*, N> p;
      for (int k = 0; k < N; ++k) {
        int64_t off = 0;
        for (int d = 0; d < ndim; ++d) off += idx[d] * strides[k][d];
        p[k] = base[k] + off;
      }
      int64_t count = std::min(sizes[0] - idx[0], end - pos);
      row(p, inner, count);
      pos += count;
      idx[0] += count;
      for (int d = 0; d < ndim - 1 && idx[d] == sizes[d]; ++d) {
        idx[d] = 0;
        ++idx[d + 1];
      }
    }
  }

  // Runs rows in parallel over the whole range.
  template <class Row> void run(Row&& row) const {
    parallel_for(numel, kGrain, [&](int64_t b, int64_t e) { for_range(b, e, row); });
  }
};

}  // namespace accmt::kernels::cpu
