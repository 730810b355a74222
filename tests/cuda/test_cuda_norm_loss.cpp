// CUDA cross-entropy, LayerNorm and RMSNorm against the CPU, forward and backward: class
// indices and probability targets, class weights, ignore_index, label smoothing, every
// reduction; norms with and without weight and bias, short and long rows, every floating
// dtype; parameter gradients identical from run to run. Expected values always come from
// the same op on the CPU.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
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

std::string describe(const std::string& op, DType dtype, const Shape& shape, const std::string& extra) {
  return op + " " + accmt::dtype_name(dtype) + " " + accmt::shape_str(shape) + " " + extra;
}

// Class indices in [0, classes) with rows 3, 8, 13, ... set to ignore_index.
Tensor class_targets(int64_t rows, int64_t classes, int64_t ignore_index, accmt::Generator& gen) {
  Tensor t = accmt::randint(0, classes, {rows}, {.dtype = DType::Int64}, &gen);
  for (int64_t r = 3; r < rows; r += 5) t.select(0, r).fill_(ignore_index);
  return t;
}

// Rows of probabilities (a softmax of random logits), in dtype.
Tensor prob_targets(const Shape& shape, int64_t class_dim, DType dtype, accmt::Generator& gen) {
  return randn_cpu(shape, DType::Float64, gen).softmax(class_dim).to(dtype);
}

struct CeCase {
  bool weighted;
  int64_t ignore_index;
  double smoothing;
  std::string reduction;
};

std::vector<CeCase> ce_cases() {
  std::vector<CeCase> out;
  for (bool weighted : {false, true})
    for (double smoothing : {0.0, 0.15})
      for (const char* reduction : {"none", "sum", "mean"}) out.push_back({weighted, -100, smoothing, reduction});
  out.push_back({true, 2, 0.1, "mean"});   // a valid class as ignore_index
  out.push_back({false, 0, 0.0, "sum"});
  return out;
}

std::string ce_extra(const CeCase& c, bool prob) {
  return std::string(prob ? "prob targets" : "class targets") + (c.weighted ? " weighted" : "") +
         " ignore_index=" + std::to_string(c.ignore_index) + " smoothing=" + std::to_string(c.smoothing) +
         " reduction=" + c.reduction;
}

// Forward loss and logits gradient of cross_entropy on the CPU and on the device.
void check_cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight, const CeCase& c,
                         const std::string& what, double rtol = -1, double atol = -1) {
  INFO(what);
  Tensor xc = logits.clone().requires_grad_();
  Tensor xg = logits.to(kCuda).detach().requires_grad_();
  F::CrossEntropyOptions oc{.weight = weight, .ignore_index = c.ignore_index, .reduction = c.reduction,
                            .label_smoothing = c.smoothing};
  F::CrossEntropyOptions og = oc;
  if (weight.defined()) og.weight = weight.to(kCuda);
  const Tensor lc = F::cross_entropy(xc, target, oc);
  const Tensor lg = F::cross_entropy(xg, target.to(kCuda), og);
  same_as_cpu(lg, lc, what + " loss", rtol, atol);
  // A weighted sum of the per-row losses gives every row its own upstream gradient.
  if (c.reduction == "none") {
    accmt::Generator gen(7);
    const Tensor up = randn_cpu(lc.sizes(), lc.dtype(), gen);
    (lc * up).sum().backward();
    (lg * up.to(kCuda)).sum().backward();
  } else {
    lc.backward();
    lg.backward();
  }
  same_as_cpu(xg.grad(), xc.grad(), what + " grad", rtol, atol);
}

