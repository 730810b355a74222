// Linear and Embedding: values and gradients against PyTorch fixtures (torch's weights
// loaded through load_state_dict), gradchecks, default initialisation, options, errors.
#include <cmath>

#include "nn/embedding.hpp"
#include "nn/functional/activation.hpp"
#include "nn/linear.hpp"
#include "nncore_helpers.hpp"

using namespace accmt;
using namespace nncore_test;
using accmt::test::check_close;
namespace F = accmt::nn::functional;

namespace {

// Loads <c>.weight (and <c>.bias) into `layer`, runs <c>.x through it, backprops
// <c>.gout and compares output and every gradient with the fixture.
void check_linear_case(const std::string& c, bool has_bias, double rtol, double atol) {
  const auto& fx = layer_fixtures();
  const Tensor& w = fx.get(c + ".weight");
  DType dt = w.dtype();
  nn::Linear layer(w.size(1), w.size(0), {.bias = has_bias, .dtype = dt});
  nn::StateDict sd = {{"weight", w}};
  if (has_bias) sd.emplace_back("bias", fx.get(c + ".bias"));
  layer.load_state_dict(sd);
  Tensor x = fx.get(c + ".x").clone().requires_grad_();
  Tensor out = layer.forward(x);
  check_close(out, fx.get(c + ".out"), rtol, atol, c + ".out");
  out.backward(fx.get(c + ".gout"));
  check_close(x.grad(), fx.get(c + ".gx"), rtol, atol, c + ".gx");
  check_close(layer.weight.grad(), fx.get(c + ".gweight"), rtol, atol, c + ".gweight");
  if (has_bias) check_close(layer.bias.grad(), fx.get(c + ".gbias"), rtol, atol, c + ".gbias");
}

}  // namespace

