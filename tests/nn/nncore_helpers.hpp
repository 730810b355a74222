#pragma once
// Shared helpers for the nn core tests (containers, init, layers): the PyTorch fixture
// files and a gradcheck wrapper that reports gradcheck's own message.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "accmt/accmt.hpp"
#include "tests/support/checks.hpp"
#include "tests/support/fixtures.hpp"

namespace nncore_test {

using accmt::test::error_of;
using accmt::DType;
using accmt::Shape;
using accmt::Tensor;

inline const accmt::TensorOptions kF64{.dtype = DType::Float64};

// tests/reference/fixtures/nncore_layers.safetensors, loaded once.
inline const accmt::test::Fixtures& layer_fixtures() {
  static const accmt::test::Fixtures f(accmt::test::fixture_path("nncore_layers.safetensors"));
  return f;
}
inline const accmt::test::Fixtures& model_fixtures() {
  static const accmt::test::Fixtures f(accmt::test::fixture_path("nncore_model.safetensors"));
  return f;
}

// "" on success, else gradcheck's report (or the exception it raised).
inline std::string gradcheck_failure(const accmt::autograd::GradcheckFn& fn, const std::vector<Tensor>& inputs) {
  try {
    return accmt::gradcheck(fn, inputs) ? std::string() : std::string("gradcheck returned false");
  } catch (const std::exception& e) {
    return e.what();
  }
}

// A float64 leaf requiring grad, uniform in [lo, hi).
inline Tensor leaf(const Shape& shape, uint64_t seed, double lo = -1.0, double hi = 1.0) {
  accmt::Generator gen(seed);
  Tensor t = accmt::rand(shape, kF64, &gen) * (hi - lo) + lo;
  t.requires_grad_();
  return t;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace nncore_test
