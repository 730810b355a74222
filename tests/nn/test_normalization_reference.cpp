// LayerNorm, RMSNorm, GroupNorm and BatchNorm against PyTorch (fixtures written by
// tests/reference/make_norm_fixtures.py): outputs, gradients of input, weight and bias,
// running statistics after 3 training steps, and eval-mode outputs.
#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>

#include "autograd/grad_mode.hpp"
#include "nn/functional/normalization.hpp"
#include "nn/normalization.hpp"
#include "tests/support/fixtures.hpp"

using namespace accmt;
namespace F = accmt::nn::functional;
using accmt::test::check_close;
using accmt::test::Fixtures;

namespace {

const Fixtures& fx() {
  static const Fixtures f(accmt::test::fixture_path("norm.safetensors"));
  return f;
}

struct Tol {
  double rtol = 1e-10, atol = 1e-12;
};

using NormFn = std::function<Tensor(const Tensor&, const Tensor&, const Tensor&)>;

// Runs fn on the case's inputs (weight/bias undefined when the case has none), then
// backward with the stored upstream gradient; compares the output and every gradient.
void check_case(const std::string& c, const NormFn& fn, Tol tol = {}) {
  CAPTURE(c);
  auto leaf = [&](const std::string& key) {
    return fx().has(c + "." + key) ? fx().get(c + "." + key).clone().requires_grad_(true) : Tensor();
  };
  Tensor x = leaf("x"), w = leaf("w"), b = leaf("b");
  Tensor out = fn(x, w, b);
  check_close(out, fx().get(c + ".out"), tol.rtol, tol.atol, c + " out");
  out.backward(fx().get(c + ".gout"));
  check_close(x.grad(), fx().get(c + ".gx"), tol.rtol, tol.atol, c + " grad x");
  if (w.defined()) check_close(w.grad(), fx().get(c + ".gw"), tol.rtol, tol.atol, c + " grad weight");
  if (b.defined()) check_close(b.grad(), fx().get(c + ".gb"), tol.rtol, tol.atol, c + " grad bias");
}

// Loads a BatchNorm case's affine parameters into m, runs 3 training steps, backward of
// the last, then compares buffers and an eval-mode output.
void check_batch_norm(const std::string& c, nn::BatchNormBase& m) {
  CAPTURE(c);
  m.to(DType::Float64);
  if (m.options.affine) {
    NoGradGuard ng;
    m.weight.copy_(fx().get(c + ".w"));
    m.bias.copy_(fx().get(c + ".b"));
  }
  m.train();
  Tensor x, out;
  for (int step = 0; step < 3; ++step) {
    std::string s = std::to_string(step);
    x = fx().get(c + ".x" + s).clone().requires_grad_(true);
    out = m.forward(x);
    check_close(out, fx().get(c + ".out" + s), 1e-10, 1e-12, c + " train output " + s);
  }
  out.backward(fx().get(c + ".gout"));
  check_close(x.grad(), fx().get(c + ".gx"), 1e-9, 1e-11, c + " grad x");
  if (m.options.affine) {
    check_close(m.weight.grad(), fx().get(c + ".gw"), 1e-10, 1e-12, c + " grad weight");
    check_close(m.bias.grad(), fx().get(c + ".gb"), 1e-10, 1e-12, c + " grad bias");
  }
  if (m.options.track_running_stats) {
    check_close(m.running_mean, fx().get(c + ".running_mean"), 1e-12, 1e-14, c + " running_mean");
    check_close(m.running_var, fx().get(c + ".running_var"), 1e-12, 1e-14, c + " running_var");
    CHECK(m.num_batches_tracked.dtype() == DType::Int64);
    check_close(m.num_batches_tracked, fx().get(c + ".num_batches_tracked"), 0, 0, c + " num_batches_tracked");
  }
  m.eval();
  check_close(m.forward(fx().get(c + ".xe")), fx().get(c + ".oute"), 1e-10, 1e-12, c + " eval output");
}

}  // namespace

