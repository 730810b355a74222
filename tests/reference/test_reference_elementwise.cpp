// Elementwise ops, comparisons and type promotion against PyTorch fixtures
// (tests/reference/make_fixtures.py: families unary, binary, compare, dtypes). Each entry
// repeats the PyTorch expression of the case with the same name.
#include <doctest/doctest.h>

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

using UnaryFn = Outs (*)(const Ins&);

// Each of these has a float64 grad case "<name>" and a float32 value case "<name>_f32".
const std::vector<std::pair<const char*, UnaryFn>> kUnary = {
    {"neg", OP(x[0].neg())},          {"abs", OP(x[0].abs())},
    {"exp", OP(x[0].exp())},          {"expm1", OP(x[0].expm1())},
    {"log", OP(x[0].log())},          {"log1p", OP(x[0].log1p())},
    {"log2", OP(x[0].log2())},        {"log10", OP(x[0].log10())},
    {"exp2", OP(x[0].exp2())},        {"sqrt", OP(x[0].sqrt())},
    {"rsqrt", OP(x[0].rsqrt())},      {"sin", OP(x[0].sin())},
    {"cos", OP(x[0].cos())},          {"tan", OP(x[0].tan())},
    {"asin", OP(x[0].asin())},        {"acos", OP(x[0].acos())},
    {"atan", OP(x[0].atan())},        {"sinh", OP(x[0].sinh())},
    {"cosh", OP(x[0].cosh())},        {"tanh", OP(x[0].tanh())},
    {"sigmoid", OP(x[0].sigmoid())},  {"relu", OP(x[0].relu())},
    {"gelu", OP(x[0].gelu())},        {"gelu_tanh", OP(x[0].gelu("tanh"))},
    {"silu", OP(x[0].silu())},        {"softplus", OP(x[0].softplus())},
    {"sign", OP(x[0].sign())},        {"reciprocal", OP(x[0].reciprocal())},
    {"square", OP(x[0].square())},    {"erf", OP(x[0].erf())},
    {"floor", OP(x[0].floor())},      {"ceil", OP(x[0].ceil())},
    {"round", OP(x[0].round())},      {"trunc", OP(x[0].trunc())},
    {"pow_2", OP(x[0].pow(2))},       {"pow_3", OP(x[0].pow(3))},
    {"pow_2_5", OP(x[0].pow(2.5))},   {"pow_m1_5", OP(x[0].pow(-1.5))},
    {"pow_0_5", OP(x[0].pow(0.5))},   {"clamp", OP(x[0].clamp(-0.5, 0.5))},
    {"clamp_min", OP(x[0].clamp_min(0.2))}, {"clamp_max", OP(x[0].clamp_max(-0.1))},
};

std::vector<RefCase> unary_cases() {
  std::vector<RefCase> cases;
  for (const auto& [name, fn] : kUnary) {
    cases.push_back({name, fn});
    cases.push_back({std::string(name) + "_f32", fn});
  }
  std::vector<RefCase> more = {
      {"pow_tensor", OP(x[0].pow(x[1]))},
      {"pow_scalar_base", OP(accmt::pow(Scalar(2.0), x[0]))},
      {"logical_not", OP(x[0].logical_not())},
      {"logical_not_bool", OP(x[0].logical_not())},
      {"round_half_even", OP(x[0].round())},
      {"softplus_wide", OP(x[0].softplus())},
      {"sigmoid_wide", OP(x[0].sigmoid())},
      {"gelu_wide", OP(x[0].gelu(), x[0].gelu("tanh"))},
      {"tanh_wide", OP(x[0].tanh())},
      {"log_special", OP(x[0].log())},
      {"sqrt_special", OP(x[0].sqrt())},
      {"exp_special", OP(x[0].exp())},
      {"reciprocal_special", OP(x[0].reciprocal())},
      {"sign_special", OP(x[0].sign())},
      {"relu_special", OP(x[0].relu())},
  };
  cases.insert(cases.end(), more.begin(), more.end());
  return cases;
}

