#pragma once
// The CPU side of multi-tensor kernels: the tensors of a list are cut into chunks of at
// most kOptimGrain elements, and one parallel loop runs over all chunks of all tensors
// (threads only when the list holds enough elements to pay for them).
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

// Runs body(chunk) for every chunk, in parallel when there is enough work.
template <class Body> void for_each_chunk(const std::vector<TensorChunk>& chunks, Body&& body) {
  int64_t total = 0;
  for (const TensorChunk& c : chunks) total += c.end - c.begin;
  const int64_t n = int64_t(chunks.size());
  parallel_for(n, total > kOptimGrain ? 1 : n, [&](int64_t lo, int64_t hi) {
    for (int64_t k = lo; k < hi; ++k) body(chunks[size_t(k)]);
  });
}

}  // namespace accmt::kernels::cpu
