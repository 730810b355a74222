// conv1d, conv2d and conv_transpose2d against PyTorch fixtures (values and gradients of
// input, weight and bias); made by tests/reference/make_conv_fixtures.py. Each entry
// repeats the case's arguments.
#include <doctest/doctest.h>

#include "nn/functional/conv.hpp"
#include "tests/support/reference_runner.hpp"

#define OP ACCMT_REF_OP

using namespace accmt;
using accmt::test::RefCase;
namespace F = accmt::nn::functional;

namespace {
Tensor bias_of(const test::Ins& x) { return x.size() > 2 ? x[2] : Tensor(); }
}  // namespace

TEST_SUITE("nn.conv_reference") {
  TEST_CASE("conv2d matches PyTorch") {
    std::vector<RefCase> cases = {
        {"basic", OP(F::conv2d(x[0], x[1], bias_of(x)))},
        {"stride2_pad1", OP(F::conv2d(x[0], x[1], bias_of(x), {.stride = 2, .padding = 1}))},
        {"rect", OP(F::conv2d(x[0], x[1], bias_of(x), {.stride = {2, 1}, .padding = {1, 0}, .dilation = {1, 2}}))},
        {"dilation2", OP(F::conv2d(x[0], x[1], bias_of(x), {.padding = 2, .dilation = 2}))},
        {"groups2", OP(F::conv2d(x[0], x[1], bias_of(x), {.padding = 1, .groups = 2}))},
        {"depthwise", OP(F::conv2d(x[0], x[1], bias_of(x), {.stride = 2, .padding = 1, .groups = 4}))},
        {"same_even", OP(F::conv2d(x[0], x[1], bias_of(x), {.padding = "same", .dilation = {1, 2}}))},
        {"same_odd", OP(F::conv2d(x[0], x[1], bias_of(x), {.padding = "same"}))},
        {"valid_nobias", OP(F::conv2d(x[0], x[1], bias_of(x), {.padding = "valid"}))},
        {"pointwise_nobias", OP(F::conv2d(x[0], x[1], bias_of(x)))},
        {"pointwise_stride2", OP(F::conv2d(x[0], x[1], bias_of(x), {.stride = 2}))},
        {"stride_gt_kernel", OP(F::conv2d(x[0], x[1], bias_of(x), {.stride = 3}))},
        {"unbatched", OP(F::conv2d(x[0], x[1], bias_of(x), {.padding = 1}))},
        {"f32", OP(F::conv2d(x[0], x[1], bias_of(x), {.padding = 1})), test::Tol{1e-5, 1e-5}},
    };
    test::run_reference_cases("conv2d.safetensors", cases);
  }

  TEST_CASE("conv1d matches PyTorch") {
    std::vector<RefCase> cases = {
        {"stride2_pad1", OP(F::conv1d(x[0], x[1], bias_of(x), {.stride = 2, .padding = 1}))},
        {"groups_dilation", OP(F::conv1d(x[0], x[1], bias_of(x), {.dilation = 2, .groups = 2}))},
        {"same_even", OP(F::conv1d(x[0], x[1], bias_of(x), {.padding = "same"}))},
    };
    test::run_reference_cases("conv1d.safetensors", cases);
  }

  TEST_CASE("conv_transpose2d matches PyTorch") {
    std::vector<RefCase> cases = {
        {"stride2_outpad", OP(F::conv_transpose2d(x[0], x[1], bias_of(x),
                                                  {.stride = 2, .padding = 1, .output_padding = 1}))},
        {"groups_rect", OP(F::conv_transpose2d(x[0], x[1], bias_of(x),
                                               {.stride = {2, 1}, .padding = {0, 1}, .groups = 2, .dilation = {1, 2}}))},
        {"nobias", OP(F::conv_transpose2d(x[0], x[1], bias_of(x)))},
        {"outpad_dilation", OP(F::conv_transpose2d(x[0], x[1], bias_of(x), {.output_padding = 1, .dilation = 2}))},
    };
    test::run_reference_cases("conv_transpose2d.safetensors", cases);
  }
}
