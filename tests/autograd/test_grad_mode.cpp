// Grad mode and graph detachment: NoGradGuard / EnableGradGuard (nested), detach (shares
// storage and version, no graph), requires_grad_ rules.
#include "ag_helpers.hpp"

using namespace agtest;
using accmt::autograd::GradMode;

TEST_SUITE("autograd.grad_mode") {

TEST_CASE("no_grad: results do not require grad and record nothing") {
  Tensor x = leaf({2, 3}, -1, 1, 1);
  REQUIRE(GradMode::is_enabled());
  Tensor y;
  {
    accmt::NoGradGuard guard;
    CHECK_FALSE(GradMode::is_enabled());
    y = (x * 2.0).exp().sum(Shape{1});
    CHECK_FALSE(y.requires_grad());
    CHECK(y.grad_fn() == nullptr);
    CHECK(y.is_leaf());
    // The leaf itself still requires grad.
    CHECK(x.requires_grad());
  }
  CHECK(GradMode::is_enabled());
  CHECK_THROWS_AS(y.sum().backward(), accmt::Error);
}

TEST_CASE("enable_grad inside no_grad, nested guards restore the previous mode") {
  Tensor x = leaf({3}, -1, 1, 2);
  {
    accmt::NoGradGuard outer;
    {
      accmt::EnableGradGuard inner;
      CHECK(GradMode::is_enabled());
      Tensor y = x * 3.0;
      CHECK(y.requires_grad());
      y.sum().backward();
      CHECK(x.grad().allclose(accmt::full({3}, 3.0, kF64)));
      {
        accmt::NoGradGuard innermost;
        CHECK_FALSE((x * 3.0).requires_grad());
      }
      CHECK(GradMode::is_enabled());
    }
    CHECK_FALSE(GradMode::is_enabled());
    CHECK_FALSE((x * 3.0).requires_grad());
    {
      accmt::NoGradGuard again;  // no_grad inside no_grad stays off after it ends
    }
    CHECK_FALSE(GradMode::is_enabled());
  }
  CHECK(GradMode::is_enabled());
}

TEST_CASE("the guard restores grad mode when an exception leaves the scope") {
  try {
    accmt::NoGradGuard guard;
    throw accmt::Error("boom");
  } catch (const accmt::Error&) {
  }
  CHECK(GradMode::is_enabled());
  // A failing backward (bad gradient shape) must not leave grad mode switched off.
  Tensor x = leaf({2}, -1, 1, 3);
  CHECK_THROWS((x * 2.0).backward(accmt::ones({3}, kF64)));
  CHECK(GradMode::is_enabled());
}

TEST_CASE("in-place updates of a leaf are allowed under no_grad") {
  Tensor w = leaf_of({1.0, 2.0}, {2});
  uint64_t v0 = w.version();
  {
    accmt::NoGradGuard guard;
    w.sub_(accmt::full({2}, 0.5, kF64), 2.0);
  }
  CHECK(w.version() > v0);
  CHECK(w.requires_grad());
  CHECK(w.is_leaf());
  CHECK(w.detach().equal(accmt::tensor(std::vector<double>{0.0, 1.0}, Shape{2}, kF64)));
}

TEST_CASE("detach shares storage and version but has no graph") {
  Tensor x = leaf_of({1.0, 2.0, 3.0}, {3});
  Tensor h = x * 2.0;
  Tensor d = h.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.grad_fn() == nullptr);
  CHECK(d.data_ptr() == h.data_ptr());
  uint64_t v = h.version();
  d.add_(1.0);  // allowed: d needs no grad; h sees it
  CHECK(h.version() == v + 1);
  CHECK(h.detach().equal(accmt::tensor(std::vector<double>{3.0, 5.0, 7.0}, Shape{3}, kF64)));
  // Gradient flows only through the attached factor.
  (x * x.detach()).sum().backward();
  CHECK(x.grad().equal(x.detach()));
  // detach_ cuts a non-leaf from its history in place.
  Tensor k = x * 3.0;
  k.detach_();
  CHECK_FALSE(k.requires_grad());
  CHECK(k.is_leaf());
}

TEST_CASE("requires_grad_ rules") {
  Tensor i = accmt::ones({2}, {.dtype = DType::Int64});
  std::string msg;
  try {
    i.requires_grad_();
  } catch (const accmt::Error& e) {
    msg = e.what();
  }
  CHECK_MESSAGE(msg.find("int64") != std::string::npos, "the error names the dtype: '" << msg << "'");
  CHECK_THROWS_AS(accmt::ones({2}, {.dtype = DType::Bool}).requires_grad_(), accmt::Error);
  CHECK_NOTHROW(accmt::ones({2}, {.dtype = DType::Float32}).requires_grad_());
  // A non-leaf cannot stop requiring grad (it would cut its graph silently).
  Tensor x = leaf({2}, -1, 1, 4);
  Tensor y = x * 2.0;
  CHECK_THROWS_AS(y.requires_grad_(false), accmt::Error);
  // A leaf can be switched off and on again.
  Tensor z = leaf({2}, -1, 1, 5);
  z.requires_grad_(false);
  CHECK_FALSE((z * 2.0).requires_grad());
  z.requires_grad_(true);
  CHECK((z * 2.0).requires_grad());
  // Creation with requires_grad in the options.
  Tensor o = accmt::ones({2}, {.dtype = DType::Float64, .requires_grad = true});
  CHECK(o.requires_grad());
  CHECK(o.is_leaf());
}

}  // TEST_SUITE
