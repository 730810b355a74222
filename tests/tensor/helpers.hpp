#pragma once
// Small helpers shared by the tests in tests/tensor: reading values back and checking
// that an operation throws accmt::Error with a message that names what went wrong.
#include <doctest/doctest.h>

#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include "tensor/tensor.hpp"

namespace accmt::tensor_test {

// Runs f, which must throw accmt::Error; every string in `parts` must appear in the
// message (the op name, the shapes involved, ...). Failures report the full message.
template <class F> void check_error(F&& f, std::initializer_list<std::string> parts, const std::string& what) {
  bool threw = false;
  std::string msg;
  try {
    f();
  } catch (const accmt::Error& e) {
    threw = true;
    msg = e.what();
  } catch (const std::exception& e) {
    FAIL_CHECK(what << ": threw a non-accmt exception: " << e.what());
    return;
  }
  if (!threw) {
    FAIL_CHECK(what << ": expected accmt::Error, nothing was thrown");
    return;
  }
  for (const std::string& p : parts)
    CHECK_MESSAGE(msg.find(p) != std::string::npos,
                  what << ": message should contain '" << p << "' but is: " << msg);
}

// Values as doubles in row-major order (any dtype, any layout).
inline std::vector<double> dvals(const Tensor& t) { return t.to(DType::Float64).contiguous().to_vector<double>(); }
inline std::vector<int64_t> ivals(const Tensor& t) { return t.to(DType::Int64).contiguous().to_vector<int64_t>(); }

// Elementwise |a - b| <= atol + rtol * |b|, NaN matching NaN.
inline void check_close(const std::vector<double>& actual, const std::vector<double>& expected, double rtol,
                        double atol, const std::string& what) {
  REQUIRE_MESSAGE(actual.size() == expected.size(), what << ": size " << actual.size() << " vs " << expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    double a = actual[i], e = expected[i];
    bool ok = (std::isnan(a) && std::isnan(e)) || a == e || std::fabs(a - e) <= atol + rtol * std::fabs(e);
    if (!ok) {
      FAIL_CHECK(what << ": element " << i << " is " << a << ", expected " << e);
      return;
    }
  }
}

}  // namespace accmt::tensor_test
