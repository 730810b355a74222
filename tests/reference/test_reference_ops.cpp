// Matrix products, indexing, shape ops and views, creation functions and a tiny MLP
// against PyTorch fixtures (make_fixtures.py families linalg, indexing, shape, creation,
// mlp). Each entry repeats the PyTorch expression of the case with the same name.
#include <doctest/doctest.h>

#include <optional>

#include "tensor/tensor.hpp"
#include "tests/support/reference_runner.hpp"

#define OP ACCMT_REF_OP
#define OPS ACCMT_REF_OPS

using namespace accmt;
using accmt::test::Ins;
using accmt::test::Outs;
using accmt::test::RefCase;
using accmt::test::Tol;

namespace {

constexpr auto kNone = std::nullopt;  // an open slice bound

std::vector<RefCase> linalg_cases() {
  const Tol gemm32{1e-4, 1e-5};  // float32 dot products of length 20-33
  std::vector<RefCase> cases;
  for (const char* name : {"matmul_1d_1d", "matmul_1d_2d", "matmul_2d_1d", "matmul_2d_2d", "matmul_3d_2d", "matmul_2d_3d",
                           "matmul_3d_1d", "matmul_1d_3d", "matmul_bcast", "matmul_4d", "matmul_bcast_1"})
    cases.push_back({name, OP(x[0].matmul(x[1]))});
  std::vector<RefCase> more = {
      {"matmul_transposed", OP(x[0].t().matmul(x[1].t()))},
      {"mm", OP(x[0].mm(x[1]))},
      {"bmm", OP(x[0].bmm(x[1]))},
      {"addmm", OP(accmt::addmm(x[0], x[1], x[2], 0.5, 2.0))},
      {"addmm_full", OP(accmt::addmm(x[0], x[1], x[2]))},
      {"matmul_f32", OP(accmt::matmul(x[0], x[1])), gemm32},
      {"bmm_f32", OP(accmt::bmm(x[0], x[1])), gemm32},
      {"matmul_f32_noncontig", OP(x[0].t().matmul(x[1])), gemm32},
  };
  cases.insert(cases.end(), more.begin(), more.end());
  return cases;
}

std::vector<RefCase> indexing_cases() {
  return {
      {"gather_d0", OP(x[0].gather(0, x[1]))},
      {"gather_d1", OP(x[0].gather(1, x[1]))},
      {"gather_3d_dm1", OP(x[0].gather(-1, x[1]))},
      {"scatter_d1", OP(x[0].scatter(1, x[1], x[2]))},
      {"scatter_d0", OP(x[0].scatter(0, x[1], x[2]))},
      {"scatter_value", OP(x[0].scatter(1, x[1], -1.5))},
      {"scatter_add_d0", OP(x[0].scatter_add(0, x[1], x[2]))},
      {"scatter_add_d1", OP(x[0].scatter_add(1, x[1], x[2]))},
      {"index_select_d0", OP(x[0].index_select(0, x[1]))},
      {"index_select_d1", OP(x[0].index_select(1, x[1]))},
      {"index_add_d0", OP(x[0].index_add(0, x[1], x[2]))},
      {"index_add_d1_alpha", OP(x[0].index_add(1, x[1], x[2], 2.0))},
      {"embedding", OP(accmt::embedding(x[0], x[1]))},
      {"embedding_1d", OP(accmt::embedding(x[0], x[1]))},
      {"one_hot", OP(accmt::one_hot(x[0]))},
      {"one_hot_n", OP(accmt::one_hot(x[0], 6))},
      {"tril_0", OP(x[0].tril())},
      {"tril_m1", OP(x[0].tril(-1))},
      {"tril_p1", OP(x[0].tril(1))},
      {"triu_0", OP(x[0].triu())},
      {"triu_p2", OP(x[0].triu(2))},
      {"triu_m1", OP(x[0].triu(-1))},
      {"tril_batched_p1", OP(x[0].tril(1))},
      {"triu_tall_m2", OP(x[0].triu(-2))},
      {"triu_int", OP(x[0].triu())},
      {"topk_largest", OPS(x[0].topk(3))},
      {"topk_smallest", OPS(x[0].topk(2, -1, false))},
      {"topk_d0", OPS(x[0].topk(2, 0))},
      {"topk_f32", OPS(x[0].topk(5))},
      {"sort_asc", OPS(x[0].sort())},
      {"sort_desc_d0", OPS(x[0].sort(0, true))},
      {"sort_stable_ties", OPS(x[0].sort(-1, false, true))},
      {"sort_stable_desc_ties", OPS(x[0].sort(-1, true, true))},
      {"argsort_stable_ties", OP(x[0].argsort(-1, false, true))},
      {"argsort_desc_stable", OP(x[0].argsort(0, true, true))},
      {"sort_int", OPS(x[0].sort(-1, false, true))},
  };
}

Outs inplace_chain(const Ins& x) {
  Tensor y = x[0].clone();
  y.mul_(x[1]);
  y.add_(2.0);
  y.exp_();
  return {y};
}

Outs inplace_view(const Ins& x) {
  Tensor y = x[0] * 1.0;
  y.narrow(1, 0, 2).mul_(3.0);
  y.index({Slice{}, Slice{2, kNone}}).add_(x[1]);
  return {y.sin()};
}

Outs inplace_clamp_pow_sigmoid(const Ins& x) {
  Tensor y = x[0] + 0.0;
  y.clamp_(-0.8, 0.8);
  y.pow_(3);
  y.sigmoid_();
  return {y};
}

std::vector<RefCase> shape_cases() {
  return {
      {"cat_d0", OP(accmt::cat({x[0], x[1], x[2]}, 0))},
      {"cat_d1", OP(accmt::cat({x[0], x[1]}, 1))},
      {"cat_dm1_3d", OP(accmt::cat({x[0], x[1]}, -1))},
      {"cat_noncontig", OP(accmt::cat({x[0].t(), x[1]}, 0))},
      {"stack_d0", OP(accmt::stack({x[0], x[1], x[2]}))},
      {"stack_d1", OP(accmt::stack({x[0], x[1]}, 1))},
      {"stack_dm1", OP(accmt::stack({x[0], x[1]}, -1))},
      {"split_2_d1", OPS(x[0].split(2, 1))},
      {"split_sizes", OPS(x[0].split_with_sizes({1, 3, 1}, 1))},
      {"chunk_3_d0", OPS(x[0].chunk(3, 0))},
      {"chunk_4_d1", OPS(x[0].chunk(4, 1))},
      {"unbind_d1", OPS(x[0].unbind(1))},
      {"view_permute", OP(x[0].permute({2, 0, 1}).pow(2).sum({1}))},
      {"view_transpose", OP(x[0].transpose(0, 2).exp().sum({0}))},
      {"view_t", OP((x[0].t() * x[1]).sum({1}))},
      {"view_mT", OP(x[0].mT().sin().mean({0}))},
      {"view_slice_step", OP(x[0].index({Slice{}, Slice{1, kNone, 2}, Slice{kNone, kNone, 3}}).sin().sum({0}))},
      {"view_slice_range", OP(x[0].slice(0, 1, 3).slice(2, 2, kNone).square().sum({0, 2}))},
      {"view_select", OP(x[0].select(1, 2).square().mean())},
      {"view_select_neg", OP(x[0][-1].cos().sum({-1}))},
      {"view_narrow", OP(x[0].narrow(2, 1, 3).tanh().sum({2}))},
      {"view_expand", OP((x[0].expand({3, 4, 5}) * x[1]).sum({1}))},
      {"view_expand_m1", OP(x[0].expand({-1, 4, 5}).exp().sum())},
      {"view_expand_new_dims", OP(x[0].expand({2, 3, 4}).sin())},
      {"view_squeeze_unsqueeze", OP(x[0].squeeze(1).unsqueeze(0).square().sum({1}))},
      {"view_squeeze_all", OP(x[0].squeeze().exp())},
      {"view_flatten", OP(x[0].flatten(1).matmul(x[1]))},
      {"view_flatten_mid", OP(x[0].flatten(0, 1).pow(3).sum({0}))},
      {"view_unflatten", OP(x[0].flatten().unflatten(0, {6, 10}).sin().sum({1}))},
      {"view_view_m1", OP(x[0].view({-1, 5}).square().sum({0}))},
      {"view_reshape_copy", OP(x[0].transpose(0, 1).reshape({20, 3}).exp().sum({0}))},
      {"view_contiguous", OP(x[0].permute({1, 2, 0}).contiguous().view({4, 15}).sin().sum({1}))},
      {"view_index_tensor", OP(x[0].index({Slice{}, x[1]}).square().sum({-1}))},
      {"view_index_mixed", OP(x[0].index({int64_t{1}, Ellipsis, None, Slice{1, 3}}).exp())},
      {"view_chain",
       OP(x[0].transpose(1, 2).index({Slice{}, Slice{kNone, kNone, 2}}).unsqueeze(1).flatten(2).square().sum({-1}))},
      {"clone", OP(x[0].clone().square())},
      {"inplace_chain", inplace_chain},
      {"inplace_view", inplace_view},
      {"inplace_clamp_pow_sigmoid", inplace_clamp_pow_sigmoid},
      {"to_f32_f64", OP(x[0].to(DType::Float32).to(DType::Float64).square())},
  };
}

std::vector<RefCase> creation_cases() {
  return {
      {"arange_int", OP(accmt::arange(5))},
      {"arange_start_step", OP(accmt::arange(2, 11, 3))},
      {"arange_neg_step", OP(accmt::arange(5, -3, -2))},
      {"arange_float", OP(accmt::arange(0.0, 1.0, 0.1))},
      {"arange_f64", OP(accmt::arange(-1.0, 1.0, 0.25, TensorOptions{.dtype = DType::Float64}))},
      {"linspace", OP(accmt::linspace(-1.0, 1.0, 7))},
      {"linspace_f64", OP(accmt::linspace(0.0, 1.0, 11, {.dtype = DType::Float64}))},
      {"linspace_1", OP(accmt::linspace(3.0, 5.0, 1))},
      {"eye_3", OP(accmt::eye(3))},
      {"eye_2x4", OP(accmt::eye(2, 4))},
      {"full", OP(accmt::full({2, 3}, 1.5))},
      {"full_int", OP(accmt::full({2, 2}, 7, {.dtype = DType::Int64}))},
      {"zeros_like_ones_like", OP(accmt::zeros_like(x[0]), accmt::ones_like(x[0]))},
  };
}

// relu(x W1^T + b1) -> tanh -> addmm(b2, ., W2^T) -> NLL of log_softmax; and a GELU MSE net.
Outs mlp_nll(const Ins& x) {
  Tensor h = (x[0].matmul(x[1].t()) + x[2]).relu();
  Tensor logits = accmt::addmm(x[4], h.tanh(), x[3].t());
  return {-(logits.log_softmax(1).gather(1, x[5].unsqueeze(1))).mean()};
}

Outs mlp_mse(const Ins& x) {
  Tensor h = (x[0].matmul(x[1].t()) + x[2]).gelu();
  return {(h.matmul(x[3].t()) + x[4] - x[5]).pow(2).mean()};
}

}  // namespace

TEST_SUITE("reference.ops") {
  TEST_CASE("matmul, mm, bmm and addmm match PyTorch") { accmt::test::run_reference_cases("linalg.safetensors", linalg_cases()); }
  TEST_CASE("gather, scatter, index ops, tril/triu, topk and sort match PyTorch") {
    accmt::test::run_reference_cases("indexing.safetensors", indexing_cases());
  }
  TEST_CASE("cat, stack, split, views and in-place ops match PyTorch") {
    accmt::test::run_reference_cases("shape.safetensors", shape_cases());
  }
  TEST_CASE("creation functions match PyTorch") { accmt::test::run_reference_cases("creation.safetensors", creation_cases()); }
  TEST_CASE("a two-layer MLP forward and backward matches PyTorch") {
    accmt::test::run_reference_cases("mlp.safetensors", {{"mlp_nll", mlp_nll}, {"mlp_mse", mlp_mse}});
  }
}
