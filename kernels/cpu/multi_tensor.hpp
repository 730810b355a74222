#pragma once
// The CPU side of multi-tensor kernels: one parallel loop over the elements of all
// tensors of a list (threads only when the list holds enough elements to pay for them),
// split into equal ranges (elementwise updates) or into fixed chunks of at most
// kOptimGrain elements (reductions).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/cpu/optim_loops.hpp"
#include "kernels/cpu/parallel.hpp"

namespace accmt::kernels::cpu {

struct TensorChunk {
  size_t tensor;
  int64_t begin, end;
};

// numel(i) gives tensor i's element count; empty tensors have no chunk.
template <class Numel> std::vector<TensorChunk> chunks_of(size_t count, Numel&& numel) {
  std::vector<TensorChunk> out;
  for (size_t i = 0; i < count; ++i) {
    const int64_t n = numel(i);
    for (int64_t b = 0; b < n; b += kOptimGrain) out.push_back({i, b, b + kOptimGrain < n ? b + kOptimGrain : n});
  }
  return out;
}

// Runs body(tensor, begin, end) over all elements of the list, split into equal parts
// across the threads (like one parallel_for over the concatenated tensors) when there are
// more than kOptimGrain elements. For elementwise work only: the split depends on the
// thread count.
template <class Numel, class Body> void for_each_range(size_t count, Numel&& numel, Body&& body) {
  std::vector<int64_t> start(count + 1, 0);
  for (size_t i = 0; i < count; ++i) start[i + 1] = start[i] + numel(i);
  parallel_for(start[count], kOptimGrain, [&](int64_t lo, int64_t hi) {
    size_t i = size_t(std::upper_bound(start.begin(), start.end(), lo) - start.begin()) - 1;
    for (; i < count && start[i] < hi; ++i) {
      const int64_t b = std::max(lo, start[i]) - start[i], e = std::min(hi, start[i + 1]) - start[i];
      if (b < e) body(i, b, e);
    }
  });
}

// Runs body(chunk) for every chunk, in parallel when there is enough work (a fixed
// partition: for reductions whose result must not depend on the thread count).
template <class Body> void for_each_chunk(const std::vector<TensorChunk>& chunks, Body&& body) {
  int64_t total = 0;
  for (const TensorChunk& c : chunks) total += c.end - c.begin;
  const int64_t n = int64_t(chunks.size());
  parallel_for(n, total > kOptimGrain ? 1 : n, [&](int64_t lo, int64_t hi) {
    for (int64_t k = lo; k < hi; ++k) body(chunks[size_t(k)]);
  });
}

}  // namespace accmt::kernels::cpu
