#pragma once
// Shared helpers of the CUDA parity tests: random inputs, and the comparison of a result
// computed on cuda:0 with the same op computed on the CPU. The test runner (main.cpp)
// turns on allocation poisoning, so every fresh CUDA output starts as NaN / -1 and a
// kernel that skips an element fails the comparison.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <accmt/accmt.hpp>
#include "tests/support/fixtures.hpp"

namespace accmt::test::cuda {

inline const Device kCuda("cuda:0");

// Default tolerances of a CUDA result against the CPU one, by dtype (different
// summation orders and fast intrinsics; 16-bit outputs round differently near ties).
inline double rtol_for(DType dtype) {
  switch (dtype) {
    case DType::Float64: return 1e-10;
    case DType::Float32: return 2e-5;
    case DType::Float16: return 2e-3;
    case DType::BFloat16: return 1.6e-2;
    default: return 0;
  }
}
inline double atol_for(DType dtype) {
  switch (dtype) {
    case DType::Float64: return 1e-12;
    case DType::Float32: return 1e-6;
    case DType::Float16: return 1e-3;
    case DType::BFloat16: return 1e-2;
    default: return 0;
  }
}

// `got` (on cuda:0) against `expected` (on the CPU): same dtype and shape, every element
// within tolerance (exact for integer and bool dtypes; NaN matches NaN).
inline bool same_as_cpu(const Tensor& got, const Tensor& expected, const std::string& what, double rtol = -1,
                        double atol = -1) {
  INFO(what);
  REQUIRE(got.defined());
  CHECK(got.device() == kCuda);
  REQUIRE(got.dtype() == expected.dtype());
  REQUIRE(got.sizes() == expected.sizes());
  if (rtol < 0) rtol = rtol_for(expected.dtype());
  if (atol < 0) atol = atol_for(expected.dtype());
  return check_close(got.cpu(), expected, rtol, atol, what);
}

// Every floating dtype, 16-bit first.
inline const std::vector<DType> kFloatDTypes = {DType::Float16, DType::BFloat16, DType::Float32, DType::Float64};

// Standard-normal values of any floating dtype (drawn in float64 on the CPU, then cast),
// so CPU and CUDA start from identical inputs.
inline Tensor randn_cpu(const Shape& shape, DType dtype, Generator& gen) {
  return randn(shape, {.dtype = DType::Float64}, &gen).to(dtype);
}

}  // namespace accmt::test::cuda