std::vector<RefCase> binary_cases() {
  // Ops with float64 grad cases "<name>" and float32 value cases "<name>_f32".
  const std::vector<std::pair<const char*, UnaryFn>> with_f32 = {
      {"add", OP(x[0].add(x[1]))},         {"sub", OP(x[0].sub(x[1]))},
      {"mul", OP(x[0].mul(x[1]))},         {"div", OP(x[0].div(x[1]))},
      {"maximum", OP(x[0].maximum(x[1]))}, {"minimum", OP(x[0].minimum(x[1]))},
      {"remainder", OP(x[0].remainder(x[1]))}, {"atan2", OP(x[0].atan2(x[1]))},
  };
  std::vector<RefCase> cases;
  for (const auto& [name, fn] : with_f32) {
    cases.push_back({name, fn});
    cases.push_back({std::string(name) + "_f32", fn});
  }
  std::vector<RefCase> more = {
      {"add_alpha", OP(x[0].add(x[1], 2.5))},
      {"sub_alpha", OP(x[0].sub(x[1], 0.5))},
      {"add_same", OP(x[0] + x[1])},
      {"mul_row", OP(x[0] * x[1])},
      {"mul_outer", OP(x[0] * x[1])},
      {"mul_0d", OP(x[0] * x[1])},
      {"div_0d_first", OP(x[0] / x[1])},
      {"mul_noncontig", OP(x[0].t() * x[1])},
      {"sub_expanded", OP(x[0].expand({3, 4}) - x[1])},
      {"floor_divide", OP(x[0].floor_divide(x[1]))},
      {"floor_divide_f32", OP(x[0].floor_divide(x[1]))},
      {"remainder_int", OP(x[0].remainder(x[1]))},
      {"floor_divide_int", OP(x[0].floor_divide(x[1]))},
      {"remainder_neg_f64", OP(x[0].remainder(x[1]))},
      {"add_scalar", OP(x[0] + 2.5)},
      {"sub_scalar", OP(x[0] - 1.25)},
      {"rsub_scalar", OP(3.0 - x[0])},
      {"mul_scalar", OP(x[0] * -1.5)},
      {"div_scalar", OP(x[0] / 4.0)},
      {"rdiv_scalar", OP(2.0 / x[0])},
      {"neg_operator", OP(-x[0])},
      {"add_scalar_f32", OP(x[0] + 2.5)},
  };
  cases.insert(cases.end(), more.begin(), more.end());
  return cases;
}

std::vector<RefCase> compare_cases() {
  return {
      {"eq", OP(x[0].eq(x[1]))},
      {"ne", OP(x[0].ne(x[1]))},
      {"lt", OP(x[0].lt(x[1]))},
      {"le", OP(x[0].le(x[1]))},
      {"gt", OP(x[0].gt(x[1]))},
      {"ge", OP(x[0].ge(x[1]))},
      {"eq_scalar", OP(x[0] == 1)},
      {"ne_scalar", OP(x[0].ne(0))},
      {"lt_scalar", OP(x[0] < 0.5)},
      {"le_scalar", OP(x[0] <= -1)},
      {"gt_scalar", OP(x[0] > 0)},
      {"ge_scalar", OP(x[0] >= 1.5)},
      {"lt_mixed", OP(x[0] < x[1])},
      {"eq_int", OP(x[0] == x[1])},
      {"gt_f32", OP(x[0] > x[1])},
      {"logical_and", OP(x[0].logical_and(x[1]))},
      {"logical_or", OP(x[0].logical_or(x[1]))},
      {"logical_xor", OP(x[0].logical_xor(x[1]))},
      {"logical_and_float", OP(x[0].logical_and(x[1]))},
      {"logical_or_float", OP(x[0].logical_or(x[1]))},
      {"logical_xor_float", OP(x[0].logical_xor(x[1]))},
      {"where", OP(accmt::where(x[0], x[1], x[2]))},
      {"where_scalar_b", OP(accmt::where(x[0], x[1], 0.5))},
      {"where_scalar_a", OP(accmt::where(x[0], -1.0, x[1]))},
      {"where_f32", OP(accmt::where(x[0], x[1], x[2]))},
      {"masked_fill", OP(x[0].masked_fill(x[1], -2.5))},
      {"masked_fill_same", OP(x[0].masked_fill(x[1], 7.0))},
      {"masked_fill_int", OP(x[0].masked_fill(x[1], 9))},
  };
}

