// nn::init: gains and fans like PyTorch, bounds and moments of each initialiser on large
// tensors, determinism with a Generator, in-place use on parameters, and errors.
#include <cmath>
#include <limits>

#include "nn/init.hpp"
#include "nncore_helpers.hpp"

using namespace accmt;
using namespace nncore_test;
namespace init = accmt::nn::init;

namespace {

double mean_of(const Tensor& t) { return t.to(DType::Float64).mean().item<double>(); }
double std_of(const Tensor& t) { return t.to(DType::Float64).std().item<double>(); }
double min_of(const Tensor& t) { return t.min().to(DType::Float64).item<double>(); }
double max_of(const Tensor& t) { return t.max().to(DType::Float64).item<double>(); }

double phi(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI); }
double Phi(double x) { return 0.5 * (1.0 + std::erf(x / std::sqrt(2.0))); }

// Uniform in [-bound, bound): inside the bounds, reaching close to both, std bound/sqrt(3).
void check_uniform(const Tensor& t, double bound) {
  CHECK(min_of(t) >= -bound);
  CHECK(max_of(t) <= bound);
  CHECK(min_of(t) < -0.99 * bound);
  CHECK(max_of(t) > 0.99 * bound);
  CHECK(std::abs(mean_of(t)) < 0.02 * bound);
  CHECK(std_of(t) == doctest::Approx(bound / std::sqrt(3.0)).epsilon(0.02));
}

void check_normal(const Tensor& t, double mean, double stddev) {
  CHECK(std::abs(mean_of(t) - mean) < 0.02 * stddev);
  CHECK(std_of(t) == doctest::Approx(stddev).epsilon(0.02));
}

}  // namespace

