// Activation modules and functions against PyTorch fixtures, their gradchecks, Dropout
// (statistics, scaling, eval identity, determinism, errors), Flatten and Identity.
#include <cmath>

#include "nn/activation.hpp"
#include "nn/dropout.hpp"
#include "nn/flatten.hpp"
#include "nn/functional/activation.hpp"
#include "nn/linear.hpp"
#include "nncore_helpers.hpp"

using namespace accmt;
using namespace nncore_test;
using accmt::test::check_close;
namespace F = accmt::nn::functional;

namespace {

struct ActCase {
  const char* name;       // fixture case act.<name>
  std::shared_ptr<nn::Module> module;
  std::string printed;    // PyTorch's print() of the module
};

std::vector<ActCase> act_cases() {
  return {
      {"relu", std::make_shared<nn::ReLU>(), "ReLU()"},
      {"gelu", std::make_shared<nn::GELU>(), "GELU(approximate='none')"},
      {"gelu_tanh", std::make_shared<nn::GELU>("tanh"), "GELU(approximate='tanh')"},
      {"silu", std::make_shared<nn::SiLU>(), "SiLU()"},
      {"tanh", std::make_shared<nn::Tanh>(), "Tanh()"},
      {"sigmoid", std::make_shared<nn::Sigmoid>(), "Sigmoid()"},
      {"leaky_relu", std::make_shared<nn::LeakyReLU>(0.2), "LeakyReLU(negative_slope=0.2)"},
      {"leaky_relu_default", std::make_shared<nn::LeakyReLU>(), "LeakyReLU(negative_slope=0.01)"},
      {"softmax_d1", std::make_shared<nn::Softmax>(1), "Softmax(dim=1)"},
      {"softmax_d0", std::make_shared<nn::Softmax>(0), "Softmax(dim=0)"},
      {"log_softmax_d1", std::make_shared<nn::LogSoftmax>(1), "LogSoftmax(dim=1)"},
      {"log_softmax_dm2", std::make_shared<nn::LogSoftmax>(-2), "LogSoftmax(dim=-2)"},
  };
}

}  // namespace