// Forward output and the gradients of x, weight and bias through layer_norm (rms = false)
// or rms_norm, on the CPU and on the device.
void check_norm(bool rms, const Tensor& x, const Shape& normalized, bool with_weight, bool with_bias, bool x_grad,
                const std::string& what) {
  INFO(what);
  accmt::Generator gen(17);
  const DType dtype = x.dtype();
  Tensor w, b;
  if (with_weight) w = randn_cpu(normalized, dtype, gen);
  if (with_bias) b = randn_cpu(normalized, dtype, gen);
  const Tensor up = randn_cpu(x.sizes(), dtype, gen);

  Tensor xc = x.clone(), xg = x.to(kCuda).detach();
  Tensor wc, wg, bc, bg;
  if (x_grad) {
    xc.requires_grad_();
    xg.requires_grad_();
  }
  if (with_weight) {
    wc = w.clone().requires_grad_();
    wg = w.to(kCuda).detach().requires_grad_();
  }
  if (with_bias) {
    bc = b.clone().requires_grad_();
    bg = b.to(kCuda).detach().requires_grad_();
  }
  const Tensor yc = rms ? F::rms_norm(xc, normalized, wc) : F::layer_norm(xc, normalized, wc, bc);
  const Tensor yg = rms ? F::rms_norm(xg, normalized, wg) : F::layer_norm(xg, normalized, wg, bg);
  same_as_cpu(yg, yc, what + " output");
  if (!x_grad && !with_weight && !with_bias) return;
  (yc * up).sum().backward();
  (yg * up.to(kCuda)).sum().backward();
  // Parameter gradients sum over every row: allow for the longer sums in 16-bit outputs.
  int64_t per_row = 1;
  for (int64_t s : normalized) per_row *= s;
  const double rows = double(x.numel() / std::max<int64_t>(1, per_row));
  const double scale = std::max(1.0, std::sqrt(rows) / 4);
  if (x_grad) same_as_cpu(xg.grad(), xc.grad(), what + " dx");
  if (with_weight)
    same_as_cpu(wg.grad(), wc.grad(), what + " dweight", accmt::test::cuda::rtol_for(dtype) * scale,
                accmt::test::cuda::atol_for(dtype) * scale);
  if (with_bias)
    same_as_cpu(bg.grad(), bc.grad(), what + " dbias", accmt::test::cuda::rtol_for(dtype) * scale,
                accmt::test::cuda::atol_for(dtype) * scale);
}

}  // namespace

