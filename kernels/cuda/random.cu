// CUDA random draws. Element i of a draw is the CPU backend's element i bit for bit where
// the math allows (see normal): each thread computes one Philox block (kernels/common/
// philox.hpp) and writes the elements the CPU takes from that block, 4 per block for
// float-precision draws and 2 for double-precision and 64-bit ones. Dense, aligned outputs
// get the block's elements in one vector store.
#include <cuda_runtime_api.h>

#include <type_traits>

#include "kernels/common/philox.hpp"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/vectorized.cuh"

namespace accmt::kernels::cuda {
namespace {

// Each generator fills the E elements E * blk .. E * blk + E - 1 of block blk, with the
// CPU backend's expression for each element.
template <class T> struct UniformFloat {  // float32, and the 16-bit floats with `digits` random bits
  static constexpr int E = 4;
  uint64_t seed, offset;
  float lo, range;
  int digits;  // 24 = the full float mantissa
  __device__ void operator()(uint64_t blk, T (&v)[E]) const {
    const philox::U32x4 b = philox::block(seed, offset, blk);
#pragma unroll
    for (int k = 0; k < E; ++k)
      v[k] = digits == 24 ? T(lo + range * philox::u32_to_unit_float(b.v[k]))
                          : T(lo + range * philox::u32_to_unit_float_digits(b.v[k], digits));
  }
};

struct UniformDouble {
  static constexpr int E = 2;
  uint64_t seed, offset;
  double low, high;
  __device__ void operator()(uint64_t blk, double (&v)[E]) const {
    const philox::U32x4 b = philox::block(seed, offset, blk);
#pragma unroll
    for (int k = 0; k < E; ++k) v[k] = low + (high - low) * philox::u64_to_unit_double(b.v[2 * k], b.v[2 * k + 1]);
  }
};

template <class T> struct NormalFloat {
  static constexpr int E = 4;
  uint64_t seed, offset;
  float mean, std;
  __device__ void operator()(uint64_t blk, T (&v)[E]) const {
    float z[E];
    philox::normal_float_block(seed, offset, blk, z);
#pragma unroll
    for (int k = 0; k < E; ++k) v[k] = T(mean + std * z[k]);
  }
};

struct NormalDouble {
  static constexpr int E = 2;
  uint64_t seed, offset;
  double mean, std;
  __device__ void operator()(uint64_t blk, double (&v)[E]) const {
    double z[E];
    philox::normal_double_block(seed, offset, blk, z);
#pragma unroll
    for (int k = 0; k < E; ++k) v[k] = mean + std * z[k];
  }
};

template <class T> struct RandInt {
  static constexpr int E = 2;
  uint64_t seed, offset;
  int64_t low;
  uint64_t range;
  __device__ void operator()(uint64_t blk, T (&v)[E]) const {
    const philox::U32x4 b = philox::block(seed, offset, blk);
#pragma unroll
    for (int k = 0; k < E; ++k) v[k] = T(static_cast<acc_t<T>>(low + int64_t(philox::block_u64(b, k) % range)));
  }
};

// Writes the draw into out: whole blocks as one vector store where allowed, else element
// by element (through the strides when out is not dense).
template <class T, class Gen>
__global__ void __launch_bounds__(kThreads)
    generate_kernel(Gen gen, T* out, int64_t n, bool dense, bool vectorized, StridedIndexer<1> ix) {
  constexpr int E = Gen::E;
  const int64_t nblk = (n + E - 1) / E;
  for (int64_t blk = global_index(); blk < nblk; blk += grid_stride()) {
    Vec<T, E> v;
    gen(uint64_t(blk), v.v);
    const int64_t first = blk * E;
    if (vectorized && first + E <= n) {
      reinterpret_cast<Vec<T, E>*>(out)[blk] = v;
      continue;
    }
#pragma unroll
    for (int k = 0; k < E; ++k) {
      if (first + k >= n) break;
      int64_t off[1] = {first + k};
      if (!dense) ix.offsets(first + k, off);
      out[off[0]] = v.v[k];
    }
  }
}

template <class T, class Gen> void launch_generate(const TensorRef& out, const Gen& gen) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(out.device_index);
  const StridedIndexer<1> ix = make_indexer<1>({&out});
  const bool dense = ix.contiguous();
  const bool vectorized = dense && aligned_to(out.data, int64_t(sizeof(T)) * Gen::E);
  generate_kernel<T, Gen><<<blocks_for((n + Gen::E - 1) / Gen::E), kThreads, 0, stream>>>(gen, out.ptr<T>(), n, dense,
                                                                                          vectorized, ix);
  ACCMT_CUDA_CHECK_LAUNCH();
}

// Element i is 1 when the i-th float64 uniform is below p[i]; two elements per block.
template <class T>
__global__ void __launch_bounds__(kThreads)
    bernoulli_kernel(T* out, In<double> p, int64_t n, uint64_t seed, uint64_t offset, bool dense, StridedIndexer<2> ix) {
  const int64_t nblk = (n + 1) / 2;
  for (int64_t blk = global_index(); blk < nblk; blk += grid_stride()) {
    const philox::U32x4 b = philox::block(seed, offset, uint64_t(blk));
#pragma unroll
    for (int k = 0; k < 2; ++k) {
      const int64_t i = blk * 2 + k;
      if (i >= n) break;
      int64_t off[2] = {i, i};
      if (dense) off[1] = p.broadcast ? 0 : i;
      else ix.offsets(i, off);
      const bool hit = philox::u64_to_unit_double(b.v[2 * k], b.v[2 * k + 1]) < p.ptr[off[1]];
      out[off[0]] = T(static_cast<acc_t<T>>(hit));
    }
  }
}

}  // namespace

