// Convolution layers and functions: module parameters, default init, printing, float64
// gradchecks (first and second order), and the error cases.
#include <cmath>

#include "nn/conv.hpp"
#include "tests/nn/conv_test_helpers.hpp"

using namespace accmt;
using convtest::leaf;
namespace F = accmt::nn::functional;

namespace {
// Relative to the largest reference magnitude (float32 sums of thousands of terms).
bool test_close(const Tensor& a, const Tensor& b, double rtol) {
  const double scale = b.abs().max().item<double>();
  const double err = (a - b).abs().max().item<double>();
  if (err > rtol * scale) MESSAGE("max error " << err << " vs scale " << scale);
  return a.sizes() == b.sizes() && err <= rtol * scale;
}
}  // namespace

TEST_SUITE("nn.conv") {
  TEST_CASE("Conv2d parameters, names and shapes") {
    nn::Conv2d conv(4, 6, {3, 2}, {.groups = 2});
    auto named = conv.named_parameters();
    REQUIRE(named.size() == 2);
    CHECK(named[0].first == "weight");
    CHECK(named[1].first == "bias");
    CHECK(conv.weight.sizes() == Shape{6, 2, 3, 2});
    CHECK(conv.bias.sizes() == Shape{6});
    CHECK(conv.weight.requires_grad());
    nn::Conv2d nobias(3, 5, 3, {.bias = false});
    CHECK(nobias.parameters().size() == 1);
    CHECK_FALSE(nobias.bias.defined());
    CHECK(nobias.weight.sizes() == Shape{5, 3, 3, 3});
    nn::Conv1d c1(4, 8, 5, {.groups = 4});
    CHECK(c1.weight.sizes() == Shape{8, 1, 5});
    nn::ConvTranspose2d ct(6, 4, 3, {.groups = 2});
    CHECK(ct.weight.sizes() == Shape{6, 2, 3, 3});
    CHECK(ct.bias.sizes() == Shape{4});
    nn::Conv2d f64(2, 3, 3, {.dtype = DType::Float64});
    CHECK(f64.weight.dtype() == DType::Float64);
  }

  TEST_CASE("default init is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) from the given generator") {
    Generator g1(7), g2(7), g3(8);
    nn::Conv2d a(8, 16, 3, {.generator = &g1}), b(8, 16, 3, {.generator = &g2}), c(8, 16, 3, {.generator = &g3});
    CHECK(a.weight.equal(b.weight));
    CHECK(a.bias.equal(b.bias));
    CHECK_FALSE(a.weight.equal(c.weight));
    const double bound = 1.0 / std::sqrt(8.0 * 9.0);
    for (const Tensor& t : {a.weight, a.bias}) {
      CHECK(t.abs().max().item<double>() <= bound);
      CHECK(t.abs().max().item<double>() > 0.5 * bound);
    }
    // The weight fills its range (1152 draws): max near +bound, min near -bound, mean near 0.
    CHECK(a.weight.max().item<double>() > 0.95 * bound);
    CHECK(a.weight.min().item<double>() < -0.95 * bound);
    CHECK(std::abs(a.weight.mean().item<double>()) < 0.1 * bound);
    // Transposed: fan_in = weight.size(1) * kernel area = (out / groups) * kh * kw.
    Generator g4(3);
    nn::ConvTranspose2d t(4, 6, 2, {.groups = 2, .generator = &g4});
    const double tb = 1.0 / std::sqrt(3.0 * 4.0);
    CHECK(t.weight.abs().max().item<double>() <= tb);
    CHECK(t.weight.abs().max().item<double>() > 0.7 * tb);
    // Conv1d: fan_in = in / groups * k.
    Generator g5(4);
    nn::Conv1d c1(6, 4, 5, {.generator = &g5});
    CHECK(c1.weight.abs().max().item<double>() <= 1.0 / std::sqrt(30.0));
  }

  TEST_CASE("printing like PyTorch") {
    CHECK(nn::Conv2d(1, 32, 3, {.padding = 1}).str() == "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))");
    CHECK(nn::Conv2d(4, 8, {3, 5}, {.stride = 2, .dilation = {1, 2}, .groups = 4, .bias = false}).str() ==
          "Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 2), dilation=(1, 2), groups=4, bias=False)");
    CHECK(nn::Conv2d(2, 2, 4, {.padding = "same"}).str() ==
          "Conv2d(2, 2, kernel_size=(4, 4), stride=(1, 1), padding=same)");
    CHECK(nn::Conv1d(3, 6, 5, {.stride = 2, .padding = 2}).str() ==
          "Conv1d(3, 6, kernel_size=(5,), stride=(2,), padding=(2,))");
    CHECK(nn::ConvTranspose2d(16, 8, 3, {.stride = 2, .padding = 1, .output_padding = 1}).str() ==
          "ConvTranspose2d(16, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))");
  }

  TEST_CASE("modules forward through the functional ops") {
    Generator gen(11);
    nn::Conv2d conv(3, 4, 3, {.stride = 2, .padding = "valid", .dtype = DType::Float64, .generator = &gen});
    Tensor x = leaf({2, 3, 9, 8}, 1);
    Tensor y = conv.forward(x);
    CHECK(y.sizes() == Shape{2, 4, 4, 3});
    CHECK(y.equal(F::conv2d(x, conv.weight, conv.bias, {.stride = 2})));
    // Unbatched input gives an unbatched output.
    CHECK(conv.forward(x[0]).allclose(y[0]));
    nn::Conv1d c1(3, 2, 3, {.padding = "same", .dtype = DType::Float64, .generator = &gen});
    CHECK(c1.forward(leaf({2, 3, 7}, 2)).sizes() == Shape{2, 2, 7});
    nn::ConvTranspose2d ct(4, 3, 3, {.stride = 2, .padding = 1, .output_padding = 1, .dtype = DType::Float64,
                                     .generator = &gen});
    CHECK(ct.forward(y).sizes() == Shape{2, 3, 8, 6});
    // Backward reaches every parameter.
    ct.forward(conv.forward(x)).sum().backward();
    for (const Tensor& p : {conv.weight, conv.bias, ct.weight, ct.bias}) CHECK(p.grad().defined());
  }

  TEST_CASE("ConvTranspose2d forward with output_size picks the output padding like PyTorch") {
    Generator gen(21);
    // k 3, stride 2, padding 1 on 5 x 4: heights 9..10, widths 7..8.
    nn::ConvTranspose2d ct(3, 2, 3, {.stride = 2, .padding = 1, .dtype = DType::Float64, .generator = &gen});
    const Tensor x = leaf({2, 3, 5, 4}, 6);
    auto with_padding = [&](int64_t h, int64_t w) {
      return F::conv_transpose2d(x, ct.weight, ct.bias, {.stride = 2, .padding = 1, .output_padding = {h, w}});
    };
    CHECK(ct.forward(x, {9, 7}).equal(with_padding(0, 0)));
    CHECK(ct.forward(x, {10, 7}).equal(with_padding(1, 0)));
    CHECK(ct.forward(x, {2, 2, 10, 8}).equal(with_padding(1, 1)));  // batch and channels may be given
    CHECK(ct.forward(x, {10, 8}).sizes() == Shape{2, 2, 10, 8});
    CHECK_ERROR_CONTAINS(ct.forward(x, {11, 7}), "valid sizes for height range from 9 to 10");
    CHECK_ERROR_CONTAINS(ct.forward(x, {9, 6}), "valid sizes for width range from 7 to 8");
    CHECK_ERROR_CONTAINS(ct.forward(x, {9}), "output_size must have 2 numbers");
  }

  TEST_CASE("bfloat16 and float16 convolutions: the float32 result rounded once, gradients too") {
    for (DType dt : {DType::BFloat16, DType::Float16}) {
      CAPTURE(dt);
      const Tensor x = leaf({2, 4, 7, 6}, 8).detach().to(dt).requires_grad_();
      const Tensor w = leaf({6, 2, 3, 3}, 9).detach().to(dt).requires_grad_();
      const Tensor b = leaf({6}, 10).detach().to(dt).requires_grad_();
      const F::Conv2dFuncOptions opts{.stride = {2, 1}, .padding = 1, .groups = 2};
      const Tensor y = F::conv2d(x, w, b, opts);
      CHECK(y.dtype() == dt);
      // The same values through float32, rounded at the end.
      const Tensor xf = x.detach().to(DType::Float32).requires_grad_(), wf = w.detach().to(DType::Float32).requires_grad_(),
                   bf = b.detach().to(DType::Float32).requires_grad_();
      const Tensor yf = F::conv2d(xf, wf, bf, opts);
      CHECK(y.detach().equal(yf.detach().to(dt)));
      const Tensor gy = leaf(y.sizes(), 11).detach();
      y.backward(gy.to(dt));
      yf.backward(gy.to(dt).to(DType::Float32));
      CHECK(x.grad().dtype() == dt);
      CHECK(x.grad().equal(xf.grad().to(dt)));
      CHECK(w.grad().equal(wf.grad().to(dt)));
      CHECK(b.grad().to(DType::Float32).allclose(bf.grad(), 1e-2, 1e-2));
      // Transposed convolutions share the kernels.
      CHECK(F::conv_transpose2d(y.detach(), w.detach(), {}, {.stride = {2, 1}, .padding = 1, .groups = 2})
                .equal(F::conv_transpose2d(y.detach().to(DType::Float32), w.detach().to(DType::Float32), {},
                                           {.stride = {2, 1}, .padding = 1, .groups = 2})
                           .to(dt)));
    }
  }

  TEST_CASE("conv_transpose2d is the adjoint of conv2d") {
    // <conv2d(x, w), y> == <x, conv_transpose2d(y, w)> for matching arguments.
    Tensor x = leaf({2, 4, 9, 8}, 3), w = leaf({6, 2, 3, 2}, 4);
    Tensor y = F::conv2d(x, w, {}, {.stride = {2, 1}, .padding = {1, 0}, .dilation = {1, 2}, .groups = 2});
    Tensor v = leaf(y.sizes(), 5);
    Tensor xt = F::conv_transpose2d(v, w, {}, {.stride = {2, 1}, .padding = {1, 0}, .groups = 2, .dilation = {1, 2}});
    REQUIRE(xt.sizes() == x.sizes());
    CHECK((y * v).sum().item<double>() == doctest::Approx((x * xt).sum().item<double>()).epsilon(1e-12));
  }

  TEST_CASE("float64 gradchecks") {
    SUBCASE("conv2d: stride, padding, dilation, groups, bias") {
      CHECK(convtest::gradcheck(
          [](const std::vector<Tensor>& in) {
            return F::conv2d(in[0], in[1], in[2], {.stride = {2, 1}, .padding = {1, 2}, .dilation = {1, 2}, .groups = 2});
          },
          {leaf({1, 4, 6, 5}, 10), leaf({4, 2, 3, 2}, 11), leaf({4}, 12)}));
    }
    SUBCASE("conv2d: same padding with an even kernel, depthwise") {
      CHECK(convtest::gradcheck(
          [](const std::vector<Tensor>& in) { return F::conv2d(in[0], in[1], in[2], {.padding = "same", .groups = 3}); },
          {leaf({1, 3, 5, 4}, 13), leaf({3, 1, 2, 3}, 14), leaf({3}, 15)}));
    }
    SUBCASE("conv2d: 1x1 kernel") {
      CHECK(convtest::gradcheck([](const std::vector<Tensor>& in) { return F::conv2d(in[0], in[1]); },
                                {leaf({2, 3, 3, 4}, 16), leaf({2, 3, 1, 1}, 17)}));
    }
    SUBCASE("conv1d") {
      CHECK(convtest::gradcheck(
          [](const std::vector<Tensor>& in) {
            return F::conv1d(in[0], in[1], in[2], {.stride = 2, .padding = 1, .dilation = 2});
          },
          {leaf({2, 2, 9}, 18), leaf({3, 2, 3}, 19), leaf({3}, 20)}));
    }
    SUBCASE("conv_transpose2d: stride, output_padding, groups, dilation, bias") {
      CHECK(convtest::gradcheck(
          [](const std::vector<Tensor>& in) {
            return F::conv_transpose2d(in[0], in[1], in[2],
                                       {.stride = 2, .padding = {1, 0}, .output_padding = {1, 0}, .groups = 2,
                                        .dilation = {1, 2}});
          },
          {leaf({1, 4, 3, 3}, 21), leaf({4, 1, 3, 2}, 22), leaf({2}, 23)}));
    }
  }

  TEST_CASE("second-order gradchecks (create_graph through the conv backward ops)") {
    Tensor probe = leaf({1, 4, 3, 3}, 30).detach();
    auto f = [probe](const std::vector<Tensor>& in) {
      return (F::conv2d(in[0], in[1], in[2], {.stride = 2, .padding = 1, .groups = 2}).tanh() * probe).sum();
    };
    std::vector<Tensor> in = {leaf({1, 4, 4, 5}, 31), leaf({4, 2, 2, 3}, 32), leaf({4}, 33)};
    CHECK(convtest::gradgradcheck(f, in));  // d/dx, then differentiated in x, w and b
    std::vector<Tensor> in_w_first = {in[1], in[0], in[2]};
    CHECK(convtest::gradgradcheck(
        [f](const std::vector<Tensor>& v) { return f({v[1], v[0], v[2]}); }, in_w_first));  // d/dw first
    Tensor probe_t = leaf({1, 2, 5, 5}, 34).detach();
    CHECK(convtest::gradgradcheck(
        [probe_t](const std::vector<Tensor>& v) {
          return (F::conv_transpose2d(v[0], v[1], {}, {.stride = 2, .output_padding = 1}).square() * probe_t).sum();
        },
        {leaf({1, 2, 2, 2}, 35), leaf({2, 2, 2, 2}, 36)}));
  }

  TEST_CASE("large inputs: batch chunking and accumulated weight gradients match a direct convolution") {
    // Per-sample column matrices of 16 * 9 * 64 * 64 floats (2.4 MB) make the front-end
    // process the batch in several chunks and accumulate the weight gradient GEMMs in
    // place; the reference sums one matmul per kernel tap over shifted slices of the
    // zero-padded input, with its own autograd.
    for (int64_t groups : {1, 2}) {
      CAPTURE(groups);
      Generator gen(50 + groups);
      const int64_t N = 3, C = 16, O = 8, H = 64, W = 64, Cg = C / groups, Og = O / groups;
      Tensor x = randn({N, C, H, W}, {}, &gen).requires_grad_();
      Tensor w = randn({O, Cg, 3, 3}, {}, &gen).requires_grad_();
      Tensor b = randn({O}, {}, &gen).requires_grad_();
      Tensor gy = randn({N, O, H, W}, {}, &gen);
      Tensor y = F::conv2d(x, w, b, {.padding = 1, .groups = groups});
      auto ours = autograd::grad({y}, {x, w, b}, {gy});

      Tensor xr = x.detach().requires_grad_(), wr = w.detach().requires_grad_(), br = b.detach().requires_grad_();
      std::vector<Tensor> group_outs;
      Tensor padded = cat({zeros({N, C, 1, W}), xr, zeros({N, C, 1, W})}, 2);
      padded = cat({zeros({N, C, H + 2, 1}), padded, zeros({N, C, H + 2, 1})}, 3);
      for (int64_t g = 0; g < groups; ++g) {
        Tensor acc;
        for (int64_t i = 0; i < 3; ++i) {
          for (int64_t j = 0; j < 3; ++j) {
            Tensor xs = padded.narrow(1, g * Cg, Cg).narrow(2, i, H).narrow(3, j, W);  // [N, Cg, H, W]
            Tensor wt = wr.narrow(0, g * Og, Og).select(3, j).select(2, i);            // [Og, Cg]
            Tensor term = xs.permute({0, 2, 3, 1}).matmul(wt.t());                    // [N, H, W, Og]
            acc = acc.defined() ? acc + term : term;
          }
        }
        group_outs.push_back(acc.permute({0, 3, 1, 2}));
      }
      Tensor yr = cat(group_outs, 1) + br.view({1, O, 1, 1});
      auto ref = autograd::grad({yr}, {xr, wr, br}, {gy});
      CHECK(test_close(y, yr, 1e-4));
      CHECK(test_close(ours[0], ref[0], 1e-4));
      CHECK(test_close(ours[1], ref[1], 1e-4));
      CHECK(test_close(ours[2], ref[2], 1e-4));
    }
  }

  TEST_CASE("errors name the op, the shapes and what was expected") {
    Tensor x = leaf({2, 3, 8, 8}, 40), w = leaf({4, 3, 3, 3}, 41);
    CHECK_ERROR_CONTAINS(F::conv2d(x, leaf({4, 2, 3, 3}, 42)), "to have 2 channels, but got 3 channels");
    CHECK_ERROR_CONTAINS(F::conv2d(leaf({2, 4, 8, 8}, 43), leaf({3, 2, 3, 3}, 44), {}, {.groups = 2}),
                         "must be divisible by groups=2");
    CHECK_ERROR_CONTAINS(F::conv2d(x, w, {}, {.groups = 0}), "groups must be positive");
    CHECK_ERROR_CONTAINS(F::conv2d(leaf({1, 3, 2, 8}, 45), w), "smaller than the dilated kernel (3 x 3)");
    CHECK_ERROR_CONTAINS(F::conv2d(leaf({1, 3, 4, 8}, 45), w, {}, {.dilation = 2}), "padded input size per channel (4 x 8)");
    CHECK_NOTHROW(F::conv2d(leaf({1, 3, 1, 1}, 46), w, {}, {.padding = 1}));  // padding makes room
    CHECK_ERROR_CONTAINS(F::conv2d(x, w, {}, {.padding = "full"}), "invalid padding string 'full'");
    CHECK_ERROR_CONTAINS(F::conv2d(x, w, {}, {.stride = 2, .padding = "same"}), "not supported for strided");
    CHECK_ERROR_CONTAINS(F::conv2d(x, w, {}, {.padding = -1}), "padding must be non-negative");
    CHECK_ERROR_CONTAINS(F::conv2d(x, w, {}, {.stride = 0}), "stride must be positive");
    CHECK_ERROR_CONTAINS(F::conv2d(x, w, leaf({3}, 47)), "expected bias of shape [4]");
    CHECK_ERROR_CONTAINS(F::conv2d(x, w.to(DType::Float32)), "must have the same dtype");
    CHECK_ERROR_CONTAINS(F::conv2d(x.to(DType::Int64), w.to(DType::Int64)), "float32 or float64");
    CHECK_ERROR_CONTAINS(F::conv2d(x.unsqueeze(0), w), "expected a 3-D (unbatched) or 4-D (batched) input");
    CHECK_ERROR_CONTAINS(F::conv1d(leaf({2, 3, 8}, 48), w), "expected a 3-D weight");
    CHECK_ERROR_CONTAINS(F::conv_transpose2d(x, leaf({4, 2, 3, 3}, 49)), "to have 4 channels, but got 3");
    CHECK_ERROR_CONTAINS(F::conv_transpose2d(x, leaf({3, 2, 3, 3}, 50), {}, {.stride = 2, .output_padding = 2}),
                         "output_padding (2, 2) must be smaller than either stride");
    CHECK_ERROR_CONTAINS(nn::Conv2d(3, 4, 3, {.groups = 2}), "in_channels (3) must be divisible by groups (2)");
    CHECK_ERROR_CONTAINS(nn::Conv2d(4, 6, 3, {.groups = 4}), "out_channels (6) must be divisible by groups (4)");
    CHECK_ERROR_CONTAINS(nn::Conv2d(3, 4, 3, {.padding_mode = "reflect"}), "padding_mode 'reflect' is not available");
    CHECK_ERROR_CONTAINS(nn::Conv1d(3, 4, 3, {.padding_mode = "circular"}), "only 'zeros' padding is supported");
    CHECK_ERROR_CONTAINS(nn::Conv2d(3, 4, 3, {.padding_mode = "mirror"}), "padding_mode must be one of");
    CHECK_ERROR_CONTAINS(nn::Conv2d(3, 4, 3, {.padding = "half"}), "invalid padding string 'half'");
    CHECK_ERROR_CONTAINS(nn::Conv2d(3, 4, 3, {.stride = 2, .padding = "same"}), "not supported for strided");
    CHECK_ERROR_CONTAINS(nn::Conv2d(3, 4, 0), "kernel_size must be positive");
    CHECK_ERROR_CONTAINS(nn::ConvTranspose2d(3, 4, 3, {.groups = 2}), "must be divisible by groups");
  }
}