TEST_SUITE("cuda.norm_loss") {
  TEST_CASE("cross_entropy with class-index targets: weights, ignore_index, smoothing, reductions") {
    accmt::Generator gen(201);
    for (int64_t classes : {5, 33, 1000, 5000}) {
      for (int64_t rows : {1, 17, 64}) {
        for (DType dtype : kFloating) {
          const Tensor logits = randn_cpu({rows, classes}, dtype, gen).mul(2.0);
          const Tensor weight = accmt::rand({classes}, {.dtype = DType::Float64}, &gen).add(0.5).to(dtype);
          for (const CeCase& c : ce_cases()) {
            if (c.ignore_index >= classes) continue;
            const Tensor target = class_targets(rows, classes, c.ignore_index, gen);
            check_cross_entropy(logits, target, c.weighted ? weight : Tensor(), c,
                                describe("cross_entropy", dtype, {rows, classes}, ce_extra(c, false)));
          }
        }
      }
    }
  }

  TEST_CASE("cross_entropy with probability targets") {
    accmt::Generator gen(202);
    for (int64_t classes : {5, 33, 1000, 5000}) {
      for (DType dtype : kFloating) {
        const int64_t rows = 19;
        const Tensor logits = randn_cpu({rows, classes}, dtype, gen).mul(2.0);
        const Tensor target = prob_targets({rows, classes}, 1, dtype, gen);
        const Tensor weight = accmt::rand({classes}, {.dtype = DType::Float64}, &gen).add(0.5).to(dtype);
        for (const CeCase& c : ce_cases()) {
          if (c.ignore_index != -100) continue;  // ignore_index applies to class indices only
          check_cross_entropy(logits, target, c.weighted ? weight : Tensor(), c,
                              describe("cross_entropy", dtype, {rows, classes}, ce_extra(c, true)));
        }
      }
    }
  }

  TEST_CASE("cross_entropy over [N, C, d] inputs and unbatched [C] inputs") {
    accmt::Generator gen(203);
    const CeCase c{true, -100, 0.1, "mean"};
    const Tensor logits = randn_cpu({4, 7, 9}, DType::Float32, gen);
    const Tensor weight = accmt::rand({7}, {}, &gen).add(0.5);
    Tensor target = accmt::randint(0, 7, {4, 9}, {.dtype = DType::Int64}, &gen);
    target.select(1, 3).fill_(-100);
    check_cross_entropy(logits, target, weight, c, "3-d class targets");
    check_cross_entropy(logits, prob_targets({4, 7, 9}, 1, DType::Float32, gen), weight, c, "3-d prob targets");
    const Tensor one = randn_cpu({11}, DType::Float64, gen);
    check_cross_entropy(one, accmt::full({}, 4, {.dtype = DType::Int64}), Tensor(), {false, -100, 0.0, "mean"},
                        "unbatched");
  }

  TEST_CASE("cross_entropy rows with extreme logits match the CPU") {
    for (DType dtype : {DType::Float32, DType::Float64}) {
      accmt::Generator gen(204);
      Tensor logits = randn_cpu({4, 40}, dtype, gen);
      logits.select(0, 0).fill_(accmt::Scalar(1e4));    // identical huge logits
      logits.select(0, 1).select(0, 3).fill_(accmt::Scalar(-INFINITY));
      logits.select(0, 2).mul_(300.0);
      const Tensor target = accmt::tensor({0, 5, 7, 39}, {.dtype = DType::Int64});
      // lse near 600 carries an absolute rounding of one float ulp there (6e-5).
      const double atol = dtype == DType::Float32 ? 2e-4 : -1;
      check_cross_entropy(logits, target, Tensor(), {false, -100, 0.0, "none"}, "extreme logits", -1, atol);
    }
  }

  TEST_CASE("layer_norm forward and backward over row lengths, weights, biases and dtypes") {
    accmt::Generator gen(205);
    for (int64_t n : {1, 31, 64, 1000, 1500, 5000, 7000, 20000}) {
      for (int64_t rows : {1, 9, 300}) {
        if (n * rows > 2'000'000) continue;
        for (DType dtype : kFloating) {
          const Tensor x = randn_cpu({rows, n}, dtype, gen).mul(2.0).add(0.5);
          for (int variant = 0; variant < 4; ++variant) {
            const bool with_weight = variant & 1, with_bias = variant & 2;
            for (bool x_grad : {true, false}) {
              const std::string extra = std::string(with_weight ? "weight " : "") + (with_bias ? "bias " : "") +
                                        (x_grad ? "x.grad" : "no x.grad");
              check_norm(false, x, {n}, with_weight, with_bias, x_grad, describe("layer_norm", dtype, {rows, n}, extra));
            }
          }
        }
      }
    }
  }

  TEST_CASE("rms_norm forward and backward over row lengths, weights and dtypes") {
    accmt::Generator gen(206);
    for (int64_t n : {1, 31, 64, 1000, 1500, 5000, 7000, 20000}) {
      for (int64_t rows : {1, 9, 300}) {
        if (n * rows > 2'000'000) continue;
        for (DType dtype : kFloating) {
          const Tensor x = randn_cpu({rows, n}, dtype, gen).mul(2.0);
          for (bool with_weight : {false, true}) {
            for (bool x_grad : {true, false}) {
              const std::string extra = std::string(with_weight ? "weight " : "") + (x_grad ? "x.grad" : "no x.grad");
              check_norm(true, x, {n}, with_weight, false, x_grad, describe("rms_norm", dtype, {rows, n}, extra));
            }
          }
        }
      }
    }
  }

  TEST_CASE("norms over two trailing dims of a 3-d input, and many rows") {
    accmt::Generator gen(207);
    for (DType dtype : kFloating) {
      const Tensor x = randn_cpu({4, 6, 40}, dtype, gen);
      check_norm(false, x, {6, 40}, true, true, true, describe("layer_norm", dtype, {4, 6, 40}, "2 normalised dims"));
      check_norm(true, x, {6, 40}, true, false, true, describe("rms_norm", dtype, {4, 6, 40}, "2 normalised dims"));
    }
    const Tensor tall = randn_cpu({20000, 96}, DType::Float32, gen);
    check_norm(false, tall, {96}, true, true, true, "layer_norm 20000 rows");
    check_norm(true, tall, {96}, true, false, false, "rms_norm 20000 rows, parameter gradient only");
  }

  TEST_CASE("parameter gradients of the norms are bit-identical from run to run") {
    accmt::Generator gen(208);
    const Tensor x = randn_cpu({30000, 256}, DType::Float32, gen).to(kCuda);
    const Tensor up = randn_cpu({30000, 256}, DType::Float32, gen).to(kCuda);
    auto grads = [&] {
      Tensor w = accmt::ones({256}, {.device = kCuda}).requires_grad_();
      Tensor b = accmt::zeros({256}, {.device = kCuda}).requires_grad_();
      (F::layer_norm(x, {256}, w, b) * up).sum().backward();
      return std::make_pair(w.grad().cpu(), b.grad().cpu());
    };
    const auto [w1, b1] = grads();
    const auto [w2, b2] = grads();
    CHECK(w1.equal(w2));
    CHECK(b1.equal(b2));
  }
}
