#pragma once
// Philox4x32-10 counter-based RNG (Salmon et al., "Parallel random numbers: as easy as
// 1, 2, 3"). Element i of a draw depends only on (seed, offset, i), so CPU threads and
// CUDA threads produce the same stream for the same seed whatever the launch shape.
#include <cmath>
#include <cstdint>

#include "kernels/common/macros.hpp"

namespace accmt::philox {

struct U32x4 {
  uint32_t v[4];
};

ACCMT_HOST_DEVICE inline void mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  uint64_t p = uint64_t(a) * uint64_t(b);
  hi = uint32_t(p >> 32);
  lo = uint32_t(p);
}

// One block of four 32-bit outputs for counter (block, offset) under key = seed.
ACCMT_HOST_DEVICE inline U32x4 block(uint64_t seed, uint64_t offset, uint64_t blk) {
  uint32_t c0 = uint32_t(blk), c1 = uint32_t(blk >> 32), c2 = uint32_t(offset), c3 = uint32_t(offset >> 32);
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(0xD2511F53u, c0, hi0, lo0);
    mulhilo(0xCD9E8D57u, c2, hi1, lo1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return U32x4{{c0, c1, c2, c3}};
}

// Uniform in [0, 1) with 24 random bits.
ACCMT_HOST_DEVICE inline float u32_to_unit_float(uint32_t x) { return float(x >> 8) * (1.0f / 16777216.0f); }
// Uniform in [0, 1) with 53 random bits.
ACCMT_HOST_DEVICE inline double u64_to_unit_double(uint32_t lo, uint32_t hi) {
  uint64_t x = (uint64_t(hi) << 32) | lo;
  return double(x >> 11) * (1.0 / 9007199254740992.0);
}

// Element i of a float32-precision uniform draw.
ACCMT_HOST_DEVICE inline float uniform_float(uint64_t seed, uint64_t offset, uint64_t i) {
  return u32_to_unit_float(block(seed, offset, i / 4).v[i % 4]);
}
// Uniform in [0, 1) with the top `digits` bits of x.
ACCMT_HOST_DEVICE inline float u32_to_unit_float_digits(uint32_t x, int digits) {
  return float(x >> (32 - digits)) * (1.0f / float(1u << digits));
}
// Element i of a uniform draw in [0, 1) with `digits` random bits (<= 24): 8 for bfloat16
// and 11 for float16, so every value is exactly representable and 1.0 never appears.
ACCMT_HOST_DEVICE inline float uniform_float_digits(uint64_t seed, uint64_t offset, uint64_t i, int digits) {
  return u32_to_unit_float_digits(block(seed, offset, i / 4).v[i % 4], digits);
}
// Element i of a float64-precision uniform draw.
ACCMT_HOST_DEVICE inline double uniform_double(uint64_t seed, uint64_t offset, uint64_t i) {
  U32x4 b = block(seed, offset, i / 2);
  int lane = int(i % 2) * 2;
  return u64_to_unit_double(b.v[lane], b.v[lane + 1]);
}

// Element i of a standard normal draw (Box-Muller on a pair of uniforms; even elements
// take the cosine branch, odd the sine branch of the same pair).
ACCMT_HOST_DEVICE inline double normal_double(uint64_t seed, uint64_t offset, uint64_t i) {
  U32x4 b = block(seed, offset, i / 2);
  double u1 = u64_to_unit_double(b.v[0], b.v[1]);
  double u2 = u64_to_unit_double(b.v[2], b.v[3]);
  double r = sqrt(-2.0 * log(1.0 - u1));  // 1 - u1 is in (0, 1]
  double theta = 6.283185307179586476925 * u2;
  return (i % 2 == 0) ? r * cos(theta) : r * sin(theta);
}
ACCMT_HOST_DEVICE inline float normal_float(uint64_t seed, uint64_t offset, uint64_t i) {
  U32x4 b = block(seed, offset, i / 4);
  int pair = int(i % 4) / 2 * 2;
  float u1 = u32_to_unit_float(b.v[pair]);
  float u2 = u32_to_unit_float(b.v[pair + 1]);
  float r = sqrtf(-2.0f * logf(1.0f - u1));
  float theta = 6.2831853071795864769f * u2;
  return (i % 2 == 0) ? r * cosf(theta) : r * sinf(theta);
}

// All normals of one block at once: elements 4*blk .. 4*blk+3 (float) or 2*blk, 2*blk+1
// (double), bit-identical to normal_float/normal_double above but with one Philox call
// and one log/sqrt per pair instead of per element.
ACCMT_HOST_DEVICE inline void normal_float_block(uint64_t seed, uint64_t offset, uint64_t blk, float v[4]) {
  U32x4 b = block(seed, offset, blk);
  for (int pair = 0; pair < 4; pair += 2) {
    float u1 = u32_to_unit_float(b.v[pair]);
    float u2 = u32_to_unit_float(b.v[pair + 1]);
    float r = sqrtf(-2.0f * logf(1.0f - u1));
    float theta = 6.2831853071795864769f * u2;
    v[pair] = r * cosf(theta);
    v[pair + 1] = r * sinf(theta);
  }
}
ACCMT_HOST_DEVICE inline void normal_double_block(uint64_t seed, uint64_t offset, uint64_t blk, double v[2]) {
  U32x4 b = block(seed, offset, blk);
  double u1 = u64_to_unit_double(b.v[0], b.v[1]);
  double u2 = u64_to_unit_double(b.v[2], b.v[3]);
  double r = sqrt(-2.0 * log(1.0 - u1));
  double theta = 6.283185307179586476925 * u2;
  v[0] = r * cos(theta);
  v[1] = r * sin(theta);
}

// The k-th (0 or 1) 64-bit half of a block: lane 2k low, lane 2k + 1 high.
ACCMT_HOST_DEVICE inline uint64_t block_u64(const U32x4& b, int k) {
  return (uint64_t(b.v[2 * k + 1]) << 32) | b.v[2 * k];
}
// 64 random bits for element i (used for integer draws).
ACCMT_HOST_DEVICE inline uint64_t bits64(uint64_t seed, uint64_t offset, uint64_t i) {
  return block_u64(block(seed, offset, i / 2), int(i % 2));
}

}  // namespace accmt::philox
