#pragma once
// Random tensors drawn from Philox4x32-10 generators. A generator's state is (seed,
// offset); each draw uses the current offset and advances it by one, and element i of a
// draw depends only on (seed, offset, i), so results match across thread counts and
// between CPU and CUDA.
#include <cstdint>

#include "tensor/tensor.hpp"

namespace accmt {

class Generator {
 public:
  static constexpr uint64_t kDefaultSeed = 67280421310721ULL;
  explicit Generator(uint64_t seed = kDefaultSeed) : seed_(seed) {}

  void manual_seed(uint64_t seed) {
    seed_ = seed;
    offset_ = 0;
  }
  uint64_t initial_seed() const { return seed_; }
  uint64_t offset() const { return offset_; }
  // The state as 16 bytes in a uint8 tensor (seed then offset, little-endian).
  Tensor get_state() const;
  void set_state(const Tensor& state);
  // Reserves one draw: returns the (seed, offset) to use and advances the offset.
  std::pair<uint64_t, uint64_t> next_draw() { return {seed_, offset_++}; }

 private:
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The generator used when none is passed.
Generator& default_generator();
// Seeds the default generator (torch.manual_seed).
void manual_seed(uint64_t seed);

Tensor rand(const Shape& sizes, const TensorOptions& opts = {}, Generator* gen = nullptr);
Tensor randn(const Shape& sizes, const TensorOptions& opts = {}, Generator* gen = nullptr);
// Integers uniform in [low, high).
Tensor randint(int64_t low, int64_t high, const Shape& sizes, const TensorOptions& opts = {.dtype = DType::Int64},
               Generator* gen = nullptr);
// Elementwise draws: 1 with probability p[i], else 0; same dtype as p.
Tensor bernoulli(const Tensor& p, Generator* gen = nullptr);
Tensor bernoulli(const Tensor& p, double prob, Generator* gen = nullptr);
// A random permutation of 0..n-1.
Tensor randperm(int64_t n, const TensorOptions& opts = {.dtype = DType::Int64}, Generator* gen = nullptr);
Tensor rand_like(const Tensor& t, Generator* gen = nullptr);
Tensor randn_like(const Tensor& t, Generator* gen = nullptr);

}  // namespace accmt
