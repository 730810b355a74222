#pragma once
// bfloat16 and IEEE float16 storage types. Arithmetic happens in float; these types only
// convert, with round-to-nearest-even like PyTorch.
#include <cstdint>
#include <cstring>

#include "kernels/common/macros.hpp"

namespace accmt {

ACCMT_HOST_DEVICE inline uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(f);
#else
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
#endif
}

ACCMT_HOST_DEVICE inline float bits_float(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, 4);
  return f;
#endif
}

ACCMT_HOST_DEVICE inline uint16_t float_to_bf16_bits(float f) {
  uint32_t u = float_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fc0;  // NaN stays a quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);                      // round to nearest even
  return static_cast<uint16_t>(u >> 16);
}

ACCMT_HOST_DEVICE inline float bf16_bits_to_float(uint16_t b) { return bits_float(uint32_t(b) << 16); }

ACCMT_HOST_DEVICE inline uint16_t float_to_half_bits(float f) {
  uint32_t x = float_bits(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);  // NaN
  if (ax >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // overflow -> inf
  if (ax < 0x38800000u) {  // result is subnormal or zero
    // Add 0.5 (as float) so the hardware rounds the subnormal mantissa for us.
    float v = bits_float(ax) + 0.5f;
    return static_cast<uint16_t>(sign | (float_bits(v) - 0x3f000000u));
  }
  uint32_t mant_odd = (ax >> 13) & 1u;
  ax += 0xc8000fffu + mant_odd;  // rebias exponent (-112 << 23) and round to nearest even
  return static_cast<uint16_t>(sign | (ax >> 13));
}

ACCMT_HOST_DEVICE inline float half_bits_to_float(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    if (mant == 0) return bits_float(sign);
    // subnormal: value = mant * 2^-24
    float v = float(mant) * 5.9604644775390625e-8f;
    return bits_float(sign | float_bits(v));
  }
  if (exp == 31) return bits_float(sign | 0x7f800000u | (mant << 13));
  return bits_float(sign | ((exp + 112u) << 23) | (mant << 13));
}

struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  ACCMT_HOST_DEVICE BFloat16(float f) : bits(float_to_bf16_bits(f)) {}
  ACCMT_HOST_DEVICE operator float() const { return bf16_bits_to_float(bits); }
};

struct Float16 {
  uint16_t bits = 0;
  Float16() = default;
  ACCMT_HOST_DEVICE Float16(float f) : bits(float_to_half_bits(f)) {}
  ACCMT_HOST_DEVICE operator float() const { return half_bits_to_float(bits); }
};

}  // namespace accmt
