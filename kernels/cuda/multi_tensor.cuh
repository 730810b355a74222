#pragma once
// Multi-tensor apply (the scheme of apex's multi_tensor_apply): a list of tensors is cut
// into chunks of kMtChunk elements, and each launch's table of tensor pointers and its
// block -> (tensor, chunk) map travel BY VALUE as the kernel argument. No host<->device
// copy is involved, so a CUDA graph captures the launches with their tables baked in.
// The table stays under the 4 KB kernel-parameter limit; lists that do not fit take
// several launches (a tensor cut between two launches continues in the next one).
#include <cstdint>

#include "kernels/cuda/launch.cuh"

namespace accmt::kernels::cuda {

inline constexpr int64_t kMtChunk = 65536;  // elements per block; a multiple of every vector width
inline constexpr int kMtBlocks = 320;       // blocks per launch
inline constexpr int kMtThreads = 512;
inline constexpr size_t kMtTableBytes = 3600;  // the rest of the 4 KB is for the kernels' other arguments

// Depth: operands per tensor (param, grad, state...). step: the capturable step counter.
template <int Depth> struct TensorTable {
  static constexpr int kMaxTensors =
      int((kMtTableBytes - kMtBlocks * (sizeof(int32_t) + sizeof(uint8_t))) / ((Depth + 2) * sizeof(void*)));
  static_assert(kMaxTensors > 0 && kMaxTensors <= 255, "block_tensor holds the slot in one byte");
  void* ptr[Depth][kMaxTensors];
  const float* step[kMaxTensors];
  int64_t numel[kMaxTensors];
  int32_t block_chunk[kMtBlocks];
  uint8_t block_tensor[kMtBlocks];
};

// What one block works on: `n` elements (at most kMtChunk) starting at `start`.
struct BlockSpan {
  int slot;
  int64_t start, n;
};
template <int Depth> __device__ inline BlockSpan block_span(const TensorTable<Depth>& t) {
  const int slot = t.block_tensor[blockIdx.x];
  const int64_t start = int64_t(t.block_chunk[blockIdx.x]) * kMtChunk;
  const int64_t left = t.numel[slot] - start;
  return {slot, start, left < kMtChunk ? left : kMtChunk};
}

// Fills tables from a list of `count` tensors and launches them in order. fill(i, table,
// slot) writes tensor i's pointers (and step) into `slot` and returns its element count;
// launch(table, blocks) starts one kernel. Empty tensors are skipped. `first_block`
// passed to launch counts the blocks of earlier launches (chunks are numbered in list
// order across launches, for kernels that write per-chunk results).
template <int Depth, class Fill, class Launch> void multi_tensor_apply(size_t count, Fill&& fill, Launch&& launch) {
  using Table = TensorTable<Depth>;
  Table table{};
  int tensors = 0, blocks = 0;
  int64_t first_block = 0;
  for (size_t i = 0; i < count; ++i) {
    const int64_t n = fill(i, table, tensors);
    if (n == 0) continue;
    int slot = tensors++;
    const int64_t chunks = (n + kMtChunk - 1) / kMtChunk;
    for (int64_t c = 0; c < chunks; ++c) {
      table.block_tensor[blocks] = uint8_t(slot);
      table.block_chunk[blocks] = int32_t(c);
      ++blocks;
      const bool last_chunk = c == chunks - 1;
      if (blocks == kMtBlocks || (last_chunk && tensors == Table::kMaxTensors)) {
        launch(table, blocks, first_block);
        first_block += blocks;
        blocks = 0;
        tensors = 0;
        if (!last_chunk) {  // the rest of this tensor continues in slot 0 of the next table
          for (int d = 0; d < Depth; ++d) table.ptr[d][0] = table.ptr[d][slot];
          table.step[0] = table.step[slot];
          table.numel[0] = table.numel[slot];
          slot = 0;
          tensors = 1;
        }
      }
    }
  }
  if (blocks > 0) launch(table, blocks, first_block);
}

// 16-byte vectors of V elements (the vector path of every multi-tensor kernel).
template <class T> constexpr int kMtVec = int(16 / sizeof(T));
template <class T, int V> struct alignas(sizeof(T) * V) MtPack {
  T v[V];
};
template <class T, int V> __device__ inline MtPack<T, V> mt_load(const T* base, int64_t i) {
  return reinterpret_cast<const MtPack<T, V>*>(base)[i];
}
template <class T, int V> __device__ inline void mt_store(T* base, int64_t i, const MtPack<T, V>& x) {
  reinterpret_cast<MtPack<T, V>*>(base)[i] = x;
}

// Whether every pointer is 16-byte aligned (null counts as aligned): the vector path.
__device__ inline bool all_aligned16(const void* const* ptrs, int n) {
  bool ok = true;
  for (int k = 0; k < n; ++k) ok = ok && reinterpret_cast<uintptr_t>(ptrs[k]) % 16 == 0;
  return ok;
}

}  // namespace accmt::kernels::cuda
