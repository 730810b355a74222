// The fused bias + activation (nn::functional::bias_gelu / bias_silu / bias_relu and
// linear with an activation): float64 gradchecks, agreement with the unfused composition
// (x + b, then the activation op, whose values the PyTorch fixtures check) forward and
// backward on odd shapes and every floating dtype, create_graph, and the input checks.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>

#include "nn/functional/activation.hpp"
#include "tests/autograd/ag_helpers.hpp"
#include "tests/support/checks.hpp"

using namespace agtest;
using namespace accmt;
namespace F = accmt::nn::functional;

namespace {

using Fn = std::function<Tensor(const Tensor&, const Tensor&)>;

struct Act {
  const char* name;
  Fn fused, composed;
};

const Act kActs[] = {
    {"gelu", [](const Tensor& x, const Tensor& b) { return F::bias_gelu(x, b); },
     [](const Tensor& x, const Tensor& b) { return (x + b).gelu(); }},
    {"gelu_tanh", [](const Tensor& x, const Tensor& b) { return F::bias_gelu(x, b, "tanh"); },
     [](const Tensor& x, const Tensor& b) { return (x + b).gelu("tanh"); }},
    {"silu", [](const Tensor& x, const Tensor& b) { return F::bias_silu(x, b); },
     [](const Tensor& x, const Tensor& b) { return (x + b).silu(); }},
    {"relu", [](const Tensor& x, const Tensor& b) { return F::bias_relu(x, b); },
     [](const Tensor& x, const Tensor& b) { return (x + b).relu(); }},
};

double unit_roundoff(DType dt) { return dt == DType::Float64 ? std::ldexp(1.0, -52) : std::ldexp(1.0, -23); }

// a within `ulps` units of the reference's largest magnitude of b (elementwise relative
// error is not meaningful where the activations' derivatives cancel, e.g. gelu' < 0).
void check_ulps(const Tensor& a, const Tensor& b, double ulps, const char* what) {
  REQUIRE(a.sizes() == b.sizes());
  REQUIRE(a.dtype() == b.dtype());
  if (b.numel() == 0) return;
  const double eps = ulps * unit_roundoff(b.dtype());
  const double scale = std::max(1.0, b.abs().max().item<double>());
  CHECK_MESSAGE(a.allclose(b, eps, eps * scale), what << ": max |diff| = " << (a - b).abs().max().item<double>());
}

struct Result {
  Tensor y, gx, gb;
};

Result run(const Fn& f, const Tensor& x0, const Tensor& b0, const Tensor& gout) {
  Tensor x = x0.detach().requires_grad_(), b = b0.detach().requires_grad_();
  Tensor y = f(x, b);
  auto g = autograd::grad({y}, {x, b}, {gout});
  return {y.detach(), g[0], g[1]};
}

}  // namespace

