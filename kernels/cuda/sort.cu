// sort_lastdim and topk_lastdim on CUDA: stable radix sorts (cub) of order-preserving
// unsigned keys, all rows at once.
//
// The keys reproduce the CPU's comparison: NaN above every number (all NaNs equal,
// whatever their sign bit), -0.0 equal to +0.0, and descending order as the ascending
// sort of complemented keys, so ties keep their original order in both directions (the
// CPU's stable_sort). topk takes the first k of the stable sort: the CPU returns the same
// values; among tied values it may pick other indices.
#include <cuda_runtime_api.h>

#include <cub/device/device_radix_sort.cuh>

#include <algorithm>
#include <type_traits>

#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/launch.cuh"

namespace accmt::kernels::cuda {

namespace {

template <class T> struct key_type { using type = uint32_t; };
template <> struct key_type<double> { using type = uint64_t; };
template <> struct key_type<int64_t> { using type = uint64_t; };
template <class T> using sort_key_t = typename key_type<T>::type;

// An unsigned key whose ascending order is the CPU's ascending order of values.
template <class T> __device__ inline sort_key_t<T> order_key(T value) {
  if constexpr (std::is_same_v<T, double>) {
    double v = value;
    if (v != v) return ~uint64_t(0);
    if (v == 0.0) v = 0.0;  // -0.0 ties with +0.0
    const uint64_t u = uint64_t(__double_as_longlong(v));
    return (u >> 63) ? ~u : u | (uint64_t(1) << 63);
  } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
    float v = float(value);  // 16-bit floats widen exactly
    if (v != v) return ~uint32_t(0);
    if (v == 0.0f) v = 0.0f;
    const uint32_t u = __float_as_uint(v);
    return (u >> 31) ? ~u : u | (uint32_t(1) << 31);
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return uint64_t(value) ^ (uint64_t(1) << 63);
  } else if constexpr (std::is_same_v<T, int32_t>) {
    return uint32_t(value) ^ (uint32_t(1) << 31);
  } else {  // uint8_t, bool
    return uint32_t(value);
  }
}

// Order keys of every element, with the row above them when they fit in 64 bits (one
// sort then orders rows and values at once); `flat` starts as the identity permutation.
template <class T>
__global__ void make_keys_kernel(const T* in, int64_t n, int64_t cols, bool descending, bool with_row,
                                 uint64_t* keys, int64_t* flat) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    sort_key_t<T> key = order_key(in[i]);
    if (descending) key = sort_key_t<T>(~key);
    keys[i] = with_row ? (uint64_t(i / cols) << 32) | uint64_t(key) : uint64_t(key);
    flat[i] = i;
  }
}

// The row of each element after the value sort, for the second (stable) sort by row.
__global__ void row_keys_kernel(const int64_t* flat, int64_t n, int64_t cols, uint64_t* keys) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) keys[i] = uint64_t(flat[i] / cols);
}

// The first k sorted entries of every row: values from the input, column indices.
template <class T>
__global__ void take_sorted_kernel(T* values, int64_t* indices, const T* in, const int64_t* sorted_flat,
                                   int64_t rows, int64_t cols, int64_t k) {
  const int64_t n = rows * k;
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    const int64_t r = i / k, c = i - r * k;
    const int64_t flat = sorted_flat[r * cols + c];
    values[i] = in[flat];
    indices[i] = flat - r * cols;
  }
}

size_t aligned(size_t bytes) { return (bytes + 255) / 256 * 256; }

int bits_for(uint64_t max_value) {
  int bits = 0;
  while (bits < 64 && (max_value >> bits) != 0) ++bits;
  return bits;
}

size_t radix_temp_bytes(int64_t n, int end_bit) {
  size_t bytes = 0;  // a size query only: runs on the host, queues nothing
  ACCMT_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes, static_cast<const uint64_t*>(nullptr),
                                                   static_cast<uint64_t*>(nullptr),
                                                   static_cast<const int64_t*>(nullptr),
                                                   static_cast<int64_t*>(nullptr), n, 0, end_bit));
  return bytes;
}