TEST_SUITE("nn.activation_dropout") {

TEST_CASE("activation modules match PyTorch values and gradients (float64, float32)") {
  const auto& fx = layer_fixtures();
  for (const auto& c : act_cases()) {
    CAPTURE(c.name);
    CHECK(c.module->str() == c.printed);
    std::string key = std::string("act.") + c.name;
    Tensor x = fx.get("act.x").clone().requires_grad_();
    Tensor out = c.module->forward(x);
    check_close(out, fx.get(key + ".out"), 1e-12, 1e-13, key + ".out");
    out.backward(fx.get("act.gout"));
    check_close(x.grad(), fx.get(key + ".gx"), 1e-12, 1e-13, key + ".gx");
    // float32 forward against the float64 reference.
    check_close(c.module->forward(fx.get("act.x").to(DType::Float32)), fx.get(key + ".out"), 1e-5, 1e-6,
                key + ".out(f32)");
  }
}

TEST_CASE("functional activations equal the modules and pass gradcheck") {
  Tensor x = leaf({3, 5}, 41, -3.0, 3.0);
  std::vector<std::pair<const char*, Tensor (*)(const Tensor&)>> fns = {
      {"relu", [](const Tensor& v) { return F::relu(v); }},
      {"gelu", [](const Tensor& v) { return F::gelu(v); }},
      {"gelu_tanh", [](const Tensor& v) { return F::gelu(v, "tanh"); }},
      {"silu", [](const Tensor& v) { return F::silu(v); }},
      {"tanh", [](const Tensor& v) { return F::tanh(v); }},
      {"sigmoid", [](const Tensor& v) { return F::sigmoid(v); }},
      {"leaky_relu", [](const Tensor& v) { return F::leaky_relu(v, 0.3); }},
      {"leaky_relu_neg_slope", [](const Tensor& v) { return F::leaky_relu(v, -0.5); }},
      {"softmax", [](const Tensor& v) { return F::softmax(v, 1); }},
      {"log_softmax", [](const Tensor& v) { return F::log_softmax(v, 0); }},
  };
  for (const auto& [name, fn] : fns) {
    CAPTURE(name);
    CHECK(gradcheck_failure([fn = fn](const std::vector<Tensor>& in) { return fn(in[0]); }, {x}) == "");
  }
  CHECK(F::leaky_relu(x, 0.3).equal(nn::LeakyReLU(0.3).forward(x)));
  // softmax with a dtype: computed in that dtype.
  Tensor h = randn({2, 3}, {.dtype = DType::Float16});
  CHECK(F::softmax(h, -1, DType::Float32).dtype() == DType::Float32);
  CHECK(F::log_softmax(h, -1, DType::Float32).allclose(h.to(DType::Float32).log_softmax(-1)));
}

TEST_CASE("leaky_relu: slope branch for x <= 0, double backward, errors") {
  Tensor x = tensor({-2.0, 0.0, 3.0}, kF64).requires_grad_();
  Tensor y = F::leaky_relu(x, 0.1);
  CHECK(y.equal(tensor({-0.2, 0.0, 3.0}, kF64)));
  Tensor g = autograd::grad({y.sum()}, {x}, {}, false, /*create_graph=*/true)[0];
  CHECK(g.equal(tensor({0.1, 0.1, 1.0}, kF64)));
  CHECK(contains(error_of([] { F::leaky_relu(ones({2}, {.dtype = DType::Int64})); }), "expected a floating input"));
  CHECK(contains(error_of([] { nn::GELU("fast"); }), "GELU: approximate must be 'none' or 'tanh', got 'fast'"));
  CHECK(contains(error_of([] { F::gelu(ones({2}), "fast"); }), "approximate must be 'none' or 'tanh'"));
}

TEST_CASE("Dropout: keep rate, inverted scaling, gradient through the same mask") {
  Generator gen(101);
  nn::Dropout drop(0.3, {.generator = &gen});
  CHECK(drop.str() == "Dropout(p=0.3, inplace=False)");
  Tensor x = (rand({200000}, {}, &gen) + 0.5).requires_grad_();
  Tensor y = drop.forward(x);
  Tensor kept = y.ne(Scalar(0));
  double keep_rate = kept.to(DType::Float64).mean().item<double>();
  CHECK(keep_rate == doctest::Approx(0.7).epsilon(0.01));
  // Kept elements are scaled by exactly 1 / (1 - p); the expectation is preserved.
  Tensor ratio = where(kept, y.detach() / x.detach(), Scalar(1.0 / 0.7));
  CHECK(ratio.allclose(full({200000}, 1.0 / 0.7), 1e-6, 1e-6));
  CHECK(y.to(DType::Float64).mean().item<double>() ==
        doctest::Approx(x.to(DType::Float64).mean().item<double>()).epsilon(0.01));
  y.sum().backward();
  CHECK(x.grad().allclose(where(kept, full({200000}, 1.0 / 0.7), Scalar(0.0)), 1e-6, 1e-7));
}

TEST_CASE("Dropout: eval is the identity; p = 0 and p = 1; determinism") {
  Tensor x = randn({64, 32});
  nn::Dropout drop(0.5);
  drop.eval();
  CHECK(drop.forward(x).is_same(x));
  drop.train();
  CHECK_FALSE(drop.forward(x).equal(x));
  CHECK(nn::Dropout(0.0).forward(x).is_same(x));
  Tensor xg = x.clone().requires_grad_();
  Tensor all = nn::Dropout(1.0).forward(xg);
  CHECK(all.equal(zeros({64, 32})));
  all.sum().backward();
  CHECK(xg.grad().equal(zeros({64, 32})));
  // Same seed, same masks; the generator advances between calls.
  Generator g1(7), g2(7);
  nn::Dropout d1(0.4, {.generator = &g1}), d2(0.4, {.generator = &g2});
  Tensor a = d1.forward(x), b = d2.forward(x);
  CHECK(a.equal(b));
  CHECK_FALSE(d1.forward(x).equal(a));
  // In float64, functional form, training flag respected.
  Tensor x64 = randn({1000}, kF64);
  CHECK(F::dropout(x64, 0.5, /*training=*/false).is_same(x64));
  CHECK(F::dropout(x64, 0.5, true).dtype() == DType::Float64);
}

TEST_CASE("Dropout rejects p outside [0, 1]") {
  CHECK(contains(error_of([] { nn::Dropout(1.5); }), "Dropout: probability has to be between 0 and 1, got 1.5"));
  CHECK(contains(error_of([] { nn::Dropout(-0.1); }), "got -0.1"));
  CHECK(contains(error_of([] { F::dropout(ones({2}), 2.0, false); }), "dropout: probability has to be between 0 and 1"));
  CHECK(contains(error_of([] { F::dropout(ones({2}, {.dtype = DType::Int64}), 0.5); }), "expected a floating input"));
}

TEST_CASE("Flatten and Identity") {
  Tensor x = randn({2, 3, 4, 5});
  CHECK(nn::Flatten().forward(x).sizes() == Shape{2, 60});
  CHECK(nn::Flatten(0, 1).forward(x).sizes() == Shape{6, 4, 5});
  CHECK(nn::Flatten(-2).forward(x).sizes() == Shape{2, 3, 20});
  CHECK(nn::Flatten(1, 2).str() == "Flatten(start_dim=1, end_dim=2)");
  CHECK(nn::Flatten().str() == "Flatten(start_dim=1, end_dim=-1)");
  CHECK_FALSE(error_of([&] { nn::Flatten(5).forward(x); }).empty());
  Tensor xg = leaf({2, 3, 2}, 51);
  CHECK(gradcheck_failure([](const std::vector<Tensor>& in) { return nn::Flatten().forward(in[0]); }, {xg}) == "");
  nn::Identity id;
  CHECK(id.forward(x).is_same(x));
  CHECK(id.str() == "Identity()");
  CHECK(id.parameters().empty());
}

}  // TEST_SUITE
