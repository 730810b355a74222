// Attention against PyTorch (tests/reference/make_attention_fixtures.py):
// scaled_dot_product_attention with bool / float masks, causal and scale; MultiheadAttention
// with torch's state_dict loaded (outputs, averaged and per-head weights, all gradients);
// the GPT-2 block against an equivalent torch module.
#include <doctest/doctest.h>

#include <string>

#include "accmt/accmt.hpp"
#include "nn/attention.hpp"
#include "nn/functional/attention.hpp"
#include "nn/transformer.hpp"
#include "tests/support/fixtures.hpp"

using namespace accmt;
namespace F = accmt::nn::functional;

namespace {

const test::Fixtures& fx() {
  static test::Fixtures f(test::fixture_path("attention.safetensors"));
  return f;
}
const Tensor& get(const std::string& k) { return fx().get(k); }
Tensor leaf(const std::string& k) { return get(k).clone().requires_grad_(); }

constexpr double kRtol = 1e-10, kAtol = 1e-12;

// The fixture's "<c>.param.*" tensors as a state_dict.
nn::StateDict params_of(const std::string& c) {
  nn::StateDict sd;
  const std::string prefix = c + ".param.";
  for (const auto& n : fx().names())
    if (n.rfind(prefix, 0) == 0) sd.emplace_back(n.substr(prefix.size()), get(n));
  return sd;
}

void check_param_grads(const nn::Module& m, const std::string& c) {
  for (const auto& [name, p] : m.named_parameters()) {
    REQUIRE_MESSAGE(p.grad().defined(), "no grad for " << name);
    test::check_close(p.grad(), get(c + ".grad." + name), kRtol, kAtol, c + " grad of " + name);
  }
}

void sdpa_case(const std::string& c, bool causal, std::optional<double> scale) {
  INFO("case " << c);
  Tensor q = leaf(c + ".q"), k = leaf(c + ".k"), v = leaf(c + ".v");
  Tensor mask = fx().has(c + ".mask") ? get(c + ".mask") : Tensor();
  Tensor out = F::scaled_dot_product_attention(q, k, v, mask, 0.0, causal, scale);
  test::check_close(out, get(c + ".out"), kRtol, kAtol, c + " out");
  out.backward(get(c + ".gout"));
  test::check_close(q.grad(), get(c + ".gq"), kRtol, kAtol, c + " grad q");
  test::check_close(k.grad(), get(c + ".gk"), kRtol, kAtol, c + " grad k");
  test::check_close(v.grad(), get(c + ".gv"), kRtol, kAtol, c + " grad v");
}

struct MhaCase {
  std::string name;
  int64_t E, H;
  bool bias, batch_first, self_attn, average;
};

void mha_case(const MhaCase& c) {
  INFO("case " << c.name);
  nn::MultiheadAttention mha(c.E, c.H, {.bias = c.bias, .batch_first = c.batch_first});
  mha.to(DType::Float64);
  mha.load_state_dict(params_of(c.name));
  const std::string p = c.name + ".";
  Tensor query = leaf(p + "query");
  Tensor key = c.self_attn ? query : leaf(p + "key");
  Tensor value = c.self_attn ? query : leaf(p + "value");
  Tensor kpm = fx().has(p + "key_padding_mask") ? get(p + "key_padding_mask") : Tensor();
  Tensor am = fx().has(p + "attn_mask") ? get(p + "attn_mask") : Tensor();
  auto [out, weights] = mha.forward(query, key, value, kpm, true, am, c.average);
  test::check_close(out, get(p + "out"), kRtol, kAtol, c.name + " out");
  test::check_close(weights, get(p + "weights"), kRtol, kAtol, c.name + " weights");
  out.backward(get(p + "gout"));
  test::check_close(query.grad(), get(p + "gquery"), kRtol, kAtol, c.name + " grad query");
  if (!c.self_attn) {
    test::check_close(key.grad(), get(p + "gkey"), kRtol, kAtol, c.name + " grad key");
    test::check_close(value.grad(), get(p + "gvalue"), kRtol, kAtol, c.name + " grad value");
  }
  check_param_grads(mha, c.name);
}

}  // namespace

TEST_SUITE("nn.attention_reference") {

TEST_CASE("scaled_dot_product_attention: plain, bool mask (a fully masked row), float mask, causal, scale") {
  sdpa_case("sdpa_plain", false, std::nullopt);
  sdpa_case("sdpa_bool", false, std::nullopt);
  sdpa_case("sdpa_float", false, std::nullopt);
  sdpa_case("sdpa_causal", true, std::nullopt);
  sdpa_case("sdpa_causal_rect", true, std::nullopt);
  sdpa_case("sdpa_scale", false, 0.3);
}

TEST_CASE("MultiheadAttention with torch weights: cross, masks and per-head weights, float masks, unbatched, no bias") {
  mha_case({"mha_cross", 8, 2, true, false, false, true});
  mha_case({"mha_masks_per_head", 8, 2, true, true, true, false});
  mha_case({"mha_float_masks", 8, 4, true, false, false, true});
  mha_case({"mha_unbatched_causal", 8, 2, true, false, true, true});
  mha_case({"mha_nobias", 6, 3, false, false, false, true});
}

TEST_CASE("MultiheadAttention parameter names and shapes are PyTorch's") {
  nn::MultiheadAttention mha(8, 2);
  auto sd = mha.state_dict();
  REQUIRE(sd.size() == 4);
  CHECK(sd[0].first == "in_proj_weight");
  CHECK(sd[0].second.sizes() == Shape{24, 8});
  CHECK(sd[1].first == "in_proj_bias");
  CHECK(sd[2].first == "out_proj.weight");
  CHECK(sd[3].first == "out_proj.bias");
  nn::MultiheadAttention nobias(8, 2, {.bias = false});
  CHECK(nobias.state_dict().size() == 2);
}

TEST_CASE("GPT-2 block with HF names matches the torch block (output and every gradient)") {
  nn::TransformerBlock block(8, 2);
  block.to(DType::Float64);
  block.load_state_dict(params_of("block"));
  Tensor x = leaf("block.x");
  Tensor out = block.forward(x);
  test::check_close(out, get("block.out"), kRtol, kAtol, "block out");
  out.backward(get("block.gout"));
  test::check_close(x.grad(), get("block.gx"), kRtol, kAtol, "block grad x");
  check_param_grads(block, "block");
  std::vector<std::string> names;
  for (const auto& [n, t] : block.state_dict()) names.push_back(n);
  CHECK(names == std::vector<std::string>{"ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
                                          "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
                                          "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"});
  CHECK(block.attn->c_attn->weight.sizes() == Shape{8, 24});  // HF Conv1D layout [in, out]
}

}  // TEST_SUITE