TEST_SUITE("nn.init") {

TEST_CASE("calculate_gain matches torch.nn.init.calculate_gain") {
  for (const char* name : {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                           "conv_transpose3d", "sigmoid"})
    CHECK(init::calculate_gain(name) == 1.0);
  CHECK(init::calculate_gain("tanh") == doctest::Approx(5.0 / 3.0));
  CHECK(init::calculate_gain("relu") == doctest::Approx(std::sqrt(2.0)));
  CHECK(init::calculate_gain("leaky_relu") == doctest::Approx(std::sqrt(2.0 / (1 + 0.01 * 0.01))));
  CHECK(init::calculate_gain("leaky_relu", 0.2) == doctest::Approx(std::sqrt(2.0 / 1.04)));
  CHECK(init::calculate_gain("leaky_relu", std::sqrt(5.0)) == doctest::Approx(std::sqrt(1.0 / 3.0)));
  CHECK(init::calculate_gain("selu") == 0.75);
  std::string msg = error_of([] { init::calculate_gain("swish"); });
  CHECK(contains(msg, "unsupported nonlinearity \"swish\""));
  CHECK(contains(msg, "leaky_relu"));
}

TEST_CASE("fan in and fan out include the receptive field") {
  CHECK(init::calculate_fan_in_and_fan_out(empty({4, 3})) == std::pair<int64_t, int64_t>{3, 4});
  CHECK(init::calculate_fan_in_and_fan_out(empty({8, 3, 5, 5})) == std::pair<int64_t, int64_t>{75, 200});
  CHECK(init::calculate_fan_in_and_fan_out(empty({6, 2, 7})) == std::pair<int64_t, int64_t>{14, 42});
  CHECK(contains(error_of([] { init::calculate_fan_in_and_fan_out(empty({5})); }),
                 "fewer than 2 dims, got shape [5]"));
  CHECK(contains(error_of([] { init::xavier_uniform_(empty({5})); }), "fewer than 2 dims"));
}

TEST_CASE("uniform_, normal_, constant_, zeros_, ones_") {
  Generator gen(11);
  Tensor t = empty({100000});
  init::uniform_(t, -3.0, 1.0, &gen);
  CHECK(min_of(t) >= -3.0);
  CHECK(max_of(t) < 1.0);
  CHECK(mean_of(t) == doctest::Approx(-1.0).epsilon(0.02));
  CHECK(std_of(t) == doctest::Approx(4.0 / std::sqrt(12.0)).epsilon(0.02));
  check_normal(init::normal_(t, 2.0, 0.5, &gen), 2.0, 0.5);
  CHECK(init::constant_(t, 0.25).equal(full({100000}, 0.25)));
  CHECK(init::zeros_(t).equal(zeros({100000})));
  CHECK(init::ones_(t).equal(ones({100000})));
  CHECK(contains(error_of([&] { init::uniform_(t, 1.0, 0.0); }), "expected a <= b"));
  CHECK(contains(error_of([&] { init::normal_(t, 0.0, -1.0); }), "expected std >= 0"));
  CHECK(contains(error_of([] { init::normal_(zeros({3}, {.dtype = DType::Int64})); }),
                 "nn::init::normal_: expected a floating tensor, got int64"));
}

TEST_CASE("xavier_uniform_ and xavier_normal_ use gain * sqrt(2 / (fan_in + fan_out))") {
  Generator gen(5);
  Tensor w = empty({300, 200});
  check_uniform(init::xavier_uniform_(w, 2.0, &gen), 2.0 * std::sqrt(6.0 / 500.0));
  Tensor conv = empty({32, 16, 3, 3}, kF64);
  check_uniform(init::xavier_uniform_(conv, 1.0, &gen), std::sqrt(6.0 / ((16 + 32) * 9.0)));
  check_normal(init::xavier_normal_(w, 0.5, &gen), 0.0, 0.5 * std::sqrt(2.0 / 500.0));
}

TEST_CASE("kaiming_uniform_ and kaiming_normal_ follow mode and nonlinearity") {
  Generator gen(7);
  Tensor w = empty({400, 250});
  check_uniform(init::kaiming_uniform_(w, 0.0, "fan_in", "relu", &gen), std::sqrt(6.0 / 250.0));
  check_uniform(init::kaiming_uniform_(w, 0.0, "fan_out", "relu", &gen), std::sqrt(6.0 / 400.0));
  // PyTorch's Linear default: a = sqrt(5) gives the bound 1 / sqrt(fan_in).
  check_uniform(init::kaiming_uniform_(w, std::sqrt(5.0), "fan_in", "leaky_relu", &gen), 1.0 / std::sqrt(250.0));
  Tensor conv = empty({64, 32, 3, 3});
  check_normal(init::kaiming_normal_(conv, 0.0, "fan_out", "relu", &gen), 0.0, std::sqrt(2.0 / (64 * 9)));
  check_normal(init::kaiming_normal_(conv, 0.0, "fan_in", "tanh", &gen), 0.0, (5.0 / 3.0) / std::sqrt(32.0 * 9));
  CHECK(contains(error_of([&] { init::kaiming_uniform_(w, 0.0, "fan_avg"); }),
                 "mode must be \"fan_in\" or \"fan_out\", got \"fan_avg\""));
  CHECK(contains(error_of([&] { init::kaiming_normal_(w, 0.0, "fan_in", "gelu"); }), "unsupported nonlinearity \"gelu\""));
  // Zero-element tensors are a no-op, like PyTorch.
  CHECK_NOTHROW(init::kaiming_uniform_(empty({0, 3})));
}

TEST_CASE("trunc_normal_ stays in [a, b] with the truncated distribution's moments") {
  Generator gen(9);
  Tensor t = empty({200000});
  init::trunc_normal_(t, 0.0, 1.0, -2.0, 2.0, &gen);
  CHECK(min_of(t) >= -2.0);
  CHECK(max_of(t) <= 2.0);
  CHECK(min_of(t) < -1.99);
  CHECK(max_of(t) > 1.99);
  double z = Phi(2.0) - Phi(-2.0);
  CHECK(std::abs(mean_of(t)) < 0.01);
  CHECK(std_of(t) == doctest::Approx(std::sqrt(1.0 - 4.0 * phi(2.0) / z)).epsilon(0.01));

  // Asymmetric window around a shifted mean (timm's ViT-style calls use std=0.02).
  const double mu = 1.0, sd = 0.5, a = 0.5, b = 3.0, alpha = (a - mu) / sd, beta = (b - mu) / sd;
  Tensor u = empty({200000}, kF64);
  init::trunc_normal_(u, mu, sd, a, b, &gen);
  double zz = Phi(beta) - Phi(alpha);
  double expected_mean = mu + sd * (phi(alpha) - phi(beta)) / zz;
  double expected_var =
      sd * sd * (1 + (alpha * phi(alpha) - beta * phi(beta)) / zz - std::pow((phi(alpha) - phi(beta)) / zz, 2));
  CHECK(min_of(u) >= a);
  CHECK(max_of(u) <= b);
  CHECK(mean_of(u) == doctest::Approx(expected_mean).epsilon(0.005));
  CHECK(std_of(u) == doctest::Approx(std::sqrt(expected_var)).epsilon(0.01));

  // Far in a tail, and with an infinite bound: no NaN, all inside.
  Tensor tail = empty({10000});
  init::trunc_normal_(tail, 0.0, 1.0, 3.0, 4.0, &gen);
  CHECK(min_of(tail) >= 3.0);
  CHECK(max_of(tail) <= 4.0);
  init::trunc_normal_(tail, 0.0, 1.0, -std::numeric_limits<double>::infinity(), 0.0, &gen);
  CHECK(max_of(tail) <= 0.0);
  CHECK(std::isfinite(min_of(tail)));
  CHECK(std_of(tail) == doctest::Approx(std::sqrt(1.0 - 2.0 / M_PI)).epsilon(0.05));

  CHECK(contains(error_of([&] { init::trunc_normal_(t, 0.0, 1.0, 2.0, -2.0); }), "expected a < b"));
  CHECK(contains(error_of([&] { init::trunc_normal_(t, 0.0, 0.0); }), "expected std > 0"));
}

TEST_CASE("the same generator seed gives the same values; the default generator is used otherwise") {
  auto draw = [](uint64_t seed) {
    Generator gen(seed);
    Tensor a = empty({16, 8}), b = empty({16, 8}), c = empty({16, 8}), d = empty({16, 8});
    init::kaiming_uniform_(a, std::sqrt(5.0), "fan_in", "leaky_relu", &gen);
    init::xavier_normal_(b, 1.0, &gen);
    init::trunc_normal_(c, 0.0, 0.02, -0.04, 0.04, &gen);
    init::normal_(d, 0.0, 1.0, &gen);
    return cat({a, b, c, d});
  };
  CHECK(draw(42).equal(draw(42)));
  CHECK_FALSE(draw(42).equal(draw(43)));
  manual_seed(123);
  Tensor x = init::uniform_(empty({64}));
  manual_seed(123);
  CHECK(init::uniform_(empty({64})).equal(x));
}

TEST_CASE("init works in place on a parameter that requires grad, without recording a graph") {
  Tensor p = zeros({8, 4}).requires_grad_();
  Tensor handle = p;
  uint64_t v = p.version();
  init::kaiming_normal_(p);
  init::trunc_normal_(p, 0.0, 0.1);
  init::constant_(p, 0.5);
  init::xavier_uniform_(p);
  CHECK(handle.is_same(p));
  CHECK(p.is_leaf());
  CHECK(p.grad_fn() == nullptr);
  CHECK(p.requires_grad());
  CHECK(p.version() > v);
  CHECK(p.abs().sum().item<double>() > 0);
  // bf16 and f64 tensors too.
  Tensor h = empty({32, 32}, {.dtype = DType::BFloat16});
  init::trunc_normal_(h, 0.0, 1.0, -1.0, 1.0);
  CHECK(max_of(h) <= 1.0);
  CHECK(min_of(h) >= -1.0);
}

}  // TEST_SUITE
