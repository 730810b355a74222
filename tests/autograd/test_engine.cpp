// Backward-engine semantics: scalar vs non-scalar roots, accumulation into leaves,
// retain_graph, autograd::grad (allow_unused, non-leaf inputs, no accumulation),
// gradient shapes under broadcasting, and integer outputs that carry no gradient.
#include "ag_helpers.hpp"

using namespace agtest;
namespace ag = accmt::autograd;

namespace {
Tensor f64(const std::vector<double>& v, const Shape& s) { return accmt::tensor(v, s, kF64); }
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_SUITE("autograd.engine") {

TEST_CASE("backward of a scalar needs no gradient argument") {
  Tensor x = leaf_of({1.0, 2.0, 3.0}, {3});
  (x * x).sum().backward();
  REQUIRE(x.grad().defined());
  CHECK_MESSAGE(x.grad().equal(f64({2.0, 4.0, 6.0}, {3})), "d/dx sum(x^2) = 2x, got " << x.grad());
  // A one-element tensor of any rank also counts as a scalar.
  Tensor y = leaf_of({1.5}, {1, 1});
  (y * 4.0).backward();
  CHECK(y.grad().item<double>() == 4.0);
}

TEST_CASE("backward of a non-scalar needs a gradient of the same shape") {
  Tensor x = leaf_of({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3});
  Tensor y = x * 3.0;
  std::string msg;
  try {
    y.backward();
  } catch (const accmt::Error& e) {
    msg = e.what();
  }
  CHECK_MESSAGE(contains(msg, "[2, 3]"), "the error names the output shape: '" << msg << "'");
  CHECK_MESSAGE(contains(msg, "scalar"), "the error says only scalars get an implicit gradient: '" << msg << "'");
  CHECK_THROWS_AS(y.backward(accmt::ones({3, 2}, kF64)), accmt::Error);  // wrong shape
  Tensor g = f64({1, 0, -1, 2, 0.5, 0}, {2, 3});
  y.backward(g);
  CHECK_MESSAGE(x.grad().equal(g * 3.0), "x.grad = 3 * gradient, got " << x.grad());
}

TEST_CASE("backward from a leaf or from a view of a leaf") {
  Tensor x = leaf_of({1.0, 2.0}, {2});
  Tensor g = f64({0.5, -1.0}, {2});
  x.backward(g);
  CHECK(x.grad().equal(g));
  CHECK_FALSE(x.grad().is_same(g));  // .grad does not alias the caller's tensor
  x[1].backward();
  CHECK_MESSAGE(x.grad().equal(f64({0.5, 0.0}, {2})), "the view's unit gradient lands on element 1, got " << x.grad());
  CHECK_MESSAGE(g.equal(f64({0.5, -1.0}, {2})), "accumulation must not write into the caller's gradient, got " << g);
}

TEST_CASE("backward of a tensor that does not require grad throws") {
  Tensor c = accmt::ones({2}, kF64);
  CHECK_THROWS_AS(c.sum().backward(), accmt::Error);
}

TEST_CASE("gradients accumulate into leaves across backward calls") {
  Tensor x = leaf_of({1.0, -2.0}, {2});
  Tensor w = leaf_of({3.0, 0.5}, {2});
  (x * w).sum().backward();
  (x * w * 2.0).sum().backward();
  CHECK_MESSAGE(x.grad().equal(f64({9.0, 1.5}, {2})), "w + 2w, got " << x.grad());
  CHECK_MESSAGE(w.grad().equal(f64({3.0, -6.0}, {2})), "x + 2x, got " << w.grad());
  // Two leaves fed by one add must not share a .grad buffer.
  Tensor a = leaf_of({1.0, 1.0}, {2}), b = leaf_of({1.0, 1.0}, {2});
  (a + b).sum().backward();
  CHECK_FALSE(a.grad().data_ptr() == b.grad().data_ptr());
  (a * 5.0).sum().backward();
  CHECK_MESSAGE(b.grad().equal(f64({1.0, 1.0}, {2})), "b.grad must not see a's second gradient, got " << b.grad());
  // A leaf used twice in one graph gets the sum of both paths.
  Tensor z = leaf_of({2.0}, {1});
  (z * z + z * 3.0).sum().backward();
  CHECK(z.grad().item<double>() == 7.0);
  // Clearing .grad starts over.
  z.set_grad(Tensor());
  (z * 3.0).sum().backward();
  CHECK(z.grad().item<double>() == 3.0);
}

TEST_CASE("a second backward through freed saved tensors needs retain_graph") {
  Tensor x = leaf_of({1.0, 2.0}, {2});
  Tensor loss = (x.exp() * x).sum();
  loss.backward();
  std::string msg;
  try {
    loss.backward();
  } catch (const accmt::AutogradError& e) {
    msg = e.what();
  }
  CHECK_MESSAGE(contains(msg, "second time"), "expected an AutogradError about a second backward, got '" << msg << "'");
  CHECK_MESSAGE(contains(msg, "retain_graph"), "the error says how to fix it: '" << msg << "'");

  Tensor y = leaf_of({1.0, 2.0}, {2});
  Tensor l2 = (y.exp() * y).sum();
  l2.backward({}, /*retain_graph=*/true);
  Tensor first = y.grad().clone();
  CHECK_NOTHROW(l2.backward({}, /*retain_graph=*/true));
  CHECK_MESSAGE(y.grad().allclose(first * 2.0), "second pass doubles the gradient: " << y.grad() << " vs " << first);
  CHECK_NOTHROW(l2.backward());  // the last pass may free the graph
}

TEST_CASE("autograd::grad returns gradients without touching .grad") {
  Tensor x = leaf_of({1.0, 2.0, 3.0}, {3});
  Tensor w = leaf_of({0.5, -1.0, 2.0}, {3});
  Tensor out = (x * w).sum();
  auto g = ag::grad({out}, {x, w});
  REQUIRE(g.size() == 2);
  CHECK(g[0].equal(w.detach()));
  CHECK(g[1].equal(x.detach()));
  CHECK_FALSE(x.grad().defined());
  CHECK_FALSE(w.grad().defined());
  // Gradient with respect to a non-leaf.
  Tensor h = x * 2.0;
  auto gh = ag::grad({h.square().sum()}, {h});
  CHECK_MESSAGE(gh[0].equal(h.detach() * 2.0), "d sum(h^2)/dh = 2h, got " << gh[0]);
  // Several outputs with explicit grad_outputs add up.
  Tensor o1 = x * 3.0, o2 = x.square();
  auto gm = ag::grad({o1, o2}, {x}, {accmt::ones({3}, kF64), f64({1, 0, 2}, {3})});
  CHECK_MESSAGE(gm[0].equal(f64({3 + 2, 3, 3 + 12}, {3})), "3 + 2x*v, got " << gm[0]);
}

TEST_CASE("autograd::grad with an unused input") {
  Tensor x = leaf_of({1.0, 2.0}, {2});
  Tensor unused = leaf_of({5.0}, {1});
  std::string msg;
  try {
    ag::grad({(x * 2.0).sum()}, {x, unused});
  } catch (const accmt::Error& e) {
    msg = e.what();
  }
  CHECK_MESSAGE(contains(msg, "allow_unused"), "the error points at allow_unused: '" << msg << "'");
  auto g = ag::grad({(x * 2.0).sum()}, {x, unused}, {}, false, false, /*allow_unused=*/true);
  REQUIRE(g.size() == 2);
  CHECK(g[0].equal(f64({2.0, 2.0}, {2})));
  CHECK_FALSE(g[1].defined());
  CHECK_THROWS_AS(ag::grad({(x * 2.0).sum()}, {accmt::ones({1}, kF64)}), accmt::Error);  // input without grad
}

TEST_CASE("gradient shapes equal the input shapes under broadcasting") {
  Tensor a = leaf({2, 1, 3}, -1, 1, 1);
  Tensor b = leaf({4, 1}, -1, 1, 2);
  Tensor s = leaf({}, -1, 1, 3);
  Tensor r = leaf({3}, -1, 1, 4);
  ((a * b + s) / (r.exp())).sum().backward();
  CHECK(a.grad().sizes() == Shape{2, 1, 3});
  CHECK(b.grad().sizes() == Shape{4, 1});
  CHECK(s.grad().sizes() == Shape{});
  CHECK(r.grad().sizes() == Shape{3});
  // Values: d/ds sum((ab + s)/e^r) = 2*4 * sum_k e^{-r_k}.
  double expected_s = 8.0 * (-r.detach()).exp().sum().item<double>();
  CHECK(s.grad().item<double>() == doctest::Approx(expected_s).epsilon(1e-12));
  // d/db_j = sum_{i,k} a_ik e^{-r_k}, the same for every j.
  double expected_b = (a.detach() * (-r.detach()).exp()).sum().item<double>();
  for (int64_t j = 0; j < 4; ++j) CHECK(b.grad()[j][0].item<double>() == doctest::Approx(expected_b).epsilon(1e-12));
}

TEST_CASE("integer outputs do not require grad") {
  Tensor x = leaf({3, 4}, -1, 1, 5);
  CHECK_FALSE(x.argmax().requires_grad());
  CHECK_FALSE(x.argmin(1).requires_grad());
  CHECK_FALSE(x.gt(0.0).requires_grad());
  CHECK_FALSE((x == x).requires_grad());
  CHECK_FALSE(x.max(1).second.requires_grad());
  CHECK(x.max(1).first.requires_grad());
  CHECK_FALSE(x.topk(2).second.requires_grad());
  CHECK_FALSE(x.sort().second.requires_grad());
  CHECK_FALSE(x.argsort().requires_grad());
  CHECK_FALSE(x.to(DType::Int64).requires_grad());
  CHECK_FALSE(x.sign().to(DType::Int32).requires_grad());
  CHECK_FALSE(x.any().requires_grad());
  // An integer tensor can still be an operand; the float result requires grad.
  Tensor idx = x.argmax(1);
  CHECK((x.sum(Shape{1}) * idx).requires_grad());
}

TEST_CASE("grad_fn, is_leaf and requires_grad of results") {
  Tensor x = leaf({2}, -1, 1, 6);
  Tensor c = accmt::ones({2}, kF64);
  CHECK(x.is_leaf());
  CHECK(x.grad_fn() == nullptr);
  Tensor y = x * c;
  CHECK_FALSE(y.is_leaf());
  REQUIRE(y.grad_fn() != nullptr);
  CHECK(y.grad_fn()->name() == "mul");
  CHECK((c * 2.0).is_leaf());
  CHECK_FALSE((c * 2.0).requires_grad());
}

}  // TEST_SUITE
