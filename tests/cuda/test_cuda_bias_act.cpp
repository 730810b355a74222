// CUDA fused bias + activation against the CPU, forward and backward (grad of the input
// and of the bias): every activation and floating dtype, widths that do and do not take
// the 16-byte vector path, one row and many, 3-D inputs, a misaligned input, and the bias
// gradient identical from run to run. Expected values come from the same op on the CPU.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
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
namespace F = accmt::nn::functional;

namespace {

const std::vector<DType> kFloating = {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16};

using Fn = std::function<Tensor(const Tensor&, const Tensor&)>;
struct Act {
  const char* name;
  Fn f;
};
const Act kActs[] = {
    {"bias_gelu", [](const Tensor& x, const Tensor& b) { return F::bias_gelu(x, b); }},
    {"bias_gelu_tanh", [](const Tensor& x, const Tensor& b) { return F::bias_gelu(x, b, "tanh"); }},
    {"bias_silu", [](const Tensor& x, const Tensor& b) { return F::bias_silu(x, b); }},
    {"bias_relu", [](const Tensor& x, const Tensor& b) { return F::bias_relu(x, b); }},
};

// y and the gradients on the CPU and on cuda:0 from the same inputs. xg may be given (a
// device tensor with x's values, e.g. misaligned); otherwise x is copied to the device.
void check(const Act& a, const Tensor& x, const std::string& what, bool x_grad = true, bool b_grad = true,
           Tensor xg = Tensor()) {
  INFO(what);
  accmt::Generator gen(31);
  const DType dtype = x.dtype();
  const Tensor b = randn_cpu({x.size(-1)}, dtype, gen), up = randn_cpu(x.sizes(), dtype, gen);
  Tensor xc = x.clone();
  if (!xg.defined()) xg = x.to(kCuda);
  xg = xg.detach();
  Tensor bc = b.clone(), bg = b.to(kCuda);
  if (x_grad) {
    xc.requires_grad_();
    xg.requires_grad_();
  }
  if (b_grad) {
    bc.requires_grad_();
    bg.requires_grad_();
  }
  const Tensor yc = a.f(xc, bc), yg = a.f(xg, bg);
  same_as_cpu(yg, yc, what + " y");
  if (!x_grad && !b_grad) return;
  (yc * up).sum().backward();
  (yg * up.to(kCuda)).sum().backward();
  if (x_grad) same_as_cpu(xg.grad(), xc.grad(), what + " grad_x");
  if (b_grad) {
    // The bias gradient sums every row: allow for the longer sums in 16-bit outputs.
    const double rows = double(x.numel() / std::max<int64_t>(1, x.size(-1)));
    const double scale = std::max(1.0, std::sqrt(rows) / 4);
    same_as_cpu(bg.grad(), bc.grad(), what + " grad_b", accmt::test::cuda::rtol_for(dtype) * scale,
                accmt::test::cuda::atol_for(dtype) * scale);
  }
}

std::string describe(const Act& a, DType dtype, const Shape& shape, const std::string& extra = "") {
  return std::string(a.name) + " " + accmt::dtype_name(dtype) + " " + accmt::shape_str(shape) + " " + extra;
}

}  // namespace

TEST_SUITE("cuda.bias_act") {
  TEST_CASE("forward and backward over widths, rows, activations and dtypes") {
    accmt::Generator gen(301);
    for (int64_t n : {1, 7, 8, 33, 64, 1000, 3072, 4097}) {
      for (int64_t rows : {1, 9, 300}) {
        for (DType dtype : kFloating) {
          const Tensor x = randn_cpu({rows, n}, dtype, gen).mul(2.0);
          for (const Act& a : kActs) check(a, x, describe(a, dtype, {rows, n}));
        }
      }
    }
  }

  TEST_CASE("3-D inputs, zero rows, and only one of the gradients") {
    accmt::Generator gen(302);
    for (DType dtype : kFloating) {
      for (const Act& a : kActs) {
        const Tensor x3 = randn_cpu({3, 5, 24}, dtype, gen);
        check(a, x3, describe(a, dtype, {3, 5, 24}));
        check(a, randn_cpu({0, 16}, dtype, gen), describe(a, dtype, {0, 16}));
        check(a, x3, describe(a, dtype, {3, 5, 24}, "x.grad only"), true, false);
        check(a, x3, describe(a, dtype, {3, 5, 24}, "bias.grad only"), false, true);
        check(a, x3, describe(a, dtype, {3, 5, 24}, "no grad"), false, false);
      }
    }
  }

  TEST_CASE("a contiguous input one element off 16-byte alignment takes the scalar path") {
    accmt::Generator gen(303);
    for (DType dtype : kFloating) {
      const Tensor flat = randn_cpu({1 + 40 * 64}, dtype, gen);
      const Tensor x = flat.narrow(0, 1, 40 * 64).view({40, 64});
      const Tensor xg = flat.to(kCuda).narrow(0, 1, 40 * 64).view({40, 64});
      for (const Act& a : kActs) check(a, x.clone(), describe(a, dtype, {40, 64}, "misaligned"), true, true, xg);
    }
  }

  TEST_CASE("the bias gradient is identical from run to run") {
    accmt::Generator gen(304);
    for (DType dtype : {DType::Float32, DType::BFloat16}) {
      const Tensor x = randn_cpu({4096, 768}, dtype, gen).to(kCuda), b = randn_cpu({768}, dtype, gen).to(kCuda);
      const Tensor up = randn_cpu({4096, 768}, dtype, gen).to(kCuda);
      Tensor first;
      for (int run = 0; run < 3; ++run) {
        Tensor bg = b.detach().requires_grad_();
        (F::bias_gelu(x, bg, "tanh") * up).sum().backward();
        if (run == 0) first = bg.grad().cpu();
        else CHECK_MESSAGE(bg.grad().cpu().equal(first), accmt::dtype_name(dtype) << " run " << run);
      }
    }
  }
}
