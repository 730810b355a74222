// CUDA random draws against the CPU backend: the same generator seed gives the same
// Philox stream on both devices, element for element. Uniform, integer and Bernoulli
// draws (and so dropout masks) must be bit-identical; normal draws go through log, sqrt,
// sin and cos, whose CUDA and C library versions may differ in the last bit, so they are
// checked to a few units in the last place (and the share of bit-identical elements is
// reported). Sizes leave partial Philox blocks and partial vector stores at the end.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/cuda/parity.hpp"

using accmt::DType;
using accmt::Generator;
using accmt::Shape;
using accmt::Tensor;
using accmt::test::cuda::kCuda;
using accmt::test::cuda::kFloatDTypes;
using accmt::test::cuda::same_as_cpu;

namespace F = accmt::nn::functional;

namespace {

const std::vector<int64_t> kSizes = {1, 2, 3, 5, 7, 4099, (int64_t(1) << 18) + 3};

std::string label(const char* op, DType dtype, int64_t n) {
  return std::string(op) + " " + accmt::dtype_name(dtype) + " n=" + std::to_string(n);
}

// `got` (cuda) holds exactly the CPU's values.
void check_identical(const Tensor& got, const Tensor& expected, const std::string& what) {
  INFO(what);
  REQUIRE(got.device() == kCuda);
  REQUIRE(got.dtype() == expected.dtype());
  REQUIRE(got.sizes() == expected.sizes());
  CHECK(got.cpu().equal(expected));
}

// Normal draws: within a few units in the last place of the dtype.
void check_normal(const Tensor& got, const Tensor& expected, const std::string& what) {
  const DType dtype = expected.dtype();
  const double rtol = dtype == DType::Float64 ? 1e-14 : dtype == DType::Float32 ? 1e-6 : dtype == DType::Float16 ? 2e-3 : 1.6e-2;
  same_as_cpu(got, expected, what, rtol, rtol);
  if (expected.numel() > 1000) {
    const double same = got.cpu().eq(expected).to(DType::Float64).mean().item<double>();
    MESSAGE(what << ": " << same * 100 << "% of the elements are bit-identical");
  }
}

}  // namespace