// Device-wide stable radix sorts rather than cub's segmented sort, which synchronises
// with the host for many segments (no graph capture then). 32-bit keys carry their row
// in the upper half (one sort); 64-bit keys are sorted by value, then stably by row.
template <class T>
void sort_rows(const TensorRef& values, const TensorRef& indices, const TensorRef& in, int64_t k, bool descending) {
  const int64_t cols = in.sizes[in.ndim - 1];
  const int64_t n = in.numel();
  if (n == 0 || k == 0) return;
  const int64_t rows = n / cols;
  const int device = in.device_index;
  cudaStream_t stream = stream_for(device);
  const int row_bits = bits_for(uint64_t(rows - 1));
  const bool composite = sizeof(sort_key_t<T>) == 4 && row_bits <= 32;

  const int value_bits = composite ? 32 + row_bits : int(sizeof(sort_key_t<T>) * 8);
  const bool by_row = !composite && rows > 1;  // a second, stable sort by row
  size_t temp_bytes = radix_temp_bytes(n, value_bits);
  if (by_row) temp_bytes = std::max(temp_bytes, radix_temp_bytes(n, row_bits));
  const size_t keys_bytes = aligned(size_t(n) * sizeof(uint64_t)), flat_bytes = aligned(size_t(n) * sizeof(int64_t));
  Workspace ws(device, 2 * keys_bytes + 2 * flat_bytes + temp_bytes);
  char* base = ws.as<char>();
  uint64_t* keys_a = reinterpret_cast<uint64_t*>(base);
  uint64_t* keys_b = reinterpret_cast<uint64_t*>(base + keys_bytes);
  int64_t* flat_a = reinterpret_cast<int64_t*>(base + 2 * keys_bytes);
  int64_t* flat_b = reinterpret_cast<int64_t*>(base + 2 * keys_bytes + flat_bytes);
  void* temp = base + 2 * keys_bytes + 2 * flat_bytes;

  make_keys_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(in.ptr<const T>(), n, cols, descending, composite,
                                                              keys_a, flat_a);
  ACCMT_CUDA_CHECK_LAUNCH();
  ACCMT_CUDA_CHECK(
      cub::DeviceRadixSort::SortPairs(temp, temp_bytes, keys_a, keys_b, flat_a, flat_b, n, 0, value_bits, stream));
  const int64_t* sorted = flat_b;
  if (by_row) {
    row_keys_kernel<<<blocks_for(n), kThreads, 0, stream>>>(flat_b, n, cols, keys_a);
    ACCMT_CUDA_CHECK_LAUNCH();
    ACCMT_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp, temp_bytes, keys_a, keys_b, flat_b, flat_a, n, 0,
                                                     row_bits, stream));
    sorted = flat_a;
  }
  take_sorted_kernel<T><<<blocks_for(rows * k), kThreads, 0, stream>>>(values.ptr<T>(), indices.ptr<int64_t>(),
                                                                      in.ptr<const T>(), sorted, rows, cols, k);
  ACCMT_CUDA_CHECK_LAUNCH();
}

}  // namespace

void CudaBackend::sort_lastdim(const TensorRef& values, const TensorRef& indices, const TensorRef& in,
                               bool descending, bool) {
  // Always stable: a stable order is also a valid unstable one, and it is reproducible.
  dispatch_all(in.dtype, [&]<class T>() { sort_rows<T>(values, indices, in, in.sizes[in.ndim - 1], descending); });
}

void CudaBackend::topk_lastdim(const TensorRef& values, const TensorRef& indices, const TensorRef& in, int64_t k,
                               bool largest, bool) {
  // Always sorted, like the CPU: a sorted result is also a valid unsorted one.
  dispatch_all(in.dtype, [&]<class T>() { sort_rows<T>(values, indices, in, k, largest); });
}

}  // namespace accmt::kernels::cuda