TEST_SUITE("nn.linear_embedding") {

TEST_CASE("Linear matches PyTorch for 3-D, 2-D without bias, 1-D and float32 inputs") {
  check_linear_case("linear", true, 1e-12, 1e-12);
  check_linear_case("linear_2d_nobias", false, 1e-12, 1e-12);
  check_linear_case("linear_1d", true, 1e-12, 1e-12);
  check_linear_case("linear_f32", true, 1e-5, 1e-5);
}

TEST_CASE("Linear gradcheck (float64, leading dims, with and without bias)") {
  Tensor x = leaf({2, 3, 4}, 1), w = leaf({5, 4}, 2), b = leaf({5}, 3);
  CHECK(gradcheck_failure([](const std::vector<Tensor>& in) { return F::linear(in[0], in[1], in[2]); }, {x, w, b}) == "");
  CHECK(gradcheck_failure([](const std::vector<Tensor>& in) { return F::linear(in[0], in[1]); }, {x, w}) == "");
  Tensor x1 = leaf({4}, 4);
  CHECK(gradcheck_failure([](const std::vector<Tensor>& in) { return F::linear(in[0], in[1], in[2]); }, {x1, w, b}) == "");
  // Through the module, with its own parameters as the checked inputs.
  nn::Linear layer(4, 5, {.dtype = DType::Float64});
  CHECK(gradcheck_failure([&](const std::vector<Tensor>& in) { return layer.forward(in[0]); },
                          {x, layer.weight, layer.bias}) == "");
}

TEST_CASE("Linear's default initialisation is PyTorch's") {
  Generator gen(17);
  nn::Linear layer(400, 300, {.generator = &gen});
  double bound = 1.0 / std::sqrt(400.0);
  CHECK(layer.weight.sizes() == Shape{300, 400});
  CHECK(layer.weight.dtype() == DType::Float32);
  CHECK(layer.weight.abs().max().item<double>() <= bound);
  CHECK(layer.weight.abs().max().item<double>() > 0.99 * bound);
  CHECK(layer.weight.to(DType::Float64).std().item<double>() == doctest::Approx(bound / std::sqrt(3.0)).epsilon(0.02));
  CHECK(layer.bias.abs().max().item<double>() <= bound);
  CHECK(layer.bias.abs().max().item<double>() > 0.9 * bound);
  // Deterministic with a generator; reset_parameters draws again.
  Generator again(17);
  nn::Linear twin(400, 300, {.generator = &again});
  CHECK(twin.weight.equal(layer.weight));
  CHECK(twin.bias.equal(layer.bias));
  twin.reset_parameters(&again);
  CHECK_FALSE(twin.weight.equal(layer.weight));
}

TEST_CASE("Linear options, parameters and errors") {
  nn::Linear nb(3, 2, {.bias = false, .dtype = DType::Float64});
  CHECK_FALSE(nb.bias.defined());
  CHECK(nb.named_parameters().size() == 1);
  CHECK(nb.state_dict().size() == 1);
  CHECK(nb.weight.dtype() == DType::Float64);
  CHECK(nb.weight.requires_grad());
  CHECK(nb.num_parameters() == 6);
  CHECK(nb.str() == "Linear(in_features=3, out_features=2, bias=False)");
  nn::Linear l(3, 2);
  CHECK(l.forward(randn({4, 2, 3})).sizes() == Shape{4, 2, 2});
  CHECK(l.forward(randn({0, 3})).sizes() == Shape{0, 2});
  CHECK(contains(error_of([&] { l.forward(randn({4, 5})); }),
                 "Linear(in_features=3, out_features=2): expected an input of shape [..., 3], got [4, 5]"));
  CHECK(contains(error_of([&] { l.forward(randn({4, 3}, kF64)); }),
                 "linear: input dtype float64 does not match weight dtype float32"));
  CHECK(contains(error_of([] { nn::Linear(-1, 2); }), "must be non-negative"));
  CHECK(contains(error_of([] { nn::Linear(2, 2, {.dtype = DType::Int64}); }), "expected a floating dtype, got int64"));
  CHECK(contains(error_of([] { F::linear(ones({2, 3}), ones({4, 3}), ones({3})); }), "expected a bias of shape [4]"));
  CHECK(contains(error_of([] { F::linear(ones({2, 3}), ones({3})); }), "expected a 2-D weight"));
  // A zero-size layer still builds and runs.
  nn::Linear empty_in(0, 2);
  CHECK(empty_in.forward(ones({3, 0})).equal(empty_in.bias.expand({3, 2})));
}

TEST_CASE("Embedding matches PyTorch; the padding row gets no gradient") {
  const auto& fx = layer_fixtures();
  nn::Embedding emb(7, 4, {.padding_idx = -5, .dtype = DType::Float64});
  REQUIRE(emb.padding_idx.has_value());
  CHECK(*emb.padding_idx == 2);
  emb.load_state_dict({{"weight", fx.get("embedding.weight")}});
  Tensor out = emb.forward(fx.get("embedding.idx"));
  check_close(out, fx.get("embedding.out"), 0, 0, "embedding.out");
  out.backward(fx.get("embedding.gout"));
  check_close(emb.weight.grad(), fx.get("embedding.gweight"), 1e-12, 1e-12, "embedding.gweight");
  CHECK(emb.weight.grad()[2].abs().sum().item<double>() == 0.0);
  CHECK(emb.str() == "Embedding(7, 4, padding_idx=2)");
}

TEST_CASE("Embedding initialisation, gradcheck and errors") {
  Generator gen(23);
  nn::Embedding emb(1000, 64, {.padding_idx = 3, .generator = &gen});
  CHECK(emb.weight[3].abs().sum().item<double>() == 0.0);
  Tensor rest = emb.weight.slice(0, 4, std::nullopt).to(DType::Float64);
  CHECK(std::abs(rest.mean().item<double>()) < 0.01);
  CHECK(rest.std().item<double>() == doctest::Approx(1.0).epsilon(0.02));
  CHECK(nn::Embedding(5, 2).str() == "Embedding(5, 2)");

  Tensor w = leaf({6, 3}, 31);
  Tensor idx = tensor<int64_t>({0, 5, 2, 2, 1, 0}, Shape{2, 3});
  CHECK(gradcheck_failure([&](const std::vector<Tensor>& in) { return F::embedding(idx, in[0]); }, {w}) == "");
  // With a padding_idx that idx does not use (the padding row's zero gradient is by
  // design not the numeric derivative; the fixture test checks it).
  CHECK(gradcheck_failure([&](const std::vector<Tensor>& in) { return F::embedding(idx, in[0], 3); }, {w}) == "");
  // int32 indices work too and give the same rows.
  CHECK(F::embedding(idx.to(DType::Int32), w).equal(F::embedding(idx, w)));

  CHECK(contains(error_of([] { nn::Embedding(4, 2, {.padding_idx = 4}); }), "padding_idx 4 must be within num_embeddings (4)"));
  CHECK(contains(error_of([] { nn::Embedding(4, 2, {.padding_idx = -5}); }), "padding_idx -5"));
  nn::Embedding small(4, 2);
  CHECK(contains(error_of([&] { small.forward(tensor<int64_t>({0, 4})); }), "index 4 is out of range"));
  CHECK(contains(error_of([&] { small.forward(ones({2})); }), "embedding: expected int64 or int32 indices, got float32"));
}

}  // TEST_SUITE
