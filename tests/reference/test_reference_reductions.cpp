// Reductions, softmax and log_softmax against PyTorch fixtures (make_fixtures.py family
// "reductions"). Each entry repeats the PyTorch expression of the case with the same name.
#include <doctest/doctest.h>

#include <cmath>

#include "tensor/tensor.hpp"
#include "tests/support/reference_runner.hpp"

#define OP ACCMT_REF_OP
#define OPS ACCMT_REF_OPS

using namespace accmt;
using accmt::test::RefCase;

namespace {

constexpr double kInf = INFINITY;

std::vector<RefCase> reduction_cases() {
  return {
      {"sum_all", OP(x[0].sum())},
      {"sum_d1", OP(x[0].sum({1}))},
      {"sum_d02_keep", OP(x[0].sum({0, 2}, true))},
      {"sum_dm1_keep", OP(x[0].sum({-1}, true))},
      {"sum_d012", OP(x[0].sum({0, 1, 2}))},
      {"mean_all", OP(x[0].mean())},
      {"mean_d1", OP(x[0].mean({1}))},
      {"mean_d02_keep", OP(x[0].mean({0, 2}, true))},
      {"prod_all", OP(x[0].prod())},
      {"prod_d1_keep", OP(x[0].prod(1, true))},
      {"prod_zero", OP(x[0].prod())},
      {"prod_d1_zero", OP(x[0].prod(1))},
      {"max_all", OP(x[0].max())},
      {"min_all", OP(x[0].min())},
      {"max_d1", OPS(x[0].max(1))},
      {"min_d2_keep", OPS(x[0].min(2, true))},
      {"amax_d02_keep", OP(x[0].amax({0, 2}, true))},
      {"amin_d1", OP(x[0].amin({1}))},
      {"amax_ties", OP(x[0].amax({1}))},
      {"amin_ties", OP(x[0].amin({1}))},
      {"max_all_ties", OP(x[0].max())},
      {"argmax_ties", OP(x[0].argmax(1))},
      {"argmin_ties", OP(x[0].argmin(1))},
      {"max_d1_ties", OPS(x[0].max(1))},
      {"argmax_all", OP(x[0].argmax())},
      {"argmax_d1", OP(x[0].argmax(1))},
      {"argmax_d2_keep", OP(x[0].argmax(2, true))},
      {"argmin_all", OP(x[0].argmin())},
      {"argmin_d0", OP(x[0].argmin(0))},
      {"var_all", OP(x[0].var())},
      {"var_all_c0", OP(x[0].var({}, 0))},
      {"var_d1_c0", OP(x[0].var({1}, 0))},
      {"var_d02_keep", OP(x[0].var({0, 2}, 1, true))},
      {"std_all", OP(x[0].std())},
      {"std_d1_c0_keep", OP(x[0].std({1}, 0, true))},
      {"std_d02", OP(x[0].std({0, 2}))},
      {"norm2_all", OP(x[0].norm())},
      {"norm1_all", OP(x[0].norm(1))},
      {"norminf_all", OP(x[0].norm(kInf))},
      {"norm2_d1", OP(x[0].norm(2, {1}))},
      {"norm1_d02_keep", OP(x[0].norm(1, {0, 2}, true))},
      {"norminf_d2", OP(x[0].norm(kInf, {2}))},
      {"norm3_d1", OP(x[0].norm(3, {1}))},
      {"logsumexp_d1", OP(x[0].logsumexp({1}))},
      {"logsumexp_d02_keep", OP(x[0].logsumexp({0, 2}, true))},
      {"logsumexp_large", OP(x[0].logsumexp({1}))},
      {"any_all", OP(x[0].any())},
      {"any_d1", OP(x[0].any(1))},
      {"all_all", OP(x[0].all())},
      {"all_d0_keep", OP(x[0].all(0, true))},
      {"any_float", OP(x[0].any(1))},
      {"all_float", OP(x[0].all())},
      {"sum_all_f32", OP(x[0].sum())},
      {"sum_d0_f32", OP(x[0].sum({0}))},
      {"mean_d1_f32", OP(x[0].mean({1}))},
      {"var_d1_f32", OP(x[0].var({1})), accmt::test::Tol{1e-4, 1e-5}},  // mean 100: float32 cancellation
      {"norm2_all_f32", OP(x[0].norm())},
      {"logsumexp_d1_f32", OP(x[0].logsumexp({1}))},
      {"sum_dtype_f64", OP(x[0].sum(DType::Float64))},
      {"softmax_d1", OP(x[0].softmax(1))},
      {"softmax_dm1", OP(x[0].softmax(-1))},
      {"log_softmax_d0", OP(x[0].log_softmax(0))},
      {"log_softmax_dm1", OP(x[0].log_softmax(-1))},
      {"softmax_noncontig", OP(x[0].transpose(0, 2).softmax(1))},
      {"softmax_large_f32", OP(x[0].softmax(1))},
      {"log_softmax_large_f32", OP(x[0].log_softmax(1))},
  };
}

}  // namespace

TEST_SUITE("reference.reductions") {
  TEST_CASE("reductions, softmax and log_softmax match PyTorch") {
    accmt::test::run_reference_cases("reductions.safetensors", reduction_cases());
  }
}
