// max_pool2d (values, indices, gradient), avg_pool2d and adaptive_avg_pool2d against
// PyTorch fixtures (conv_pool2d.safetensors, made by tests/reference/make_conv_fixtures.py).
#include <doctest/doctest.h>

#include "nn/functional/conv.hpp"
#include "tests/support/reference_runner.hpp"

#define OP ACCMT_REF_OP
#define OPS ACCMT_REF_OPS

using namespace accmt;
using accmt::test::RefCase;
namespace F = accmt::nn::functional;

TEST_SUITE("nn.pool_reference") {
  TEST_CASE("pooling matches PyTorch") {
    std::vector<RefCase> cases = {
        {"max_k2", OPS(F::max_pool2d_with_indices(x[0], 2))},
        {"max_k3s2p1", OPS(F::max_pool2d_with_indices(x[0], 3, {.stride = 2, .padding = 1}))},
        {"max_ceil", OPS(F::max_pool2d_with_indices(x[0], 2, {.stride = 2, .ceil_mode = true}))},
        {"max_ceil_pad", OPS(F::max_pool2d_with_indices(x[0], 3, {.stride = 2, .padding = 1, .ceil_mode = true}))},
        {"max_dilation", OPS(F::max_pool2d_with_indices(x[0], {3, 2}, {.stride = {1, 2}, .dilation = 2}))},
        {"max_rect", OPS(F::max_pool2d_with_indices(x[0], {2, 3}, {.stride = {1, 2}, .padding = {1, 1}}))},
        {"avg_k2", OP(F::avg_pool2d(x[0], 2))},
        {"avg_k3s2p1", OP(F::avg_pool2d(x[0], 3, {.stride = 2, .padding = 1}))},
        {"avg_k3s2p1_nopad", OP(F::avg_pool2d(x[0], 3, {.stride = 2, .padding = 1, .count_include_pad = false}))},
        {"avg_ceil_nopad",
         OP(F::avg_pool2d(x[0], 3, {.stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false}))},
        {"avg_ceil_pad", OP(F::avg_pool2d(x[0], 3, {.stride = 2, .padding = 1, .ceil_mode = true}))},
        {"avg_divisor", OP(F::avg_pool2d(x[0], 3, {.stride = 2, .padding = 1, .divisor_override = 5}))},
        {"avg_rect", OP(F::avg_pool2d(x[0], {2, 3}, {.stride = {1, 2}, .padding = {1, 1}}))},
        {"adaptive_7to3", OP(F::adaptive_avg_pool2d(x[0], 3))},
        {"adaptive_10x9to4x5", OP(F::adaptive_avg_pool2d(x[0], {4, 5}))},
        {"adaptive_5to7", OP(F::adaptive_avg_pool2d(x[0], 7))},
        {"adaptive_6to1", OP(F::adaptive_avg_pool2d(x[0], 1))},
        {"adaptive_8to4", OP(F::adaptive_avg_pool2d(x[0], 4))},
    };
    test::run_reference_cases("conv_pool2d.safetensors", cases);
  }
}
