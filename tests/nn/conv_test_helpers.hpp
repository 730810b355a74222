#pragma once
// Helpers shared by the convolution and pooling tests.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "autograd/grad_mode.hpp"
#include "autograd/gradcheck.hpp"
#include "autograd/node.hpp"
#include "tensor/random.hpp"
#include "tensor/tensor.hpp"
#include "tests/support/checks.hpp"


namespace convtest {

using accmt::Tensor;

// A float64 leaf with values in [-1, 1) from a seeded generator.
inline Tensor leaf(const accmt::Shape& shape, uint64_t seed) {
  accmt::Generator gen(seed);
  Tensor t = accmt::rand(shape, {.dtype = accmt::DType::Float64}, &gen) * 2.0 - 1.0;
  return t.detach().requires_grad_();
}

#define CHECK_ERROR_CONTAINS(expr, text)                                              \
  do {                                                                                \
    std::string msg_ = ::accmt::test::error_of([&] { (void)(expr); });                   \
    CHECK_MESSAGE(msg_.find(text) != std::string::npos, "expected an error containing '" \
                  << (text) << "', got: " << msg_);                                   \
  } while (0)

inline bool gradcheck(const accmt::autograd::GradcheckFn& f, const std::vector<Tensor>& inputs) {
  return accmt::gradcheck(f, inputs, {.eps = 1e-6, .atol = 1e-6, .rtol = 1e-4});
}

// Second order: gradcheck of (d f(inputs) / d inputs[0]) . v for a fixed v, which runs
// every op's backward under create_graph.
inline bool gradgradcheck(const accmt::autograd::GradcheckFn& f, const std::vector<Tensor>& inputs) {
  auto first = [f](const std::vector<Tensor>& in) {
    accmt::EnableGradGuard on;
    Tensor out = f(in);
    return accmt::autograd::grad({out}, {in[0]}, {}, false, /*create_graph=*/true)[0];
  };
  return convtest::gradcheck(first, inputs);
}

}  // namespace convtest
