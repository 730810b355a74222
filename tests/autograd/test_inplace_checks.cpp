// Safety checks around in-place ops: version counters catch a tensor changed after it was
// saved for backward (AutogradError naming the shape and versions); in-place writes to a
// leaf that requires grad (or its views) are rejected with accmt::Error.
#include "ag_helpers.hpp"

using namespace agtest;

namespace {
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The message of the AutogradError that `f` throws, or "" if it throws none.
template <class F> std::string autograd_error(F f) {
  try {
    f();
  } catch (const accmt::AutogradError& e) {
    return e.what();
  }
  return {};
}
}  // namespace

TEST_SUITE("autograd.inplace_checks") {

TEST_CASE("version counters count in-place writes and are shared by views") {
  Tensor t = accmt::zeros({2, 3}, kF64);
  const uint64_t v0 = t.version();
  t.add_(1.0);
  CHECK(t.version() == v0 + 1);
  t.mul_(t);
  CHECK(t.version() == v0 + 2);
  Tensor row = t[1];
  row.fill_(3.0);
  CHECK_MESSAGE(t.version() == v0 + 3, "a write through a view bumps the base, got " << t.version());
  CHECK(row.version() == t.version());
  (void)(t * 2.0);  // out-of-place ops do not bump
  CHECK(t.version() == v0 + 3);
}

TEST_CASE("modifying a saved output in place is detected at backward") {
  Tensor x = leaf({2, 3}, -1, 1, 1);
  Tensor y = x.exp();  // exp saves its output
  y.add_(1.0);
  std::string msg = autograd_error([&] { y.sum().backward(); });
  REQUIRE_MESSAGE(!msg.empty(), "expected an AutogradError");
  CHECK_MESSAGE(contains(msg, "[2, 3]"), "names the shape: '" << msg << "'");
  CHECK_MESSAGE(contains(msg, "version 1"), "names the current version: '" << msg << "'");
  CHECK_MESSAGE(contains(msg, "expected version 0"), "names the saved version: '" << msg << "'");
  CHECK_MESSAGE(contains(msg, "in-place"), "says what happened: '" << msg << "'");
}

TEST_CASE("modifying a saved input in place is detected at backward") {
  Tensor x = leaf({4}, -1, 1, 2);
  Tensor a = x * 1.0;
  Tensor y = a.sin();  // sin saves its input a
  a.mul_(2.0);
  CHECK_FALSE(autograd_error([&] { y.sum().backward(); }).empty());
}

TEST_CASE("a write through a view (even under no_grad) is detected") {
  Tensor x = leaf({3, 2}, -1, 1, 3);
  Tensor y = x.exp();
  {
    accmt::NoGradGuard guard;
    y[1].fill_(0.0);
  }
  CHECK_FALSE(autograd_error([&] { y.sum().backward(); }).empty());
  // Also through detach(), which aliases the same data.
  Tensor x2 = leaf({3}, -1, 1, 4);
  Tensor s = x2.sigmoid();
  s.detach().zero_();
  CHECK_FALSE(autograd_error([&] { s.sum().backward(); }).empty());
}

TEST_CASE("in-place on tensors no backward needs is fine") {
  Tensor x = leaf_of({1.0, 2.0}, {2});
  Tensor y = x * 2.0;  // mul saves x and the scalar, not y
  y.add_(1.0);
  y.sum().backward();
  CHECK(x.grad().equal(accmt::full({2}, 2.0, kF64)));
}

TEST_CASE("in-place on a leaf that requires grad is an accmt::Error") {
  Tensor x = leaf({2, 2}, -1, 1, 5);
  std::string msg;
  try {
    x.add_(1.0);
  } catch (const accmt::Error& e) {
    msg = e.what();
  }
  CHECK_MESSAGE(contains(msg, "leaf"), "the error mentions the leaf: '" << msg << "'");
  CHECK_MESSAGE(contains(msg, "add_"), "the error names the op: '" << msg << "'");
  CHECK_THROWS_AS(x.mul_(x), accmt::Error);
  CHECK_THROWS_AS(x.exp_(), accmt::Error);
  CHECK_THROWS_AS(x.fill_(0.0), accmt::Error);
  CHECK_THROWS_AS(x.zero_(), accmt::Error);
  CHECK_THROWS_AS(x.copy_(accmt::ones({2, 2}, kF64)), accmt::Error);
  CHECK_THROWS_AS(x.clamp_(accmt::Scalar(0.0), std::nullopt), accmt::Error);
  CHECK_THROWS_AS(x.masked_fill_(x.gt(0.0), 0.0), accmt::Error);
  CHECK_THROWS_AS(x[0].add_(1.0), accmt::Error);  // a view of the leaf
  CHECK_THROWS_AS(x.t().mul_(2.0), accmt::Error);
  // The failed attempts changed nothing.
  CHECK(x.version() == 0);
}

TEST_CASE("in-place writes into a view of a non-leaf rewire the base's history") {
  // y = 2x, then one element of y is overwritten through a view: dL/dx for sum(y).
  for (int which = 0; which < 3; ++which) {
    CAPTURE(which);
    Tensor x = leaf_of({1.0, 1.0}, {2});
    Tensor y = x * 2.0;
    if (which == 0) y[0].mul_(3.0);
    if (which == 1) y[0].fill_(0.0);
    if (which == 2) y[0].copy_(accmt::full({}, 7.0, kF64));
    y.sum().backward();
    const double expect0 = which == 0 ? 6.0 : 0.0;
    CHECK_MESSAGE(x.grad().equal(accmt::tensor(std::vector<double>{expect0, 2.0}, Shape{2}, kF64)),
                  "gradient after an in-place write to a view is wrong: " << x.grad());
  }
}

}  // TEST_SUITE
