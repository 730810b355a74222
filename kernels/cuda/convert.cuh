#pragma once
// Element <-> accumulation-type conversions for device code. Float16 goes through the
// hardware converters (the portable bit-twiddling in half.hpp costs a dozen integer
// instructions per element, enough to make 16-bit kernels compute-bound); both round to
// nearest even, so values match the CPU exactly (only NaN payloads may differ).
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

#include "kernels/common/dtype.hpp"

namespace accmt::kernels::cuda {

template <class T> __device__ __forceinline__ acc_t<T> to_acc(T v) {
  if constexpr (std::is_same_v<T, Float16>) return __half2float(__ushort_as_half(v.bits));
  else if constexpr (std::is_same_v<T, BFloat16>) return __uint_as_float(uint32_t(v.bits) << 16);
  else return acc_t<T>(v);
}

template <class T> __device__ __forceinline__ T from_acc(acc_t<T> a) {
  if constexpr (std::is_same_v<T, Float16>) {
    T r;
    r.bits = __half_as_ushort(__float2half_rn(a));
    return r;
  } else {
    return T(a);
  }
}

}  // namespace accmt::kernels::cuda
