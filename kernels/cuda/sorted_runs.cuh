#pragma once
// Deterministic accumulation without atomics: each contribution gets a key (its
// destination) and its position in the CPU's loop order; a stable radix sort groups the
// contributions by destination while keeping their positions ascending, and one thread per
// group (run) then adds them up in exactly the CPU's order. Used by scatter, index_add
// and max_pool2d_backward, whose results must be bit-reproducible.
#include <cuda_runtime_api.h>

#include <cub/device/device_radix_sort.cuh>

#include <cstdint>

#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/launch.cuh"

namespace accmt::kernels::cuda {

class SortedRuns {
 public:
  // n contributions with keys in [0, skip_key]; skip_key marks one to drop (an index out
  // of range). The caller's kernel fills keys_in() and positions_in(), then calls sort().
  SortedRuns(int device, int64_t n, uint64_t skip_key)
      : n_(n), end_bit_(bits_for(skip_key)), temp_bytes_(temp_bytes_for(n, end_bit_)),
        storage_(device, 4 * padded(n) * sizeof(uint64_t) + temp_bytes_) {}

  uint64_t* keys_in() const { return slot(0); }
  int64_t* positions_in() const { return reinterpret_cast<int64_t*>(slot(1)); }
  // After sort(): keys ascending; equal keys keep their positions ascending.
  const uint64_t* keys() const { return slot(2); }
  const int64_t* positions() const { return reinterpret_cast<const int64_t*>(slot(3)); }

  void sort(cudaStream_t stream) {
    size_t temp = temp_bytes_;
    ACCMT_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(slot(4), temp, keys_in(), slot(2), positions_in(),
                                                     reinterpret_cast<int64_t*>(slot(3)), n_, 0, end_bit_, stream));
  }

 private:
  // Keys only need the bits up to the largest one: fewer radix passes.
  static int bits_for(uint64_t max_key) {
    int bits = 1;
    while (bits < 64 && (max_key >> bits) != 0) ++bits;
    return bits;
  }
  static size_t temp_bytes_for(int64_t n, int end_bit) {
    size_t bytes = 0;  // a size query only: runs on the host, queues nothing
    ACCMT_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes, static_cast<const uint64_t*>(nullptr),
                                                     static_cast<uint64_t*>(nullptr),
                                                     static_cast<const int64_t*>(nullptr),
                                                     static_cast<int64_t*>(nullptr), n, 0, end_bit));
    return bytes;
  }
  // Arrays rounded up to 32 elements keep every slot 256-byte aligned.
  static size_t padded(int64_t n) { return size_t((n + 31) / 32 * 32); }
  uint64_t* slot(int i) const { return storage_.as<uint64_t>() + size_t(i) * padded(n_); }

  int64_t n_;
  int end_bit_;
  size_t temp_bytes_;
  Workspace storage_;
};

// Whether sorted position j starts a run of equal keys.
__device__ inline bool run_head(const uint64_t* keys, int64_t j) { return j == 0 || keys[j] != keys[j - 1]; }

}  // namespace accmt::kernels::cuda