std::vector<RefCase> dtype_cases() {
  const Tol exact{0, 0};
  std::vector<RefCase> cases = {
      // type promotion: the runner checks the result dtype too
      {"i64_plus_f32", OP(x[0] + x[1])},
      {"i32_plus_f64_0d", OP(x[0] + x[1])},
      {"f32_plus_f64_0d", OP(x[0] + x[1])},
      {"i32_plus_i64_0d", OP(x[0] + x[1])},
      {"i32_plus_i64", OP(x[0] + x[1])},
      {"bool_plus_i64", OP(x[0] + x[1])},
      {"bool_plus_f32", OP(x[0] + x[1])},
      {"u8_mul_scalar", OP(x[0] * 3)},
      {"u8_mul_float_scalar", OP(x[0] * 2.5)},
      {"u8_plus_i32", OP(x[0] + x[1])},
      {"i64_plus_float_scalar", OP(x[0] + 2.5)},
      {"i64_div_i64", OP(x[0] / x[1])},
      {"f16_plus_f32", OP(x[0] + x[1])},
      {"bf16_plus_f16", OP(x[0] + x[1])},
      {"bf16_plus_float_scalar", OP(x[0] * 1.5)},
      {"f16_plus_i64", OP(x[0] + x[1])},
      {"cat_promote", OP(accmt::cat({x[0], x[1]}))},
      {"where_promote", OP(accmt::where(x[0], x[1], x[2]))},
      {"sum_i32", OP(x[0].sum())},
      {"sum_bool", OP(x[0].sum())},
      {"sum_u8_d0", OP(x[0].sum({0}))},
      {"prod_i64", OP(x[0].prod())},
      // integer arithmetic
      {"int_arith", OP(x[0] * x[1] + x[0] - x[1], -x[0], x[0].abs())},
      {"int32_arith", OP(x[0] * x[1], x[0] - x[1], x[0].maximum(x[1]))},
      {"int_max_argmax", OP(x[0].max(), x[0].argmax(1), x[0].amin({0}))},
      {"int_sort", OPS(x[0].sort(-1, false, true))},
      // conversions are exact
      {"to_f16", OP(x[0].to(DType::Float16)), exact},
      {"to_bf16", OP(x[0].to(DType::BFloat16)), exact},
      {"to_i64", OP(x[0].to(DType::Int64))},
      {"to_i32_from_f64", OP(x[0].to(DType::Int32))},
      {"to_bool", OP(x[0].to(DType::Bool))},
      {"to_f32_from_i64", OP(x[0].to(DType::Float32)), exact},
      {"to_u8_from_i64", OP(x[0].to(DType::UInt8))},
      {"bool_to_f32", OP(x[0].to(DType::Float32)), exact},
  };
  // 16-bit float values (default tolerance 1e-2)
  for (const char* t : {"f16", "bf16"}) {
    const std::string s = t;
    std::vector<RefCase> half = {
        {"add_" + s, OP(x[0] + x[1])},
        {"mul_" + s, OP(x[0] * x[1])},
        {"div_" + s, OP(x[0] / x[1])},
        {"exp_" + s, OP(x[0].exp())},
        {"tanh_" + s, OP(x[0].tanh())},
        {"sigmoid_" + s, OP(x[0].sigmoid())},
        {"gelu_" + s, OP(x[0].gelu())},
        {"sum_" + s, OP(x[0].sum({1}))},
        {"mean_" + s, OP(x[0].mean())},
        {"max_" + s, OP(x[0].amax({0}))},
        {"softmax_" + s, OP(x[0].softmax(-1))},
        {"matmul_" + s, OP(x[0].matmul(x[1]))},
    };
    cases.insert(cases.end(), half.begin(), half.end());
  }
  return cases;
}

}  // namespace

TEST_SUITE("reference.elementwise") {
  TEST_CASE("unary math matches PyTorch") { accmt::test::run_reference_cases("unary.safetensors", unary_cases()); }
  TEST_CASE("binary arithmetic with broadcasting matches PyTorch") {
    accmt::test::run_reference_cases("binary.safetensors", binary_cases());
  }
  TEST_CASE("comparisons, logical ops, where and masked_fill match PyTorch") {
    accmt::test::run_reference_cases("compare.safetensors", compare_cases());
  }
  TEST_CASE("type promotion, integer and 16-bit values match PyTorch") {
    accmt::test::run_reference_cases("dtypes.safetensors", dtype_cases());
  }
}
