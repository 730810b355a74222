// Attention: float64 gradchecks, dropout determinism and scaling, masks' semantics, errors.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "accmt/accmt.hpp"
#include "nn/attention.hpp"
#include "nn/functional/attention.hpp"
#include "nn/transformer.hpp"
#include "tests/support/checks.hpp"

using accmt::test::error_of;
using accmt::test::grad_ok;

using namespace accmt;
namespace F = accmt::nn::functional;
using Ins = std::vector<Tensor>;

namespace {

const TensorOptions kF64{.dtype = DType::Float64};

Tensor leaf(const Shape& s, uint64_t seed) {
  Generator g(seed);
  return randn(s, kF64, &g).requires_grad_();
}

}  // namespace

TEST_SUITE("nn.attention_checks") {

TEST_CASE("gradcheck: sdpa with bool mask, float mask, causal") {
  Tensor q = leaf({2, 3, 4}, 1), k = leaf({2, 5, 4}, 2), v = leaf({2, 5, 3}, 3);
  Tensor bm = tensor(std::vector<bool>{true, false, true, true, false, false, false, false, false, false,
                                       true, true, true, true, true},
                     Shape{3, 5});  // row 1 fully masked
  Tensor fm = randn({2, 1, 5}, kF64);
  CHECK(grad_ok([&](const Ins& in) { return F::scaled_dot_product_attention(in[0], in[1], in[2], bm); }, {q, k, v}));
  CHECK(grad_ok([&](const Ins& in) { return F::scaled_dot_product_attention(in[0], in[1], in[2], fm); }, {q, k, v}));
  CHECK(grad_ok([&](const Ins& in) {
    return F::scaled_dot_product_attention(in[0], in[1], in[2], Tensor(), 0.0, true, 0.7);
  }, {q, k, v}));
}

TEST_CASE("gradcheck: MultiheadAttention and the transformer block (parameters included)") {
  nn::MultiheadAttention mha(4, 2, {.batch_first = true});
  mha.to(DType::Float64);
  Tensor x = leaf({2, 3, 4}, 4);
  Tensor kpm = tensor(std::vector<bool>{false, false, true, false, false, false}, Shape{2, 3});
  std::vector<Tensor> ins{x, mha.in_proj_weight, mha.out_proj->weight};
  CHECK(grad_ok([&](const Ins& in) { return mha.forward(in[0], in[0], in[0], kpm, true, Tensor(), false).first; }, ins));
  CHECK(grad_ok([&](const Ins& in) { return mha.forward(in[0], in[0], in[0], kpm).second; }, ins));
  nn::TransformerBlock block(4, 2);
  block.to(DType::Float64);
  Tensor y = leaf({2, 3, 4}, 5);
  CHECK(grad_ok([&](const Ins& in) { return block.forward(in[0]); },
                {y, block.ln_1->weight, block.attn->c_attn->weight, block.mlp->c_fc->weight}));
}

TEST_CASE("causal attention: a query never sees later keys") {
  Tensor q = leaf({1, 4, 4}, 6), k = leaf({1, 4, 4}, 7), v = leaf({1, 4, 2}, 8);
  auto [out, w] = F::scaled_dot_product_attention_with_weights(q, k, v, Tensor(), 0.0, true);
  CHECK(w.triu(1).abs().sum().item<double>() == 0.0);
  CHECK(w.sum({-1}).allclose(ones({1, 4}, kF64)));
  // Changing the last value row changes only the last output row.
  Tensor v2 = v.detach().clone();
  v2.select(1, 3).fill_(5.0);
  Tensor out2 = F::scaled_dot_product_attention(q, k, v2, Tensor(), 0.0, true);
  CHECK(out2.narrow(1, 0, 3).allclose(out.narrow(1, 0, 3)));
}

TEST_CASE("dropout: deterministic per generator, scaled by 1/(1-p), off in eval mode") {
  Tensor q = leaf({2, 6, 4}, 9), k = leaf({2, 6, 4}, 10), v = leaf({2, 6, 4}, 11);
  Generator g1(42), g2(42);
  auto [o1, w1] = F::scaled_dot_product_attention_with_weights(q, k, v, Tensor(), 0.5, false, std::nullopt, &g1);
  auto [o2, w2] = F::scaled_dot_product_attention_with_weights(q, k, v, Tensor(), 0.5, false, std::nullopt, &g2);
  CHECK(o1.equal(o2));
  auto [o0, w0] = F::scaled_dot_product_attention_with_weights(q, k, v);
  // Kept weights are the plain ones doubled; some are dropped.
  Tensor kept = w1.ne(Scalar(0.0));
  CHECK(where(kept, w1 - w0 * 2.0, Scalar(0.0)).abs().max().item<double>() < 1e-12);
  int64_t dropped = (!kept).sum().item<int64_t>();
  CHECK(dropped > 10);
  CHECK(dropped < 62);
  CHECK(F::scaled_dot_product_attention(q, k, v, Tensor(), 1.0).abs().sum().item<double>() == 0.0);

  nn::MultiheadAttention mha(4, 2, {.dropout = 0.5, .batch_first = true});
  mha.to(DType::Float64);
  mha.eval();
  Tensor a = mha.forward(q, q, q).first, b = mha.forward(q, q, q).first;
  CHECK(a.equal(b));
  mha.train();
  Generator g3(1);
  mha.generator = &g3;
  CHECK(!mha.forward(q, q, q).first.allclose(a));
}

TEST_CASE("MultiheadAttention: bool masks mean 'do not attend'; is_causal without a mask is causal") {
  nn::MultiheadAttention mha(4, 2, {.batch_first = true});
  mha.to(DType::Float64);
  Tensor x = leaf({1, 3, 4}, 12);
  Tensor kpm = tensor(std::vector<bool>{false, true, false}, Shape{1, 3});
  auto w = mha.forward(x, x, x, kpm).second;
  CHECK(w.select(2, 1).abs().sum().item<double>() == 0.0);
  Tensor causal = ones({3, 3}, {.dtype = DType::Bool}).triu(1);
  auto [o1, w1] = mha.forward(x, x, x, Tensor(), true, causal);
  auto [o2, w2] = mha.forward(x, x, x, Tensor(), true, Tensor(), true, true);
  CHECK(o1.allclose(o2));
  CHECK(w1.allclose(w2));
  CHECK(!mha.forward(x, x, x, Tensor(), false).second.defined());
}

TEST_CASE("TransformerBlock: unbatched input, dropout per generator in training, none in eval") {
  nn::TransformerBlock block(8, 2, {.dropout = 0.3});
  block.to(DType::Float64);
  Tensor x = leaf({2, 5, 8}, 13).detach();
  block.eval();
  Tensor ref = block.forward(x);
  CHECK(block.forward(x.select(0, 1)).allclose(ref.select(0, 1), 1e-12, 1e-12));
  block.train();
  Generator g1(3), g2(3);
  block.set_generator(&g1);
  Tensor a = block.forward(x);
  block.set_generator(&g2);
  Tensor b = block.forward(x);
  CHECK(a.equal(b));
  CHECK(!a.allclose(ref));
  // The layout is HF's Conv1D: y = x @ W, W [in, out].
  CHECK(block.mlp->c_fc->weight.sizes() == Shape{8, 32});
  CHECK(block.mlp->c_proj->weight.sizes() == Shape{32, 8});
}

TEST_CASE("errors") {
  CHECK(error_of([] { nn::MultiheadAttention(10, 3); }).find("embed_dim (10) must be divisible by num_heads (3)") !=
        std::string::npos);
  CHECK(error_of([] { nn::MultiheadAttention(8, 2, {.kdim = 4}); }).find("kdim") != std::string::npos);
  CHECK(error_of([] { nn::TransformerBlock(10, 4); }).find("divisible") != std::string::npos);
  nn::MultiheadAttention mha(4, 2);
  Tensor x = randn({3, 2, 4});
  CHECK(error_of([&] { mha.forward(randn({3, 2, 5}), x, x); }).find("embedding size 4") != std::string::npos);
  CHECK(error_of([&] { mha.forward(x, x, x, Tensor(), true, ones({2, 2}, {.dtype = DType::Bool})); })
            .find("attn_mask must be [3, 3]") != std::string::npos);
  CHECK(error_of([&] { mha.forward(x, x, x, ones({3, 3}, {.dtype = DType::Bool})); }).find("key_padding_mask must be [2, 3]") !=
        std::string::npos);
  Tensor q = randn({2, 3, 4}), k = randn({2, 5, 4});
  CHECK(error_of([&] { F::scaled_dot_product_attention(q, randn({2, 5, 3}), k); }).find("same last dim") !=
        std::string::npos);
  CHECK(error_of([&] { F::scaled_dot_product_attention(q, k, randn({2, 4, 4})); }).find("sequence length") !=
        std::string::npos);
  CHECK(error_of([&] { F::scaled_dot_product_attention(q, k, k, ones({3, 5}, {.dtype = DType::Bool}), 0.0, true); })
            .find("not both") != std::string::npos);
  CHECK(error_of([&] { F::scaled_dot_product_attention(q, k, k, Tensor(), 1.5); }).find("dropout_p") !=
        std::string::npos);
  CHECK(error_of([&] { F::scaled_dot_product_attention(q, k, k, ones({4, 5})); }).find("does not broadcast") !=
        std::string::npos);
}

}  // TEST_SUITE
