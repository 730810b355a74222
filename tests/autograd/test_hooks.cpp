// Tensor hooks (leaf and non-leaf, removal), post-accumulate-grad hooks (they see the
// accumulated .grad, as a gradient all-reduce would), and retain_grad on non-leaves.
#include "ag_helpers.hpp"

using namespace agtest;

namespace {
Tensor f64(const std::vector<double>& v, const Shape& s) { return accmt::tensor(v, s, kF64); }
}  // namespace

TEST_SUITE("autograd.hooks") {

TEST_CASE("a hook on a leaf replaces the gradient before accumulation") {
  Tensor x = leaf_of({1.0, 2.0}, {2});
  x.register_hook([](const Tensor& g) { return g * 2.0; });
  (x * 3.0).sum().backward();
  CHECK_MESSAGE(x.grad().equal(f64({6.0, 6.0}, {2})), "got " << x.grad());
}

TEST_CASE("a hook on a non-leaf changes what flows upstream") {
  Tensor x = leaf_of({1.0, 2.0}, {2});
  Tensor h = x * 3.0;
  Tensor seen;
  h.register_hook([&seen](const Tensor& g) {
    seen = g.clone();
    return g * 10.0;
  });
  (h * h).sum().backward();  // dL/dh = 2h = {6, 12}
  REQUIRE(seen.defined());
  CHECK_MESSAGE(seen.equal(f64({6.0, 12.0}, {2})), "the hook sees dL/dh, got " << seen);
  CHECK_MESSAGE(x.grad().equal(f64({180.0, 360.0}, {2})), "3 * 10 * 2h, got " << x.grad());
}

TEST_CASE("a hook returning an undefined tensor only observes; hooks chain in order") {
  Tensor x = leaf_of({1.0}, {1});
  std::vector<double> order;
  x.register_hook([&order](const Tensor& g) {
    order.push_back(g.item<double>());
    return g + 1.0;
  });
  x.register_hook([&order](const Tensor& g) {
    order.push_back(g.item<double>());
    return Tensor();
  });
  (x * 5.0).sum().backward();
  REQUIRE(order.size() == 2);
  CHECK(order[0] == 5.0);
  CHECK(order[1] == 6.0);  // the second hook sees the first one's result
  CHECK(x.grad().item<double>() == 6.0);
}

TEST_CASE("remove_hook") {
  Tensor x = leaf_of({1.0}, {1});
  int calls = 0;
  int64_t handle = x.register_hook([&calls](const Tensor& g) {
    ++calls;
    return g * 100.0;
  });
  x.remove_hook(handle);
  (x * 2.0).sum().backward();
  CHECK(calls == 0);
  CHECK(x.grad().item<double>() == 2.0);
  // On a non-leaf too.
  Tensor y = leaf_of({1.0}, {1});
  Tensor h = y * 2.0;
  int64_t hh = h.register_hook([&calls](const Tensor& g) {
    ++calls;
    return g * 100.0;
  });
  h.remove_hook(hh);
  h.sum().backward();
  CHECK(calls == 0);
  CHECK(y.grad().item<double>() == 2.0);
}

TEST_CASE("hooks need a tensor that requires grad") {
  Tensor c = accmt::ones({2}, kF64);
  CHECK_THROWS_AS(c.register_hook([](const Tensor& g) { return g; }), accmt::Error);
  Tensor x = leaf({2}, -1, 1, 1);
  Tensor y = x * 2.0;
  CHECK_THROWS_AS(y.register_post_accumulate_grad_hook([](Tensor&) {}), accmt::Error);
}

TEST_CASE("post-accumulate-grad hooks run after .grad is updated") {
  Tensor x = leaf_of({1.0, 2.0}, {2});
  std::vector<Tensor> seen;
  x.register_hook([](const Tensor& g) { return g * 2.0; });  // runs before accumulation
  x.register_post_accumulate_grad_hook([&seen](Tensor& leaf) {
    REQUIRE(leaf.grad().defined());
    seen.push_back(leaf.grad().clone());
  });
  (x * 3.0).sum().backward();
  (x * 4.0).sum().backward();
  REQUIRE(seen.size() == 2);
  CHECK_MESSAGE(seen[0].equal(f64({6.0, 6.0}, {2})), "first: the hooked gradient, got " << seen[0]);
  CHECK_MESSAGE(seen[1].equal(f64({14.0, 14.0}, {2})), "second: the accumulated sum 6 + 8, got " << seen[1]);
  // The hook may rewrite .grad in place (what an all-reduce does), and that sticks.
  Tensor w = leaf_of({1.0}, {1});
  int64_t handle = w.register_post_accumulate_grad_hook([](Tensor& leaf) {
    accmt::NoGradGuard guard;
    leaf.grad().div_(4.0);
  });
  (w * 8.0).sum().backward();
  CHECK(w.grad().item<double>() == 2.0);
  w.remove_hook(handle);
  (w * 8.0).sum().backward();
  CHECK(w.grad().item<double>() == 10.0);
}

TEST_CASE("retain_grad keeps a non-leaf's gradient") {
  Tensor x = leaf_of({1.0, -2.0}, {2});
  Tensor h = x * 2.0;
  Tensor k = x * 5.0;
  h.retain_grad();
  CHECK(h.retains_grad());
  CHECK_FALSE(k.retains_grad());
  (h * h + k).sum().backward({}, /*retain_graph=*/true);
  REQUIRE(h.grad().defined());
  CHECK_MESSAGE(h.grad().equal(f64({4.0, -8.0}, {2})), "dL/dh = 2h, got " << h.grad());
  CHECK_FALSE(k.grad().defined());
  // It accumulates like a leaf's .grad.
  (h * h + k).sum().backward();
  CHECK_MESSAGE(h.grad().equal(f64({8.0, -16.0}, {2})), "accumulated, got " << h.grad());
  CHECK_FALSE(h.grad().requires_grad());
  CHECK_THROWS_AS(accmt::ones({1}, kF64).retain_grad(), accmt::Error);
}

}  // TEST_SUITE