TEST_SUITE("nn.normalization.reference") {

TEST_CASE("layer_norm: 1 and 2 normalised dims, 3-D/4-D, affine on/off, eps, float32") {
  auto ln = [](Shape ns, double eps = 1e-5) {
    return [ns, eps](const Tensor& x, const Tensor& w, const Tensor& b) { return F::layer_norm(x, ns, w, b, eps); };
  };
  check_case("ln_3d_1", ln({5}));
  check_case("ln_3d_2", ln({3, 4}));
  check_case("ln_4d_2", ln({3, 4}));
  check_case("ln_noaffine", ln({6}));
  check_case("ln_nobias", ln({5}));
  check_case("ln_eps", ln({8}, 0.1));
  // float32 rows centred at 100: the statistics must not lose the small spread.
  check_case("ln_f32_offset", ln({37}), {2e-4, 2e-4});
}

TEST_CASE("LayerNorm module matches the functional cases") {
  nn::LayerNorm m(Shape{3, 4}, {.eps = 1e-5});
  m.to(DType::Float64);
  {
    NoGradGuard ng;
    m.weight.copy_(fx().get("ln_4d_2.w"));
    m.bias.copy_(fx().get("ln_4d_2.b"));
  }
  Tensor x = fx().get("ln_4d_2.x").clone().requires_grad_(true);
  Tensor y = m.forward(x);
  check_close(y, fx().get("ln_4d_2.out"), 1e-10, 1e-12, "LayerNorm module out");
  y.backward(fx().get("ln_4d_2.gout"));
  check_close(m.weight.grad(), fx().get("ln_4d_2.gw"), 1e-10, 1e-12, "LayerNorm module grad weight");
  check_close(m.bias.grad(), fx().get("ln_4d_2.gb"), 1e-10, 1e-12, "LayerNorm module grad bias");
}

TEST_CASE("rms_norm: default eps (dtype epsilon), explicit eps, no weight, float32") {
  auto rms = [](Shape ns, std::optional<double> eps = std::nullopt) {
    return [ns, eps](const Tensor& x, const Tensor& w, const Tensor&) { return F::rms_norm(x, ns, w, eps); };
  };
  check_case("rms_3d_1", rms({5}));
  check_case("rms_3d_2", rms({3, 4}, 1e-6));
  check_case("rms_noaffine", rms({6}));
  check_case("rms_f32", rms({37}), {1e-5, 1e-5});
  nn::RMSNorm m(Shape{5});
  m.to(DType::Float64);
  {
    NoGradGuard ng;
    m.weight.copy_(fx().get("rms_3d_1.w"));
  }
  check_close(m.forward(fx().get("rms_3d_1.x")), fx().get("rms_3d_1.out"), 1e-10, 1e-12, "RMSNorm module out");
}

TEST_CASE("group_norm: 2-D, 3-D, 4-D inputs, one group, one group per channel") {
  auto gn = [](int64_t groups, double eps = 1e-5) {
    return [groups, eps](const Tensor& x, const Tensor& w, const Tensor& b) {
      return F::group_norm(x, groups, w, b, eps);
    };
  };
  check_case("gn_3d", gn(3));
  check_case("gn_4d", gn(2));
  check_case("gn_instance", gn(6));
  check_case("gn_one_group", gn(1, 1e-3));
  check_case("gn_2d", gn(2));
  nn::GroupNorm m(2, 4);
  m.to(DType::Float64);
  {
    NoGradGuard ng;
    m.weight.copy_(fx().get("gn_4d.w"));
    m.bias.copy_(fx().get("gn_4d.b"));
  }
  check_close(m.forward(fx().get("gn_4d.x")), fx().get("gn_4d.out"), 1e-10, 1e-12, "GroupNorm module out");
}

TEST_CASE("BatchNorm2d: momentum 0.1, 3 training steps, eval") {
  nn::BatchNorm2d m(3);
  check_batch_norm("bn2d", m);
}

TEST_CASE("BatchNorm1d: cumulative moving average (momentum None), 2-D input") {
  nn::BatchNorm1d m(4, {.momentum = std::nullopt});
  check_batch_norm("bn1d_cma", m);
}

TEST_CASE("BatchNorm1d: 3-D input, no affine, momentum 0.3, eps 1e-3") {
  nn::BatchNorm1d m(3, {.eps = 1e-3, .momentum = 0.3, .affine = false});
  check_batch_norm("bn1d_3d_noaffine", m);
}

TEST_CASE("BatchNorm2d without running stats uses batch statistics in eval too") {
  nn::BatchNorm2d m(2, {.track_running_stats = false});
  check_batch_norm("bn2d_notrack", m);
  CHECK(m.buffers().empty());
}

}  // TEST_SUITE