TEST_SUITE("cuda.random") {
  TEST_CASE("rand and uniform_ are bit-identical to the CPU for every floating dtype") {
    for (DType dtype : kFloatDTypes) {
      for (int64_t n : kSizes) {
        Generator cpu_gen(2024), cuda_gen(2024);
        const Tensor expected = accmt::rand({n}, {.dtype = dtype}, &cpu_gen);
        check_identical(accmt::rand({n}, {.dtype = dtype, .device = kCuda}, &cuda_gen), expected,
                        label("rand", dtype, n));
        // The next draw of each generator (offset 1), into a range.
        Tensor cpu_u = accmt::empty({n}, {.dtype = dtype}), cuda_u = accmt::empty({n}, {.dtype = dtype, .device = kCuda});
        cpu_u.uniform_(-3.0, 5.5, &cpu_gen);
        cuda_u.uniform_(-3.0, 5.5, &cuda_gen);
        check_identical(cuda_u, cpu_u, label("uniform_", dtype, n));
      }
    }
  }

  TEST_CASE("randn and normal_ match the CPU element for element") {
    for (DType dtype : kFloatDTypes) {
      for (int64_t n : kSizes) {
        Generator cpu_gen(77), cuda_gen(77);
        check_normal(accmt::randn({n}, {.dtype = dtype, .device = kCuda}, &cuda_gen),
                     accmt::randn({n}, {.dtype = dtype}, &cpu_gen), label("randn", dtype, n));
        Tensor cpu_z = accmt::empty({n}, {.dtype = dtype}), cuda_z = accmt::empty({n}, {.dtype = dtype, .device = kCuda});
        cpu_z.normal_(1.5, 0.25, &cpu_gen);
        cuda_z.normal_(1.5, 0.25, &cuda_gen);
        check_normal(cuda_z, cpu_z, label("normal_", dtype, n));
      }
    }
  }

  TEST_CASE("randint is bit-identical to the CPU for every dtype and range") {
    const std::vector<std::pair<int64_t, int64_t>> ranges = {{0, 10}, {-1000, 1000}, {0, 256}};
    for (DType dtype : {DType::UInt8, DType::Int32, DType::Int64, DType::Float32, DType::Float64}) {
      for (auto [low, high] : ranges) {
        if (dtype == DType::UInt8 && low < 0) continue;
        for (int64_t n : kSizes) {
          Generator cpu_gen(5), cuda_gen(5);
          check_identical(accmt::randint(low, high, {n}, {.dtype = dtype, .device = kCuda}, &cuda_gen),
                          accmt::randint(low, high, {n}, {.dtype = dtype}, &cpu_gen),
                          label("randint", dtype, n) + " [" + std::to_string(low) + ", " + std::to_string(high) + ")");
        }
      }
    }
    Generator cpu_gen(6), cuda_gen(6);
    const int64_t big = int64_t(1) << 40;  // ranges beyond 32 bits use all 64 random bits
    check_identical(accmt::randint(-big, big, {4099}, {.dtype = DType::Int64, .device = kCuda}, &cuda_gen),
                    accmt::randint(-big, big, {4099}, {.dtype = DType::Int64}, &cpu_gen), "randint int64 wide range");
  }

  TEST_CASE("bernoulli with tensor and scalar probabilities is bit-identical to the CPU") {
    for (DType dtype : kFloatDTypes) {
      for (int64_t n : kSizes) {
        Generator data_gen(8), cpu_gen(9), cuda_gen(9);
        const Tensor p = accmt::rand({n}, {.dtype = dtype}, &data_gen);
        check_identical(accmt::bernoulli(p.to(kCuda), &cuda_gen), accmt::bernoulli(p, &cpu_gen),
                        label("bernoulli tensor p", dtype, n));
        check_identical(accmt::bernoulli(p.to(kCuda), 0.3, &cuda_gen), accmt::bernoulli(p, 0.3, &cpu_gen),
                        label("bernoulli scalar p", dtype, n));
        Tensor cpu_b = accmt::empty({n}, {.dtype = dtype}), cuda_b = accmt::empty({n}, {.dtype = dtype, .device = kCuda});
        cpu_b.bernoulli_(0.75, &cpu_gen);
        cuda_b.bernoulli_(0.75, &cuda_gen);
        check_identical(cuda_b, cpu_b, label("bernoulli_", dtype, n));
      }
    }
  }

  TEST_CASE("dropout masks are bit-identical to the CPU") {
    for (DType dtype : kFloatDTypes) {
      for (int64_t n : {int64_t(5), int64_t(4099), (int64_t(1) << 18) + 3}) {
        Generator data_gen(10), cpu_gen(11), cuda_gen(11);
        const Tensor x = accmt::rand({n}, {.dtype = dtype}, &data_gen).add(0.5);
        check_identical(F::dropout(x.to(kCuda), 0.3, true, &cuda_gen), F::dropout(x, 0.3, true, &cpu_gen),
                        label("dropout", dtype, n));
      }
    }
  }

  TEST_CASE("draws into strided views follow the logical element order like the CPU") {
    for (DType dtype : {DType::BFloat16, DType::Float32, DType::Float64}) {
      Generator cpu_gen(12), cuda_gen(12);
      Tensor cpu_base = accmt::zeros({37, 41}, {.dtype = dtype});
      Tensor cuda_base = accmt::zeros({37, 41}, {.dtype = dtype, .device = kCuda});
      cpu_base.t().uniform_(0.0, 1.0, &cpu_gen);
      cuda_base.t().uniform_(0.0, 1.0, &cuda_gen);
      check_identical(cuda_base, cpu_base, label("uniform_ transposed", dtype, 37 * 41));
      cpu_base.slice(1, 1, std::nullopt, 3).normal_(0.0, 1.0, &cpu_gen);
      cuda_base.slice(1, 1, std::nullopt, 3).normal_(0.0, 1.0, &cuda_gen);
      check_normal(cuda_base, cpu_base, label("normal_ stepped", dtype, 37 * 41));
      cpu_base.flatten().slice(0, 1, std::nullopt).uniform_(-1.0, 1.0, &cpu_gen);  // misaligned: no vector stores
      cuda_base.flatten().slice(0, 1, std::nullopt).uniform_(-1.0, 1.0, &cuda_gen);
      check_identical(cuda_base, cpu_base, label("uniform_ misaligned", dtype, 37 * 41));
      cpu_base.t().bernoulli_(0.5, &cpu_gen);
      cuda_base.t().bernoulli_(0.5, &cuda_gen);
      check_identical(cuda_base, cpu_base, label("bernoulli_ transposed", dtype, 37 * 41));
    }
  }

  TEST_CASE("draws larger than one grid stride over it") {
    // Two elements per thread: above 2 * 65536 * 256 elements the grid loops.
    const int64_t n = 2 * (int64_t(1) << 24) + 7;
    Generator cpu_gen(13), cuda_gen(13);
    check_identical(accmt::randint(0, 200, {n}, {.dtype = DType::UInt8, .device = kCuda}, &cuda_gen),
                    accmt::randint(0, 200, {n}, {.dtype = DType::UInt8}, &cpu_gen), "randint uint8 large");
    const Tensor p = accmt::full({n}, 0.5, {.dtype = DType::Float64});
    check_identical(accmt::bernoulli(p.to(kCuda), &cuda_gen), accmt::bernoulli(p, &cpu_gen), "bernoulli large");
  }

  TEST_CASE("empty draws do nothing") {
    Generator gen(14);
    CHECK(accmt::rand({0}, {.device = kCuda}, &gen).numel() == 0);
    CHECK(accmt::randn({0, 3}, {.device = kCuda}, &gen).numel() == 0);
    CHECK(accmt::randint(0, 5, {0}, {.dtype = DType::Int64, .device = kCuda}, &gen).numel() == 0);
    CHECK(accmt::bernoulli(accmt::empty({0}, {.device = kCuda}), &gen).numel() == 0);
    CHECK_NOTHROW(accmt::cuda::synchronize(0));
  }
}
