// CUDA convolution, pooling and fused optimizer steps against the CPU, through the nn
// layers and optimizers: Conv2d (groups, stride, padding, dilation) and ConvTranspose2d
// forward and backward (im2col/col2im around cuBLAS), max pooling (ties, NaN) with its
// indices, average and adaptive pooling forward and backward, and 20 steps of SGD and
// Adam/AdamW following the CPU trajectory. Every expected value comes from the CPU.
#include <doctest/doctest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <accmt/accmt.hpp>
#include "tests/cuda/parity.hpp"

using accmt::DType;
using accmt::Shape;
using accmt::Tensor;
using accmt::test::cuda::kCuda;
using accmt::test::cuda::randn_cpu;
using accmt::test::cuda::same_as_cpu;

namespace {

// Runs `module` forward and backward on the CPU, then moves it to cuda:0 and does the
// same: output, input gradient and every parameter gradient must agree.
void check_module(accmt::nn::Module& module, const Tensor& x, accmt::Generator& gen, const std::string& what,
                  double rtol = -1, double atol = -1) {
  Tensor xc = x.clone().requires_grad_();
  const Tensor yc = module.forward(xc);
  const Tensor gy = randn_cpu(yc.sizes(), x.dtype(), gen);
  yc.backward(gy);
  std::vector<Tensor> grads_cpu;
  for (const Tensor& p : module.parameters()) grads_cpu.push_back(p.grad().clone());
  module.zero_grad();
  module.to(kCuda);
  Tensor xg = x.to(kCuda).requires_grad_();
  const Tensor yg = module.forward(xg);
  yg.backward(gy.to(kCuda));
  same_as_cpu(yg, yc, what + ": forward", rtol, atol);
  same_as_cpu(xg.grad(), xc.grad(), what + ": input gradient", rtol, atol);
  const std::vector<Tensor> params = module.parameters();
  REQUIRE(params.size() == grads_cpu.size());
  for (size_t i = 0; i < params.size(); ++i)
    same_as_cpu(params[i].grad(), grads_cpu[i], what + ": gradient of parameter " + std::to_string(i), rtol, atol);
}

// Integer-valued floats, so pooling windows see ties (the first position must win), and a
// few NaNs (each must win its windows). A fixed pattern: the cases never change.
Tensor with_ties_and_nan(const Shape& shape, DType dtype) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t h = (uint64_t(i) * 2654435761u) % 1000003u;
    v[size_t(i)] = h % 41 == 7 ? std::numeric_limits<double>::quiet_NaN() : double(h % 9) - 4.0;
  }
  return accmt::tensor(v, shape, accmt::TensorOptions{.dtype = DType::Float64}).to(dtype);
}

struct ConvCase {
  int64_t in, out, kh, kw, stride, pad, dilation, groups, h, w;
};

}  // namespace

namespace {

// Parameters of awkward sizes (a vector tail, a single element) on both devices.
struct ParamPair {
  std::vector<Tensor> cpu, cuda;
};

ParamPair make_params(DType dtype, accmt::Generator& gen) {
  ParamPair p;
  for (const Shape& s : {Shape{257}, Shape{33, 7}, Shape{1}, Shape{4, 64}}) {
    Tensor c = randn_cpu(s, dtype, gen).requires_grad_();
    p.cuda.push_back(c.detach().to(kCuda).requires_grad_());
    p.cpu.push_back(c);
  }
  return p;
}

// 20 steps with the same random gradients on both devices; the parameters (and so the
// optimizer state they depend on) must follow the same trajectory.
template <class Make>
void check_trajectory(DType dtype, Make&& make_optimizer, const std::string& what) {
  accmt::Generator gen(31);
  ParamPair p = make_params(dtype, gen);
  auto opt_cpu = make_optimizer(p.cpu);
  auto opt_cuda = make_optimizer(p.cuda);
  const double rtol = dtype == DType::Float64 ? 1e-10 : 1e-5, atol = dtype == DType::Float64 ? 1e-12 : 1e-5;
  for (int step = 0; step < 20; ++step) {
    for (size_t i = 0; i < p.cpu.size(); ++i) {
      const Tensor g = randn_cpu(p.cpu[i].sizes(), dtype, gen);
      p.cpu[i].set_grad(g);
      p.cuda[i].set_grad(g.to(kCuda));
    }
    opt_cpu->step();
    opt_cuda->step();
  }
  for (size_t i = 0; i < p.cpu.size(); ++i)
    same_as_cpu(p.cuda[i].detach(), p.cpu[i].detach(), what + ": parameter " + std::to_string(i), rtol, atol);
}

}  // namespace

