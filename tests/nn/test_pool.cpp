// Pooling layers and functions: printing, return_indices, NaN propagation, unbatched
// inputs, float64 gradchecks (first and second order) and the error cases.
#include <cmath>
#include <functional>
#include <limits>

#include "nn/pooling.hpp"
#include "tests/nn/conv_test_helpers.hpp"

using namespace accmt;
using convtest::leaf;
namespace F = accmt::nn::functional;

TEST_SUITE("nn.pool") {
  TEST_CASE("printing like PyTorch") {
    CHECK(nn::MaxPool2d(2).str() == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
    CHECK(nn::MaxPool2d({3, 2}, {.stride = 1, .padding = 1, .ceil_mode = true}).str() ==
          "MaxPool2d(kernel_size=(3, 2), stride=1, padding=1, dilation=1, ceil_mode=True)");
    CHECK(nn::AvgPool2d(3, {.stride = 2, .padding = 1}).str() == "AvgPool2d(kernel_size=3, stride=2, padding=1)");
    CHECK(nn::AdaptiveAvgPool2d({5, 7}).str() == "AdaptiveAvgPool2d(output_size=(5, 7))");
    CHECK(nn::AdaptiveAvgPool2d(1).str() == "AdaptiveAvgPool2d(output_size=1)");
    CHECK(nn::MaxPool2d(2).parameters().empty());
  }

  TEST_CASE("bfloat16 and float16 pooling: computed in float32, rounded once; gradients too") {
    for (DType dt : {DType::BFloat16, DType::Float16}) {
      CAPTURE(dt);
      const Tensor x = leaf({2, 3, 9, 8}, 4).detach().to(dt).requires_grad_();
      const Tensor xf = x.detach().to(DType::Float32).requires_grad_();
      const std::vector<std::function<Tensor(const Tensor&)>> pools = {
          [](const Tensor& t) { return F::max_pool2d(t, 3, {.stride = 2, .padding = 1}); },
          [](const Tensor& t) { return F::avg_pool2d(t, 3, {.stride = 2, .padding = 1}); },
          [](const Tensor& t) { return F::adaptive_avg_pool2d(t, {4, 3}); }};
      for (const auto& pool : pools) {
        const Tensor y = pool(x), yf = pool(xf);
        CHECK(y.dtype() == dt);
        CHECK(y.detach().equal(yf.detach().to(dt)));
        const Tensor gy = leaf(y.sizes(), 5).detach().to(dt);
        x.set_grad(Tensor());
        xf.set_grad(Tensor());
        y.backward(gy);
        yf.backward(gy.to(DType::Float32));
        CHECK(x.grad().dtype() == dt);
        CHECK(x.grad().equal(xf.grad().to(dt)));
      }
    }
  }

  TEST_CASE("modules forward; stride defaults to the kernel size") {
    Tensor x = leaf({2, 3, 8, 7}, 1);
    CHECK(nn::MaxPool2d(2).forward(x).sizes() == Shape{2, 3, 4, 3});
    CHECK(nn::MaxPool2d(2, {.ceil_mode = true}).forward(x).sizes() == Shape{2, 3, 4, 4});
    CHECK(nn::AvgPool2d({2, 3}).forward(x).sizes() == Shape{2, 3, 4, 2});
    CHECK(nn::AdaptiveAvgPool2d({3, 5}).forward(x).sizes() == Shape{2, 3, 3, 5});
    // Unbatched [C, H, W] input.
    CHECK(nn::MaxPool2d(2).forward(x[1]).allclose(nn::MaxPool2d(2).forward(x)[1]));
    CHECK(F::avg_pool2d(x[0], 3, {.padding = 1}).allclose(F::avg_pool2d(x, 3, {.padding = 1})[0]));
    // Global average pooling equals the mean.
    CHECK(F::adaptive_avg_pool2d(x, 1).flatten(1).allclose(x.mean({2, 3})));
  }

  TEST_CASE("return_indices: forward_with_indices gives values and flat plane indices") {
    Tensor x = tensor({1.0, 5.0, 2.0, 0.0, 3.0, 4.0, 9.0, 8.0, 7.0, 6.0, 1.0, 2.0, 0.5, 0.25, 3.0, 3.0}).view({1, 1, 4, 4});
    nn::MaxPool2d pool(2, {.return_indices = true});
    auto [y, idx] = pool.forward_with_indices(x);
    CHECK(y.flatten().to_vector<float>() == std::vector<float>{5, 9, 7, 3});
    CHECK(idx.dtype() == DType::Int64);
    CHECK(idx.flatten().to_vector<int64_t>() == std::vector<int64_t>{1, 6, 8, 14});  // ties keep the first
    CHECK_ERROR_CONTAINS(pool.forward(x), "call forward_with_indices()");
  }

  TEST_CASE("max pooling propagates NaN") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Tensor x = tensor({1.0, nan, 2.0, 3.0}, {.dtype = DType::Float64}).view({1, 1, 2, 2});
    auto [y, idx] = F::max_pool2d_with_indices(x, 2);
    CHECK(std::isnan(y.item<double>()));
    CHECK(idx.item<int64_t>() == 1);
  }

  TEST_CASE("float64 gradchecks") {
    SUBCASE("max_pool2d: padding, dilation, ceil_mode") {
      CHECK(convtest::gradcheck(
          [](const std::vector<Tensor>& in) {
            return F::max_pool2d(in[0], {3, 2}, {.stride = {2, 1}, .padding = 1, .dilation = {1, 2}, .ceil_mode = true});
          },
          {leaf({2, 2, 7, 6}, 10)}));
    }
    SUBCASE("avg_pool2d: count_include_pad off, ceil_mode") {
      CHECK(convtest::gradcheck(
          [](const std::vector<Tensor>& in) {
            return F::avg_pool2d(in[0], 3, {.stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false});
          },
          {leaf({1, 2, 6, 7}, 11)}));
    }
    SUBCASE("avg_pool2d: divisor_override") {
      CHECK(convtest::gradcheck(
          [](const std::vector<Tensor>& in) { return F::avg_pool2d(in[0], {2, 3}, {.stride = 1, .divisor_override = 4}); },
          {leaf({1, 2, 4, 5}, 12)}));
    }
    SUBCASE("adaptive_avg_pool2d: sizes that do not divide") {
      CHECK(convtest::gradcheck([](const std::vector<Tensor>& in) { return F::adaptive_avg_pool2d(in[0], {3, 4}); },
                                {leaf({2, 2, 7, 5}, 13)}));
    }
  }

  TEST_CASE("second-order gradchecks") {
    Tensor probe = leaf({1, 2, 3, 3}, 20).detach();
    auto through = [probe](auto pool) {
      return [probe, pool](const std::vector<Tensor>& in) { return (pool(in[0] * in[0]) * probe).sum(); };
    };
    Tensor x = leaf({1, 2, 5, 5}, 21);
    CHECK(convtest::gradgradcheck(through([](const Tensor& t) { return F::max_pool2d(t, 3, {.stride = 2, .padding = 1}); }),
                                  {x}));
    CHECK(convtest::gradgradcheck(through([](const Tensor& t) { return F::avg_pool2d(t, 3, {.stride = 2, .padding = 1}); }),
                                  {x}));
    CHECK(convtest::gradgradcheck(through([](const Tensor& t) { return F::adaptive_avg_pool2d(t, 3); }), {x}));
  }

  TEST_CASE("errors") {
    Tensor x = leaf({1, 2, 5, 5}, 30);
    CHECK_ERROR_CONTAINS(F::max_pool2d(x, 3, {.padding = 2}), "padding should be at most half of the kernel size");
    CHECK_ERROR_CONTAINS(F::avg_pool2d(x, 2, {.padding = 2}), "padding should be at most half of the kernel size");
    CHECK_ERROR_CONTAINS(F::max_pool2d(x, 6), "is too small for kernel_size (6, 6)");
    CHECK_ERROR_CONTAINS(F::max_pool2d(x, 3, {.dilation = 3}), "is too small");
    CHECK_ERROR_CONTAINS(F::max_pool2d(x, 0), "kernel_size must be positive");
    CHECK_ERROR_CONTAINS(F::avg_pool2d(x, 2, {.stride = {1, 0}}), "stride must be positive");
    CHECK_ERROR_CONTAINS(F::avg_pool2d(x, 2, {.divisor_override = -1}), "divisor_override must be positive");
    CHECK_ERROR_CONTAINS(F::adaptive_avg_pool2d(x, {2, 0}), "output_size must be positive");
    CHECK_ERROR_CONTAINS(F::max_pool2d(x[0][0], 2), "expected a 3-D (unbatched) or 4-D (batched) input, got [5, 5]");
    CHECK_ERROR_CONTAINS(F::max_pool2d(x.to(DType::Int32), 2), "float32 or float64");
    CHECK_ERROR_CONTAINS(nn::MaxPool2d(0), "kernel_size must be positive");
    CHECK_ERROR_CONTAINS(nn::AvgPool2d(2, {.divisor_override = -2}), "divisor_override must be positive");
    CHECK_ERROR_CONTAINS(nn::AdaptiveAvgPool2d(0), "output_size must be positive");
  }
}
