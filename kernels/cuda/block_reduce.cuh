#pragma once
// Warp and block reductions shared by the reduction, softmax, cross-entropy and norm
// kernels. Every combine happens in a fixed order (butterfly shuffles, then the warps'
// partials in warp order), so results are bit-identical from run to run.
//
// Contract: blockDim.x is a multiple of 32 and every thread of the warp (or block)
// calls the reduction, including threads without data (they pass the identity).
#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>

namespace accmt::kernels::cuda {

inline constexpr unsigned kFullMask = 0xffffffffu;

// __shfl_xor_sync for any trivially copyable value (bool, 16-bit floats, structs): the
// bytes travel as 32-bit words.
template <class T> __device__ __forceinline__ T shfl_xor(const T& v, int lane_mask) {
  constexpr int kWords = (sizeof(T) + 3) / 4;
  int words[kWords] = {};
  memcpy(words, &v, sizeof(T));
#pragma unroll
  for (int k = 0; k < kWords; ++k) words[k] = __shfl_xor_sync(kFullMask, words[k], lane_mask);
  T r;
  memcpy(&r, words, sizeof(T));
  return r;
}

// The combination of all 32 lanes' values, returned to every lane. `combine` must be
// commutative (every lane then computes the same value).
template <class T, class Combine> __device__ __forceinline__ T warp_all_reduce(T v, Combine combine) {
#pragma unroll
  for (int m = 16; m > 0; m >>= 1) v = combine(v, shfl_xor(v, m));
  return v;
}

// The combination over the whole block, returned to every thread. Safe to call several
// times in a row (it synchronises before reusing its shared slots).
template <class T, class Combine>
__device__ __forceinline__ T block_all_reduce(T v, Combine combine, const T& identity) {
  __shared__ T partial[32];
  v = warp_all_reduce(v, combine);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();  // an earlier call may still be reading `partial`
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  const int nwarps = blockDim.x >> 5;
  return warp_all_reduce(lane < nwarps ? partial[lane] : identity, combine);
}

// A group of kGroup threads (32: one warp; blockDim.x: the whole block) that works on
// one row: warp-per-row and block-per-row kernels share their bodies through it.
template <int kGroup> struct RowGroup {
  static constexpr bool kWarp = kGroup == 32;
  __device__ static int rank() { return kWarp ? int(threadIdx.x & 31) : int(threadIdx.x); }
  __device__ static int size() { return kWarp ? 32 : int(blockDim.x); }
  // Which row of the block this group has, and how many groups a block holds.
  __device__ static int index_in_block() { return kWarp ? int(threadIdx.x >> 5) : 0; }
  __device__ static int per_block() { return kWarp ? int(blockDim.x >> 5) : 1; }
  template <class T, class Combine> __device__ static T all_reduce(T v, Combine combine, const T& identity) {
    if constexpr (kWarp) return warp_all_reduce(v, combine);
    else return block_all_reduce(v, combine, identity);
  }
};

// Sum as a combine functor.
struct Plus {
  template <class T> __device__ __forceinline__ T operator()(T a, T b) const { return a + b; }
};

}  // namespace accmt::kernels::cuda