void CudaBackend::uniform(const TensorRef& out, uint64_t seed, uint64_t offset, double low, double high) {
  dispatch_floating(out.dtype, [&]<class T>() {
    if constexpr (std::is_same_v<T, double>) {
      launch_generate<double>(out, UniformDouble{seed, offset, low, high});
    } else {
      const int digits = std::is_same_v<T, BFloat16> ? 8 : std::is_same_v<T, Float16> ? 11 : 24;
      launch_generate<T>(out, UniformFloat<T>{seed, offset, float(low), float(high - low), digits});
    }
  });
}

void CudaBackend::normal(const TensorRef& out, uint64_t seed, uint64_t offset, double mean, double std) {
  dispatch_floating(out.dtype, [&]<class T>() {
    if constexpr (std::is_same_v<T, double>) launch_generate<double>(out, NormalDouble{seed, offset, mean, std});
    else launch_generate<T>(out, NormalFloat<T>{seed, offset, float(mean), float(std)});
  });
}

void CudaBackend::randint(const TensorRef& out, uint64_t seed, uint64_t offset, int64_t low, int64_t high) {
  const uint64_t range = uint64_t(high - low);
  dispatch_all(out.dtype, [&]<class T>() { launch_generate<T>(out, RandInt<T>{seed, offset, low, range}); });
}

void CudaBackend::bernoulli(const TensorRef& out, const TensorRef& p, uint64_t seed, uint64_t offset) {
  // p has out's shape (broadcast by the front-end) and dtype float64.
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(out.device_index);
  const StridedIndexer<2> ix = make_indexer<2>({&out, &p});
  const bool dense = dense_or_broadcast(ix, 0) && dense_or_broadcast(ix, 1);
  const In<double> prob{p.ptr<const double>(), dense && ix.strides[1][0] == 0};
  dispatch_all(out.dtype, [&]<class T>() {
    bernoulli_kernel<T><<<blocks_for((n + 1) / 2), kThreads, 0, stream>>>(out.ptr<T>(), prob, n, seed, offset, dense, ix);
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

}  // namespace accmt::kernels::cuda
