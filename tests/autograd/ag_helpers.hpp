#pragma once
// Shared helpers for the autograd tests: seeded float64 leaves on chosen domains, and a
// gradcheck wrapper whose failure message carries gradcheck's own mismatch report.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "accmt/accmt.hpp"

namespace agtest {

using accmt::DType;
using accmt::Shape;
using accmt::Tensor;
using Ins = std::vector<Tensor>;

inline const accmt::TensorOptions kF64{.dtype = DType::Float64};

// A contiguous float64 leaf that requires grad, uniform in [lo, hi). Distinct seeds give
// distinct values (so two operands never tie by accident).
inline Tensor leaf(const Shape& shape, double lo = -1.0, double hi = 1.0, uint64_t seed = 1) {
  accmt::Generator gen(seed);
  Tensor t = accmt::rand(shape, kF64, &gen) * (hi - lo) + lo;
  t.requires_grad_();
  return t;
}

// A float64 leaf holding exactly `values` (for domains with kinks, ties or zeros).
inline Tensor leaf_of(const std::vector<double>& values, const Shape& shape) {
  Tensor t = accmt::tensor(values, shape, kF64);
  t.requires_grad_();
  return t;
}

// Runs gradcheck and returns "" on success, else the reason (mismatch or exception).
inline std::string gradcheck_failure(const accmt::autograd::GradcheckFn& fn, const Ins& inputs,
                                     const accmt::GradcheckOptions& opts = {}) {
  try {
    return accmt::gradcheck(fn, inputs, opts) ? std::string() : std::string("gradcheck returned false");
  } catch (const std::exception& e) {
    return std::string("threw: ") + e.what();
  }
}

}  // namespace agtest

// CHECK that gradcheck passes; `what` names the case in the failure report.
#define CHECK_GRAD(what, fn, ...)                                                     \
  do {                                                                                \
    const std::string agtest_failure_ = agtest::gradcheck_failure(fn, __VA_ARGS__);   \
    CHECK_MESSAGE(agtest_failure_.empty(), (std::string(what) + ": " + agtest_failure_));        \
  } while (0)