TEST_SUITE("nn.bias_act") {

TEST_CASE("float64 gradcheck of every fused activation, 2-D, 3-D and a transposed input") {
  for (const Act& a : kActs) {
    Fn f = a.fused;
    CHECK_GRAD(std::string(a.name) + " [3, 5]", [f](const Ins& in) { return f(in[0], in[1]); },
               {leaf({3, 5}, -2, 2, 1), leaf({5}, -1, 1, 2)});
    CHECK_GRAD(std::string(a.name) + " [2, 3, 4]", [f](const Ins& in) { return f(in[0], in[1]); },
               {leaf({2, 3, 4}, -2, 2, 3), leaf({4}, -1, 1, 4)});
    CHECK_GRAD(std::string(a.name) + " transposed", [f](const Ins& in) { return f(in[0].t(), in[1]); },
               {leaf({6, 2}, -2, 2, 5), leaf({6}, -1, 1, 6)});
    // Only the input requires grad: the bias gradient is skipped.
    Tensor b = leaf({5}, -1, 1, 7).detach();
    CHECK_GRAD(std::string(a.name) + " input only", [f, b](const Ins& in) { return f(in[0], b); },
               {leaf({3, 5}, -2, 2, 8)});
  }
}

TEST_CASE("linear with an activation: gradcheck and the unfused composition") {
  Tensor x = leaf({4, 3}, -2, 2, 9), w = leaf({5, 3}, -1, 1, 10), b = leaf({5}, -1, 1, 11);
  for (const char* act : {"relu", "gelu", "gelu_tanh", "silu"}) {
    CAPTURE(act);
    std::string s = act;
    CHECK_GRAD(s + " with bias", [s](const Ins& in) { return F::linear(in[0], in[1], in[2], s); }, {x, w, b});
    CHECK_GRAD(s + " without bias", [s](const Ins& in) { return F::linear(in[0], in[1], Tensor(), s); }, {x, w});
    Tensor y = F::linear(x, w, b, s), lin = F::linear(x, w, b);
    Tensor ref = s == "relu" ? lin.relu() : s == "silu" ? lin.silu() : lin.gelu(s == "gelu" ? "none" : "tanh");
    check_ulps(y.detach(), ref.detach(), 8, act);
  }
  CHECK(F::linear(x, w, b, "none").detach().equal(F::linear(x, w, b).detach()));
  // 1-D input and 3-D input.
  check_ulps(F::linear(leaf({3}, -1, 1, 12), w, b, "gelu").detach(),
             F::linear(leaf({3}, -1, 1, 12), w, b).gelu().detach(), 8, "1-D");
  check_ulps(F::linear(leaf({2, 2, 3}, -1, 1, 13), w, b, "silu").detach(),
             F::linear(leaf({2, 2, 3}, -1, 1, 13), w, b).silu().detach(), 8, "3-D");
}

TEST_CASE("create_graph: second-order gradients through the composed backward") {
  Tensor gout = leaf({3, 4}, -1, 1, 14).detach();
  for (const Act& a : kActs) {
    if (std::string(a.name) == "relu") continue;  // relu'' is zero almost everywhere
    Fn f = a.fused;
    auto first = [gout, f](const Ins& in) {
      EnableGradGuard eg;  // gradcheck's finite differences run under no_grad
      auto g = autograd::grad({f(in[0], in[1])}, {in[0], in[1]}, {gout}, false, true);
      return (g[0] * g[0]).sum() + (g[1] * g[1]).sum();
    };
    CHECK_GRAD(std::string(a.name) + " grad of grad", first, {leaf({3, 4}, -2, 2, 15), leaf({4}, -1, 1, 16)});
  }
}

TEST_CASE("float32 / float64: forward and backward match the unfused composition within a few ulps") {
  Generator gen(17);
  // Odd widths (not multiples of any vector width), one row, zero rows, 3-D, and a size
  // that splits the bias-gradient sums across threads.
  const Shape shapes[] = {{1, 7}, {5, 13}, {0, 8}, {2, 3, 16}, {4, 1}, {64, 640}, {3, 2, 1, 33}};
  for (DType dt : {DType::Float32, DType::Float64}) {
    for (const Shape& s : shapes) {
      const TensorOptions o{.dtype = dt};
      Tensor x = randn(s, o, &gen) * 2, b = randn({s.back()}, o, &gen), gout = randn(s, o, &gen);
      for (const Act& a : kActs) {
        CAPTURE(dtype_name(dt));
        CAPTURE(shape_str(s));
        CAPTURE(a.name);
        Result f = run(a.fused, x, b, gout), c = run(a.composed, x, b, gout);
        check_ulps(f.y, c.y, 4, "y");
        check_ulps(f.gx, c.gx, 16, "grad_x");
        // grad_b sums rows in another order than the composition's reduction.
        const double rows = double(x.numel() / s.back());
        check_ulps(f.gb, c.gb, 16 * std::max(1.0, rows), "grad_b");
      }
    }
  }
}

TEST_CASE("bfloat16 / float16: same rounding as the unfused ops") {
  Generator gen(18);
  for (DType dt : {DType::BFloat16, DType::Float16}) {
    for (const Shape& s : {Shape{5, 13}, Shape{2, 3, 16}, Shape{1, 9}, Shape{0, 4}, Shape{64, 640}}) {
      Tensor x = (randn(s, {}, &gen) * 2).to(dt), b = randn({s.back()}, {}, &gen).to(dt),
             gout = randn(s, {}, &gen).to(dt);
      for (const Act& a : kActs) {
        CAPTURE(dtype_name(dt));
        CAPTURE(shape_str(s));
        CAPTURE(a.name);
        Result f = run(a.fused, x, b, gout), c = run(a.composed, x, b, gout);
        REQUIRE(f.y.dtype() == dt);
        // Element for element the same float math on the same rounded x + b.
        CHECK(f.y.equal(c.y));
        CHECK(f.gx.equal(c.gx));
        // grad_b: float sums of the same 16-bit grad_x in another order, then one rounding.
        const double tol = dt == DType::BFloat16 ? 1e-2 : 2e-3;
        CHECK(f.gb.to(DType::Float32).allclose(c.gb.to(DType::Float32), tol, tol));
      }
    }
  }
}

TEST_CASE("grad_b is the same from run to run") {
  Generator gen(19);
  Tensor x = randn({257, 640}, {}, &gen), b = randn({640}, {}, &gen), g = randn({257, 640}, {}, &gen);
  Result r1 = run(kActs[0].fused, x, b, g), r2 = run(kActs[0].fused, x, b, g);
  CHECK(r1.gb.equal(r2.gb));
  CHECK(r1.gx.equal(r2.gx));
}

TEST_CASE("bad inputs are rejected with the reason") {
  Tensor x = randn({4, 6}), b = randn({6});
  auto has = [](const std::string& msg, const std::string& part) {
    CHECK_MESSAGE(msg.find(part) != std::string::npos, "message: " << msg);
  };
  has(test::error_of([&] { F::bias_gelu(x, randn({5})); }),
      "bias_gelu: expected a bias of shape [6] for an input of shape [4, 6], got [5]");
  has(test::error_of([&] { F::bias_silu(x, randn({1, 6})); }), "bias_silu: expected a bias of shape [6]");
  has(test::error_of([&] { F::bias_relu(x, b.to(DType::Float64)); }),
      "bias_relu: bias has dtype float64, expected the input's float32");
  has(test::error_of([&] { F::bias_gelu(randn({}), randn({1})); }), "bias_gelu: expected an input of shape [..., N]");
  has(test::error_of([&] { F::bias_relu(ones({2, 3}, {.dtype = DType::Int64}), ones({3}, {.dtype = DType::Int64})); }),
      "bias_relu: expected a floating input, got int64");
  has(test::error_of([&] { F::bias_gelu(x, b, "fast"); }), "bias_gelu: approximate must be 'none' or 'tanh', got 'fast'");
  has(test::error_of([&] { F::bias_silu(x, Tensor()); }), "bias_silu: the bias tensor is undefined");
  has(test::error_of([&] { F::bias_silu(Tensor(), b); }), "bias_silu: the input tensor is undefined");
  Tensor w = randn({5, 6});
  has(test::error_of([&] { F::linear(x, w, randn({5}), "tanh"); }),
      "linear: activation must be 'none', 'relu', 'gelu', 'gelu_tanh' or 'silu', got 'tanh'");
  has(test::error_of([&] { F::linear(x, w, randn({6}), "relu"); }),
      "linear: expected a bias of shape [5] for weight of shape [5, 6], got [6]");
}

}  // TEST_SUITE
