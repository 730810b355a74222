// Higher-order gradients with create_graph: the first gradient is itself differentiable.
#include "ag_helpers.hpp"

using namespace agtest;
namespace ag = accmt::autograd;

namespace {
Tensor f64(const std::vector<double>& v, const Shape& s) { return accmt::tensor(v, s, kF64); }

// Second-order gradcheck: checks the gradient of (d f / d in[0]) . v with gradcheck; grad
// mode is forced on because gradcheck evaluates the numeric side under NoGradGuard.
std::string gradgrad_failure(Tensor (*f)(const Ins&), const Ins& inputs) {
  auto first = [f](const Ins& in) {
    accmt::EnableGradGuard on;
    Tensor out = f(in);
    return ag::grad({out}, {in[0]}, {}, /*retain_graph=*/false, /*create_graph=*/true)[0];
  };
  return gradcheck_failure(first, inputs);
}
}  // namespace

TEST_SUITE("autograd.double_backward") {

TEST_CASE("d2/dx2 of x^3 is 6x") {
  Tensor x = leaf_of({-1.5, 0.5, 2.0}, {3});
  Tensor y = x.pow(3).sum();
  Tensor g1 = ag::grad({y}, {x}, {}, false, /*create_graph=*/true)[0];
  REQUIRE(g1.requires_grad());
  CHECK_MESSAGE(g1.allclose(f64({6.75, 0.75, 12.0}, {3})), "3x^2, got " << g1);
  Tensor g2 = ag::grad({g1.sum()}, {x})[0];
  CHECK_MESSAGE(g2.allclose(f64({-9.0, 3.0, 12.0}, {3})), "6x, got " << g2);
}

TEST_CASE("mixed partials of x * y") {
  Tensor x = leaf_of({2.0, -1.0}, {2});
  Tensor y = leaf_of({3.0, 4.0}, {2});
  Tensor gx = ag::grad({(x * y).sum()}, {x}, {}, false, true)[0];
  CHECK(gx.equal(y.detach()));
  // d/dy sum(d(xy)/dx) = 1 everywhere; d/dx of it is unused.
  auto g = ag::grad({gx.sum()}, {x, y}, {}, false, false, /*allow_unused=*/true);
  CHECK_FALSE(g[0].defined());
  CHECK_MESSAGE(g[1].equal(f64({1.0, 1.0}, {2})), "got " << g[1]);
}

TEST_CASE("double backward through matmul and sum") {
  Tensor x = leaf({3, 2}, -1, 1, 1);
  Tensor w = leaf({2, 4}, -1, 1, 2);
  Tensor gw = ag::grad({x.matmul(w).sum()}, {w}, {}, false, true)[0];
  // gw[k, j] = sum_i x[i, k], so d sum(gw) / d x[i, k] = number of columns of w.
  Tensor gx = ag::grad({gw.sum()}, {x})[0];
  CHECK_MESSAGE(gx.equal(accmt::full({3, 2}, 4.0, kF64)), "got " << gx);
  // backward() with create_graph leaves a differentiable .grad.
  Tensor z = leaf_of({1.0, 2.0}, {2});
  z.square().square().sum().backward({}, false, /*create_graph=*/true);  // 4 z^3
  REQUIRE(z.grad().requires_grad());
  Tensor gz = ag::grad({z.grad().sum()}, {z})[0];  // 12 z^2
  CHECK_MESSAGE(gz.allclose(f64({12.0, 48.0}, {2})), "got " << gz);
  // A differentiable .grad refers back to z through its graph (as in PyTorch, where
  // backward(create_graph=True) warns about this cycle); clearing it frees the graph.
  z.set_grad(Tensor());
}

TEST_CASE("second-order gradchecks: create_graph through each op's backward") {
  Tensor pos = leaf({2, 3}, 0.5, 2, 3), other = leaf({2, 3}, 0.5, 2, 4);
  struct Case {
    const char* name;
    Tensor (*f)(const Ins&);
  };
  const Case cases[] = {
      {"mul", [](const Ins& in) { return (in[0] * in[1] * in[0]).sum(); }},
      {"div", [](const Ins& in) { return (in[1] / in[0]).sum(); }},
      {"pow scalar", [](const Ins& in) { return in[0].pow(2.5).sum(); }},
      {"pow tensor", [](const Ins& in) { return in[0].pow(in[1]).sum(); }},
      {"log", [](const Ins& in) { return (in[0].log() * in[1]).sum(); }},
      {"sin / cos", [](const Ins& in) { return (in[0].sin() * in[0].cos()).sum(); }},
      {"matmul", [](const Ins& in) { return in[0].matmul(in[1].t()).square().sum(); }},
      {"mean / sum dims", [](const Ins& in) { return in[0].square().mean(Shape{1}).sum(); }},
      // Ops whose backward reads their own (saved) output.
      {"exp", [](const Ins& in) { return (in[0] * in[0].exp()).sum(); }},
      {"sqrt", [](const Ins& in) { return (in[0].sqrt() * in[1]).sum(); }},
      {"reciprocal", [](const Ins& in) { return (in[0].reciprocal() * in[1]).sum(); }},
      {"prod", [](const Ins& in) { return in[0].prod(1).sum(); }},
      {"norm 2", [](const Ins& in) { return in[0].norm(2.0, {1}).sum(); }},
      {"std", [](const Ins& in) { return (in[0].std({1}) * in[1][0][0]).sum(); }},
      {"logsumexp", [](const Ins& in) { return in[0].logsumexp({1}).square().sum(); }},
      {"softmax", [](const Ins& in) { return (in[0].softmax(1) * in[1]).sum(); }},
      {"log_softmax", [](const Ins& in) { return (in[0].log_softmax(1) * in[1]).sum(); }},
      // Ops whose backward is a fused kernel: it must switch to tensor ops under create_graph.
      {"tanh", [](const Ins& in) { return (in[0].tanh() * in[1]).sum(); }},
      {"sigmoid", [](const Ins& in) { return (in[0].sigmoid() * in[1]).sum(); }},
      {"gelu", [](const Ins& in) { return (in[0].gelu() * in[1]).sum(); }},
      {"silu", [](const Ins& in) { return (in[0].silu() * in[1]).sum(); }},
      {"softplus", [](const Ins& in) { return (in[0].softplus() * in[1]).sum(); }},
  };
  for (const Case& c : cases) {
    std::string failure = gradgrad_failure(c.f, {pos, other});
    CHECK_MESSAGE(failure.empty(), (std::string(c.name) + ": " + failure));
  }
}

}  // TEST_SUITE
