// The fused bias + activation against PyTorch's unfused act(x + b) (fixtures written by
// tests/reference/make_bias_act_fixtures.py): outputs and the gradients of input and bias
// for every activation, in float64 (2-D and 3-D), float32 and bfloat16.
#include <doctest/doctest.h>

#include <functional>
#include <set>
#include <string>

#include "nn/functional/activation.hpp"
#include "tests/support/fixtures.hpp"

using namespace accmt;
namespace F = accmt::nn::functional;
using accmt::test::check_close;
using accmt::test::Fixtures;

namespace {

const Fixtures& fx() {
  static const Fixtures f(accmt::test::fixture_path("bias_act.safetensors"));
  return f;
}

using Fn = std::function<Tensor(const Tensor&, const Tensor&)>;

const std::pair<const char*, Fn> kActs[] = {
    {"gelu", [](const Tensor& x, const Tensor& b) { return F::bias_gelu(x, b); }},
    {"gelu_tanh", [](const Tensor& x, const Tensor& b) { return F::bias_gelu(x, b, "tanh"); }},
    {"silu", [](const Tensor& x, const Tensor& b) { return F::bias_silu(x, b); }},
    {"relu", [](const Tensor& x, const Tensor& b) { return F::bias_relu(x, b); }},
};

struct Tol {
  double rtol, atol;
};

// grad_x_atol (when given) replaces tol.atol for grad x: in float32 the tanh-GELU
// derivative at x + b < -4 is 0.5 (1 + tanh) plus a term that nearly cancels it, so the
// result keeps only the absolute accuracy of tanh near -1 (Eigen's vectorised tanh is a
// few ulps of 1 off there; PyTorch's differs from float64 too).
void check_case(const std::string& c, const Fn& fn, Tol tol, Tol grad_b_tol, double grad_x_atol = -1) {
  CAPTURE(c);
  Tensor x = fx().get(c + ".x").clone().requires_grad_(true), b = fx().get(c + ".b").clone().requires_grad_(true);
  Tensor out = fn(x, b);
  REQUIRE(out.dtype() == fx().get(c + ".out").dtype());
  check_close(out, fx().get(c + ".out"), tol.rtol, tol.atol, c + " out");
  out.backward(fx().get(c + ".gout"));
  check_close(x.grad(), fx().get(c + ".gx"), tol.rtol, grad_x_atol < 0 ? tol.atol : grad_x_atol, c + " grad x");
  check_close(b.grad(), fx().get(c + ".gb"), grad_b_tol.rtol, grad_b_tol.atol, c + " grad bias");
}

}  // namespace

TEST_SUITE("nn.bias_act_reference") {

TEST_CASE("every activation and dtype matches PyTorch's act(x + b), forward and backward") {
  std::set<std::string> tested;
  for (const auto& [act, fn] : kActs) {
    const std::string a = act;
    check_case(a + "_f64_2d", fn, {1e-12, 1e-13}, {1e-12, 1e-12});
    check_case(a + "_f64_3d", fn, {1e-12, 1e-13}, {1e-12, 1e-12});
    check_case(a + "_f32", fn, {1e-5, 1e-6}, {1e-5, 1e-5}, 5e-6);
    // bfloat16: x + b and the results rounded to 8 bits of mantissa; PyTorch's float math
    // may land on the other side of a rounding tie.
    check_case(a + "_bf16", fn, {1e-2, 1e-2}, {2e-2, 2e-2});
    for (const char* s : {"_f64_2d", "_f64_3d", "_f32", "_bf16"}) tested.insert(a + s);
  }
  // Every case in the file is tested.
  for (const std::string& name : fx().names()) {
    const std::string c = name.substr(0, name.find('.'));
    CHECK_MESSAGE(tested.count(c), "untested fixture case " << c);
  }
}

}  // TEST_SUITE