TEST_SUITE("cuda.conv_optim") {
  TEST_CASE("Conv2d forward and backward match the CPU (groups, stride, padding, dilation)") {
    accmt::Generator gen(21);
    const std::vector<ConvCase> cases = {
        {3, 8, 3, 3, 1, 1, 1, 1, 9, 11},  {4, 6, 3, 2, 2, 1, 1, 2, 10, 7}, {6, 6, 3, 3, 1, 2, 2, 3, 12, 12},
        {2, 5, 1, 1, 1, 0, 1, 1, 7, 5},   {4, 8, 5, 5, 3, 2, 1, 4, 13, 9}, {1, 1, 7, 7, 1, 0, 1, 1, 7, 7},
        {3, 4, 2, 2, 2, 0, 1, 1, 33, 33}};
    for (DType dtype : {DType::Float32, DType::Float64}) {
      for (const ConvCase& c : cases) {
        CAPTURE(dtype);
        CAPTURE(c.kh);
        CAPTURE(c.stride);
        CAPTURE(c.groups);
        accmt::nn::Conv2d conv(c.in, c.out, accmt::nn::Int2(c.kh, c.kw),
                               {.stride = c.stride, .padding = c.pad, .dilation = c.dilation, .groups = c.groups,
                                .dtype = dtype, .generator = &gen});
        const Tensor x = randn_cpu({3, c.in, c.h, c.w}, dtype, gen);
        check_module(conv, x, gen, "conv2d", dtype == DType::Float32 ? 1e-4 : -1,
                     dtype == DType::Float32 ? 1e-4 : -1);
      }
    }
  }

  TEST_CASE("bfloat16 and float16 Conv2d and pooling match the CPU's float32-rounded results") {
    // cuDNN runs 16-bit convolutions natively (float accumulation); the CPU computes in
    // float32 and rounds once: they agree to about one 16-bit rounding.
    accmt::Generator gen(25);
    for (DType dtype : {DType::BFloat16, DType::Float16}) {
      CAPTURE(dtype);
      accmt::nn::Conv2d conv(4, 6, accmt::nn::Int2(3, 3),
                             {.stride = 2, .padding = 1, .groups = 2, .dtype = dtype, .generator = &gen});
      check_module(conv, randn_cpu({3, 4, 11, 9}, dtype, gen), gen, "16-bit conv2d", 2e-2, 2e-2);
      accmt::nn::MaxPool2d max_pool(3, {.stride = 2, .padding = 1});
      check_module(max_pool, randn_cpu({2, 3, 9, 8}, dtype, gen), gen, "16-bit max_pool2d", 1e-2, 1e-2);
      accmt::nn::AvgPool2d avg_pool(3, {.stride = 2, .padding = 1});
      check_module(avg_pool, randn_cpu({2, 3, 9, 8}, dtype, gen), gen, "16-bit avg_pool2d", 1e-2, 1e-2);
    }
  }

  TEST_CASE("ConvTranspose2d forward and backward match the CPU") {
    accmt::Generator gen(22);
    for (DType dtype : {DType::Float32, DType::Float64}) {
      CAPTURE(dtype);
      accmt::nn::ConvTranspose2d up(4, 6, accmt::nn::Int2(3, 3),
                                    {.stride = 2, .padding = 1, .output_padding = 1, .groups = 2, .dilation = 1,
                                     .dtype = dtype, .generator = &gen});
      check_module(up, randn_cpu({2, 4, 7, 9}, dtype, gen), gen, "conv_transpose2d",
                   dtype == DType::Float32 ? 1e-4 : -1, dtype == DType::Float32 ? 1e-4 : -1);
      accmt::nn::ConvTranspose2d dil(3, 2, accmt::nn::Int2(2, 3),
                                     {.stride = 1, .padding = 0, .output_padding = 0, .groups = 1, .dilation = 2,
                                      .dtype = dtype, .generator = &gen});
      check_module(dil, randn_cpu({2, 3, 5, 6}, dtype, gen), gen, "conv_transpose2d dilated",
                   dtype == DType::Float32 ? 1e-4 : -1, dtype == DType::Float32 ? 1e-4 : -1);
    }
  }

  TEST_CASE("max pooling matches the CPU: values, indices (first tie, NaN wins) and gradients") {
    accmt::Generator gen(23);
    for (DType dtype : {DType::Float32, DType::Float64}) {
      CAPTURE(dtype);
      const Tensor x = with_ties_and_nan({2, 3, 11, 13}, dtype);
      for (const accmt::nn::MaxPool2dOptions& o :
           {accmt::nn::MaxPool2dOptions{}, accmt::nn::MaxPool2dOptions{.stride = 1},
            accmt::nn::MaxPool2dOptions{.stride = 2, .padding = 1, .dilation = 2},
            accmt::nn::MaxPool2dOptions{.stride = accmt::nn::Int2(2, 1), .padding = 1, .ceil_mode = true}}) {
        accmt::nn::MaxPool2d pool(3, o);
        const auto [vc, ic] = pool.forward_with_indices(x);
        const auto [vg, ig] = pool.forward_with_indices(x.to(kCuda));
        same_as_cpu(vg, vc, "max_pool2d values", 0, 0);
        same_as_cpu(ig, ic, "max_pool2d indices", 0, 0);
        // Overlapping windows send several gradients to one pixel: summed in the CPU's order.
        check_module(pool, x, gen, "max_pool2d");
      }
    }
  }

  TEST_CASE("average pooling matches the CPU forward and backward") {
    accmt::Generator gen(24);
    for (DType dtype : {DType::Float32, DType::Float64}) {
      CAPTURE(dtype);
      const Tensor x = randn_cpu({2, 3, 10, 13}, dtype, gen);
      for (const accmt::nn::AvgPool2dOptions& o :
           {accmt::nn::AvgPool2dOptions{}, accmt::nn::AvgPool2dOptions{.stride = 1, .padding = 1},
            accmt::nn::AvgPool2dOptions{.stride = 2, .padding = 1, .count_include_pad = false},
            accmt::nn::AvgPool2dOptions{.stride = 2, .padding = 1, .ceil_mode = true},
            accmt::nn::AvgPool2dOptions{.stride = accmt::nn::Int2(1, 2), .padding = 1, .divisor_override = 5}}) {
        accmt::nn::AvgPool2d pool(3, o);
        check_module(pool, x, gen, "avg_pool2d");
      }
    }
  }

  TEST_CASE("adaptive average pooling matches the CPU forward and backward") {
    accmt::Generator gen(25);
    for (DType dtype : {DType::Float32, DType::Float64}) {
      CAPTURE(dtype);
      const Tensor x = randn_cpu({2, 3, 7, 11}, dtype, gen);
      for (const accmt::nn::Int2& size : {accmt::nn::Int2(1, 1), accmt::nn::Int2(3, 5), accmt::nn::Int2(7, 11),
                                           accmt::nn::Int2(9, 4), accmt::nn::Int2(2, 13)}) {
        accmt::nn::AdaptiveAvgPool2d pool(size);
        check_module(pool, x, gen, "adaptive_avg_pool2d " + size.str());
      }
    }
  }

  TEST_CASE("SGD follows the CPU trajectory (momentum, dampening, nesterov, weight decay, maximize)") {
    const std::vector<accmt::optim::SGDOptions> configs = {
        {.lr = 0.05},
        {.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01},
        {.lr = 0.02, .momentum = 0.9, .weight_decay = 0.001, .nesterov = true},
        {.lr = 0.01, .weight_decay = 0.1, .maximize = true},
        {.lr = 0.01, .momentum = 0.5, .maximize = true}};
    for (DType dtype : {DType::Float32, DType::Float64}) {
      for (size_t c = 0; c < configs.size(); ++c) {
        CAPTURE(dtype);
        CAPTURE(c);
        check_trajectory(
            dtype,
            [&](std::vector<Tensor>& params) {
              return std::make_unique<accmt::optim::SGD>(params, configs[c]);
            },
            "sgd config " + std::to_string(c));
      }
    }
  }

  TEST_CASE("Adam and AdamW follow the CPU trajectory (amsgrad, maximize, weight decay)") {
    const std::vector<accmt::optim::AdamOptions> adam = {
        {.lr = 1e-2},
        {.lr = 1e-2, .weight_decay = 0.01, .amsgrad = true},
        {.lr = 1e-2, .betas = {0.8, 0.99}, .eps = 1e-6, .maximize = true},
        {.lr = 1e-2, .weight_decay = 0.05, .amsgrad = true, .maximize = true}};
    const std::vector<accmt::optim::AdamWOptions> adamw = {
        {.lr = 1e-2},
        {.lr = 1e-2, .weight_decay = 0.1, .amsgrad = true},
        {.lr = 1e-2, .weight_decay = 0.05, .amsgrad = true, .maximize = true}};
    for (DType dtype : {DType::Float32, DType::Float64}) {
      for (size_t c = 0; c < adam.size(); ++c) {
        CAPTURE(dtype);
        CAPTURE(c);
        check_trajectory(
            dtype,
            [&](std::vector<Tensor>& params) { return std::make_unique<accmt::optim::Adam>(params, adam[c]); },
            "adam config " + std::to_string(c));
      }
      for (size_t c = 0; c < adamw.size(); ++c) {
        CAPTURE(dtype);
        CAPTURE(c);
        check_trajectory(
            dtype,
            [&](std::vector<Tensor>& params) { return std::make_unique<accmt::optim::AdamW>(params, adamw[c]); },
            "adamw config " + std::to_string(c));
      }
    }
  }
}
