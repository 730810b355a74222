// CUDA reductions and softmax against the CPU: every dim combination of 3-d and 4-d
// tensors, keepdim, non-contiguous and broadcast inputs, awkward row lengths, whole
// tensors beyond 16M elements, every dtype the op takes, NaNs, empty reductions, and
// bit-identical repeats. Expected values always come from the same op on the CPU.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
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

namespace {

const std::vector<DType> kFloating = {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16};
const std::vector<DType> kIntegral = {DType::UInt8, DType::Int32, DType::Int64, DType::Bool};

// Every non-empty subset of the dims of an nd-dim tensor, in ascending order.
std::vector<Shape> every_dim_subset(int64_t nd) {
  std::vector<Shape> out;
  for (int64_t mask = 1; mask < (int64_t(1) << nd); ++mask) {
    Shape dims;
    for (int64_t d = 0; d < nd; ++d)
      if (mask & (int64_t(1) << d)) dims.push_back(d);
    out.push_back(dims);
  }
  return out;
}

std::string label(const std::string& op, DType dtype, const Tensor& x, const Shape& dims = {}, bool keepdim = false) {
  return op + " " + accmt::dtype_name(dtype) + " " + accmt::shape_str(x.sizes()) + " dims " + accmt::shape_str(dims) +
         (keepdim ? " keepdim" : "");
}

// Integer-valued inputs of an integral dtype (small, so products stay in range) with zeros.
Tensor random_integral(const Shape& shape, DType dtype, accmt::Generator& gen) {
  if (dtype == DType::Bool) return accmt::rand(shape, {}, &gen).gt(0.3);
  if (dtype == DType::UInt8) return accmt::randint(0, 4, shape, {.dtype = dtype}, &gen);
  return accmt::randint(-3, 4, shape, {.dtype = dtype}, &gen);
}

// Floating values in [0.8, 1.25): long products neither overflow nor vanish.
Tensor near_one(const Shape& shape, DType dtype, accmt::Generator& gen) {
  return accmt::rand(shape, {.dtype = DType::Float64}, &gen).mul(0.45).add(0.8).to(dtype);
}

// The same values with roughly a third of them zero (for any/all and nonzero counts).
Tensor with_zeros(const Tensor& x, accmt::Generator& gen) {
  return x.mul(accmt::rand(x.sizes(), {}, &gen).gt(0.35).to(x.dtype()));
}

// The sums, means and extrema of x (CPU) and x on the device, over `dims`.
void check_basic_reductions(const Tensor& x, const Tensor& g, const Shape& dims, bool keepdim) {
  const DType dt = x.dtype();
  same_as_cpu(g.sum(dims, keepdim), x.sum(dims, keepdim), label("sum", dt, x, dims, keepdim));
  same_as_cpu(g.mean(dims, keepdim), x.mean(dims, keepdim), label("mean", dt, x, dims, keepdim));
  same_as_cpu(g.amax(dims, keepdim), x.amax(dims, keepdim), label("amax", dt, x, dims, keepdim));
  same_as_cpu(g.amin(dims, keepdim), x.amin(dims, keepdim), label("amin", dt, x, dims, keepdim));
}

}  // namespace

TEST_SUITE("cuda.reduce") {
  TEST_CASE("sum, mean, amax and amin over every dim combination of 3-d and 4-d tensors") {
    accmt::Generator gen(101);
    for (const Shape& shape : {Shape{5, 33, 7}, Shape{3, 4, 31, 10}}) {
      for (DType dtype : kFloating) {
        const Tensor x = randn_cpu(shape, dtype, gen);
        const Tensor g = x.to(kCuda);
        for (const Shape& dims : every_dim_subset(int64_t(shape.size())))
          for (bool keepdim : {false, true}) check_basic_reductions(x, g, dims, keepdim);
      }
    }
  }

  TEST_CASE("var, std, logsumexp and norm over every dim combination") {
    accmt::Generator gen(102);
    for (const Shape& shape : {Shape{6, 17, 9}, Shape{2, 5, 33, 4}}) {
      for (DType dtype : kFloating) {
        const Tensor x = randn_cpu(shape, dtype, gen);
        const Tensor g = x.to(kCuda);
        for (const Shape& dims : every_dim_subset(int64_t(shape.size()))) {
          for (bool keepdim : {false, true}) {
            same_as_cpu(g.var(dims, 1, keepdim), x.var(dims, 1, keepdim), label("var", dtype, x, dims, keepdim));
            same_as_cpu(g.std(dims, 0, keepdim), x.std(dims, 0, keepdim), label("std", dtype, x, dims, keepdim));
            same_as_cpu(g.logsumexp(dims, keepdim), x.logsumexp(dims, keepdim),
                        label("logsumexp", dtype, x, dims, keepdim));
            for (double p : {1.0, 2.0, 3.0, double(INFINITY)})
              same_as_cpu(g.norm(p, dims, keepdim), x.norm(p, dims, keepdim),
                          label("norm p=" + std::to_string(p), dtype, x, dims, keepdim));
          }
        }
      }
    }
  }

  TEST_CASE("prod, argmax, argmin, max(dim) and min(dim) along every dim") {
    accmt::Generator gen(103);
    for (const Shape& shape : {Shape{5, 33, 7}, Shape{3, 4, 31, 10}}) {
      for (DType dtype : kFloating) {
        // Rounded to 16 bits the values tie often: the first occurrence must win.
        const Tensor x = randn_cpu(shape, dtype, gen);
        const Tensor g = x.to(kCuda);
        const Tensor p = near_one(shape, dtype, gen);
        const Tensor gp = p.to(kCuda);
        for (int64_t d = 0; d < int64_t(shape.size()); ++d) {
          for (bool keepdim : {false, true}) {
            same_as_cpu(gp.prod(d, keepdim), p.prod(d, keepdim), label("prod", dtype, p, {d}, keepdim));
            same_as_cpu(g.argmax(d, keepdim), x.argmax(d, keepdim), label("argmax", dtype, x, {d}, keepdim));
            same_as_cpu(g.argmin(d, keepdim), x.argmin(d, keepdim), label("argmin", dtype, x, {d}, keepdim));
            auto [gv, gi] = g.max(d, keepdim);
            auto [cv, ci] = x.max(d, keepdim);
            same_as_cpu(gv, cv, label("max values", dtype, x, {d}, keepdim));
            same_as_cpu(gi, ci, label("max indices", dtype, x, {d}, keepdim));
            auto [gv2, gi2] = g.min(d, keepdim);
            auto [cv2, ci2] = x.min(d, keepdim);
            same_as_cpu(gv2, cv2, label("min values", dtype, x, {d}, keepdim));
            same_as_cpu(gi2, ci2, label("min indices", dtype, x, {d}, keepdim));
          }
        }
        same_as_cpu(g.argmax(), x.argmax(), label("argmax all", dtype, x));
        same_as_cpu(g.argmin(), x.argmin(), label("argmin all", dtype, x));
        same_as_cpu(g.max(), x.max(), label("max all", dtype, x));
        same_as_cpu(g.min(), x.min(), label("min all", dtype, x));
        same_as_cpu(gp.prod(), p.prod(), label("prod all", dtype, p));
      }
    }
  }

  TEST_CASE("integer and bool inputs: sum, prod, extrema, arg-extrema, any, all") {
    accmt::Generator gen(104);
    const Shape shape{4, 37, 6};
    for (DType dtype : kIntegral) {
      const Tensor x = random_integral(shape, dtype, gen);
      const Tensor g = x.to(kCuda);
      for (const Shape& dims : every_dim_subset(3)) {
        for (bool keepdim : {false, true}) {
          same_as_cpu(g.sum(dims, keepdim), x.sum(dims, keepdim), label("sum", dtype, x, dims, keepdim));
          if (dtype != DType::Bool) {
            same_as_cpu(g.amax(dims, keepdim), x.amax(dims, keepdim), label("amax", dtype, x, dims, keepdim));
            same_as_cpu(g.amin(dims, keepdim), x.amin(dims, keepdim), label("amin", dtype, x, dims, keepdim));
          }
        }
      }
      same_as_cpu(g.sum({}, false, DType::Int32), x.sum({}, false, DType::Int32), label("sum to int32", dtype, x));
      for (int64_t d = 0; d < 3; ++d) {
        for (bool keepdim : {false, true}) {
          same_as_cpu(g.prod(d, keepdim), x.prod(d, keepdim), label("prod", dtype, x, {d}, keepdim));
          same_as_cpu(g.argmax(d, keepdim), x.argmax(d, keepdim), label("argmax", dtype, x, {d}, keepdim));
          same_as_cpu(g.argmin(d, keepdim), x.argmin(d, keepdim), label("argmin", dtype, x, {d}, keepdim));
          same_as_cpu(g.any(d, keepdim), x.any(d, keepdim), label("any", dtype, x, {d}, keepdim));
          same_as_cpu(g.all(d, keepdim), x.all(d, keepdim), label("all", dtype, x, {d}, keepdim));
        }
      }
      same_as_cpu(g.any(), x.any(), label("any all-dims", dtype, x));
      same_as_cpu(g.all(), x.all(), label("all all-dims", dtype, x));
      same_as_cpu(g.max(), x.max(), label("max all", dtype, x));
      same_as_cpu(g.min(), x.min(), label("min all", dtype, x));
    }
  }

  TEST_CASE("any and all of floating inputs, including NaN (nonzero) and all-zero slices") {
    accmt::Generator gen(105);
    for (DType dtype : kFloating) {
      Tensor x = with_zeros(randn_cpu({6, 40, 5}, dtype, gen), gen);
      x.select(0, 1).fill_(0);                                // an all-zero slice
      x.select(0, 2).fill_(1);                                // an all-nonzero slice
      x.select(0, 3).select(0, 0).fill_(accmt::Scalar(NAN));  // NaN counts as nonzero
      const Tensor g = x.to(kCuda);
      for (int64_t d = 0; d < 3; ++d) {
        for (bool keepdim : {false, true}) {
          same_as_cpu(g.any(d, keepdim), x.any(d, keepdim), label("any", dtype, x, {d}, keepdim));
          same_as_cpu(g.all(d, keepdim), x.all(d, keepdim), label("all", dtype, x, {d}, keepdim));
        }
      }
      same_as_cpu(g.any(), x.any(), label("any all-dims", dtype, x));
      same_as_cpu(g.all(), x.all(), label("all all-dims", dtype, x));
      same_as_cpu(g.norm(0.0, {1}), x.norm(0.0, {1}), label("norm p=0", dtype, x, {1}));
    }
  }

  TEST_CASE("non-contiguous inputs: transposes, permutes, steps, offsets and broadcasts") {
    accmt::Generator gen(106);
    for (DType dtype : kFloating) {
      const Tensor base = randn_cpu({9, 35, 12}, dtype, gen);
      const Tensor gbase = base.to(kCuda);
      const std::vector<std::pair<std::string, std::function<Tensor(const Tensor&)>>> views = {
          {"permute(2,0,1)", [](const Tensor& t) { return t.permute({2, 0, 1}); }},
          {"transpose(0,2)", [](const Tensor& t) { return t.transpose(0, 2); }},
          {"stepped slices", [](const Tensor& t) { return t.slice(1, 1, 34, 3).slice(2, 0, std::nullopt, 2); }},
          {"offset narrow", [](const Tensor& t) { return t.slice(0, 2, 7).slice(1, 3, 30); }},
          {"broadcast middle dim",
           [](const Tensor& t) { return t.select(1, 4).unsqueeze(1).expand({9, 21, 12}); }},
          {"select then transpose", [](const Tensor& t) { return t.select(0, 3).t(); }},
      };
      for (const auto& [name, view] : views) {
        INFO(name);
        const Tensor x = view(base), g = view(gbase);
        CHECK(!g.is_contiguous());
        for (const Shape& dims : every_dim_subset(x.dim())) {
          check_basic_reductions(x, g, dims, false);
          if (dims.size() == 1) {
            same_as_cpu(g.argmax(dims[0]), x.argmax(dims[0]), label("argmax", dtype, x, dims));
            same_as_cpu(g.argmin(dims[0], true), x.argmin(dims[0], true), label("argmin", dtype, x, dims, true));
          }
        }
      }
    }
  }

  TEST_CASE("row lengths 1, 31, 33, 1000, 5000 and 70000, reduced innermost and outermost") {
    accmt::Generator gen(107);
    for (int64_t len : {1, 31, 33, 1000, 5000, 70000}) {
      for (int64_t rows : {1, 3, 37, 300}) {
        if (len * rows > 4'000'000) continue;
        for (DType dtype : kFloating) {
          const Tensor x = randn_cpu({rows, len}, dtype, gen);
          const Tensor g = x.to(kCuda);
          for (int64_t d : {1, 0}) {  // rows (dense), then columns
            for (bool keepdim : {false, true}) check_basic_reductions(x, g, {d}, keepdim);
            same_as_cpu(g.argmax(d), x.argmax(d), label("argmax", dtype, x, {d}));
            same_as_cpu(g.argmin(d), x.argmin(d), label("argmin", dtype, x, {d}));
            same_as_cpu(g.logsumexp({d}), x.logsumexp({d}), label("logsumexp", dtype, x, {d}));
          }
          // Rows that start at every alignment: a slice one element in.
          const Tensor xs = x.slice(1, std::min<int64_t>(1, len - 1), std::nullopt);
          const Tensor gs = g.slice(1, std::min<int64_t>(1, len - 1), std::nullopt);
          same_as_cpu(gs.sum({1}), xs.sum({1}), label("sum of offset rows", dtype, xs, {1}));
          same_as_cpu(gs.argmax(1), xs.argmax(1), label("argmax of offset rows", dtype, xs, {1}));
        }
      }
    }
  }

  TEST_CASE("whole-tensor reductions of more than 16M elements") {
    accmt::Generator gen(108);
    const int64_t n = (int64_t(1) << 24) + 4099;
    for (DType dtype : {DType::Float32, DType::BFloat16}) {
      const Tensor x = randn_cpu({n}, dtype, gen);
      const Tensor g = x.to(kCuda);
      same_as_cpu(g.sum(), x.sum(), label("sum", dtype, x));
      same_as_cpu(g.mean(), x.mean(), label("mean", dtype, x));
      same_as_cpu(g.max(), x.max(), label("max", dtype, x));
      same_as_cpu(g.min(), x.min(), label("min", dtype, x));
      same_as_cpu(g.argmax(), x.argmax(), label("argmax", dtype, x));
      same_as_cpu(g.argmin(), x.argmin(), label("argmin", dtype, x));
      same_as_cpu(g.abs().sum(), x.abs().sum(), label("abs sum", dtype, x));
      // The same elements seen as a strided 2-d view (the split path without dense rows).
      const Tensor xv = x.slice(0, 0, n - 4099).reshape({4096, 4096}).t();
      const Tensor gv = g.slice(0, 0, n - 4099).reshape({4096, 4096}).t();
      same_as_cpu(gv.sum(), xv.sum(), label("sum of transposed view", dtype, xv));
      same_as_cpu(gv.amax({0, 1}), xv.amax({0, 1}), label("amax of transposed view", dtype, xv));
    }
    const Tensor ints = accmt::randint(-1000, 1000, {n}, {.dtype = DType::Int32}, &gen);
    same_as_cpu(ints.to(kCuda).sum(), ints.sum(), "int32 sum");
    same_as_cpu(ints.to(kCuda).argmin(), ints.argmin(), "int32 argmin");
    const Tensor wide = randn_cpu({3, 6'000'000}, DType::Float32, gen);
    same_as_cpu(wide.to(kCuda).sum({1}), wide.sum({1}), "few long rows");
    same_as_cpu(wide.to(kCuda).argmax(1), wide.argmax(1), "few long rows argmax");
    const Tensor tall = randn_cpu({2'000'000, 5}, DType::Float32, gen);
    same_as_cpu(tall.to(kCuda).sum({0}), tall.sum({0}), "few long columns");
    same_as_cpu(tall.to(kCuda).amin({0}), tall.amin({0}), "few long columns amin");
  }

  TEST_CASE("NaN propagates through sums and extrema; argmax/argmin point at the first NaN") {
    accmt::Generator gen(109);
    for (DType dtype : kFloating) {
      Tensor x = randn_cpu({7, 45, 3}, dtype, gen);
      x.select(0, 2).select(0, 5).fill_(accmt::Scalar(NAN));
      x.select(0, 2).select(0, 30).fill_(accmt::Scalar(NAN));
      x.select(2, 1).select(1, 44).fill_(accmt::Scalar(NAN));
      const Tensor g = x.to(kCuda);
      for (const Shape& dims : every_dim_subset(3)) check_basic_reductions(x, g, dims, true);
      for (int64_t d = 0; d < 3; ++d) {
        same_as_cpu(g.argmax(d), x.argmax(d), label("argmax", dtype, x, {d}));
        same_as_cpu(g.argmin(d), x.argmin(d), label("argmin", dtype, x, {d}));
      }
      same_as_cpu(g.argmax(), x.argmax(), label("argmax all", dtype, x));
      same_as_cpu(g.max(), x.max(), label("max all", dtype, x));
      // Infinities without NaN: the extrema are exact, the sums inf or NaN like the CPU.
      Tensor y = randn_cpu({4, 50}, dtype, gen);
      y.select(0, 1).select(0, 3).fill_(accmt::Scalar(INFINITY));
      y.select(0, 2).slice(0, 0, 25).fill_(accmt::Scalar(-INFINITY));
      y.select(0, 3).select(0, 7).fill_(accmt::Scalar(INFINITY));
      y.select(0, 3).select(0, 9).fill_(accmt::Scalar(-INFINITY));
      const Tensor gy = y.to(kCuda);
      check_basic_reductions(y, gy, {1}, false);
      same_as_cpu(gy.argmax(1), y.argmax(1), label("argmax inf", dtype, y, {1}));
      same_as_cpu(gy.argmin(1), y.argmin(1), label("argmin inf", dtype, y, {1}));
      same_as_cpu(gy.logsumexp({1}), y.logsumexp({1}), label("logsumexp inf", dtype, y, {1}));
    }
  }

  TEST_CASE("empty reductions give the identity; empty outputs launch nothing") {
    for (DType dtype : {DType::Float32, DType::Float16, DType::Int64, DType::Bool}) {
      const Tensor x = accmt::zeros({4, 0, 3}, {.dtype = dtype});
      const Tensor g = x.to(kCuda);
      same_as_cpu(g.sum({1}), x.sum({1}), label("sum over size 0", dtype, x, {1}));
      same_as_cpu(g.sum({0}), x.sum({0}), label("sum with empty output", dtype, x, {0}));
      same_as_cpu(g.sum(), x.sum(), label("sum of nothing", dtype, x));
      same_as_cpu(g.prod(1), x.prod(1), label("prod over size 0", dtype, x, {1}));
      same_as_cpu(g.any(1), x.any(1), label("any over size 0", dtype, x, {1}));
      same_as_cpu(g.all(1), x.all(1), label("all over size 0", dtype, x, {1}));
    }
    const Tensor scalar = accmt::full({}, 2.5);
    same_as_cpu(scalar.to(kCuda).sum(), scalar.sum(), "sum of a 0-d tensor");
    same_as_cpu(scalar.to(kCuda).argmax(0), scalar.argmax(0), "argmax of a 0-d tensor");
    same_as_cpu(scalar.to(kCuda).max(), scalar.max(), "max of a 0-d tensor");
  }

  TEST_CASE("the same reduction twice is bit-identical") {
    accmt::Generator gen(110);
    const Tensor x = randn_cpu({(int64_t(1) << 24) + 77}, DType::Float32, gen).to(kCuda);
    const Tensor m = randn_cpu({300000, 24}, DType::Float32, gen).to(kCuda);
    const Tensor r = randn_cpu({8, 500000}, DType::BFloat16, gen).to(kCuda);
    const std::vector<std::pair<std::string, std::function<Tensor()>>> runs = {
        {"whole-tensor sum", [&] { return x.sum(); }},
        {"whole-tensor mean of a strided view", [&] { return x.slice(0, 0, std::nullopt, 3).mean(); }},
        {"column sums (split over rows)", [&] { return m.sum({0}); }},
        {"row sums of few long rows", [&] { return r.sum({1}); }},
        {"var", [&] { return m.var({0}); }},
    };
    for (const auto& [name, run] : runs) {
      INFO(name);
      const Tensor a = run().cpu(), b = run().cpu();
      CHECK(a.equal(b));
    }
  }

  TEST_CASE("softmax and log_softmax forward over row lengths and dims") {
    accmt::Generator gen(111);
    for (int64_t len : {1, 31, 33, 1000, 1025, 5000, 70000}) {
      for (int64_t rows : {1, 7, 130}) {
        if (len * rows > 3'000'000) continue;
        for (DType dtype : kFloating) {
          const Tensor x = randn_cpu({rows, len}, dtype, gen).mul(3.0);
          const Tensor g = x.to(kCuda);
          same_as_cpu(g.softmax(1), x.softmax(1), label("softmax", dtype, x, {1}));
          same_as_cpu(g.log_softmax(1), x.log_softmax(1), label("log_softmax", dtype, x, {1}));
          if (len <= 5000) {
            same_as_cpu(g.softmax(0), x.softmax(0), label("softmax", dtype, x, {0}));
            same_as_cpu(g.log_softmax(0), x.log_softmax(0), label("log_softmax", dtype, x, {0}));
          }
        }
      }
    }
    const Tensor x4 = randn_cpu({3, 5, 33, 8}, DType::Float32, gen);
    for (int64_t d = 0; d < 4; ++d) {
      same_as_cpu(x4.to(kCuda).softmax(d), x4.softmax(d), label("softmax 4-d", DType::Float32, x4, {d}));
      same_as_cpu(x4.to(kCuda).log_softmax(d), x4.log_softmax(d), label("log_softmax 4-d", DType::Float32, x4, {d}));
    }
  }

  TEST_CASE("softmax rows with -inf, +inf and NaN entries behave like the CPU") {
    for (int64_t len : {20, 3000, 20000}) {
      for (DType dtype : kFloating) {
        accmt::Generator gen(112);
        Tensor x = randn_cpu({6, len}, dtype, gen);
        // Half the row masked. (Not a fully masked row: there the CPU's result depends on
        // how Eigen's vectorised exp treats -inf, NaN or not, with the dtype and ISA.)
        x.select(0, 1).slice(0, 0, len / 2).fill_(accmt::Scalar(-INFINITY));
        x.select(0, 0).select(0, 0).fill_(accmt::Scalar(-INFINITY));
        x.select(0, 2).select(0, len - 1).fill_(accmt::Scalar(INFINITY));
        x.select(0, 3).select(0, len / 3).fill_(accmt::Scalar(NAN));
        const Tensor g = x.to(kCuda);
        same_as_cpu(g.softmax(1), x.softmax(1), label("softmax special", dtype, x, {1}));
        same_as_cpu(g.log_softmax(1), x.log_softmax(1), label("log_softmax special", dtype, x, {1}));
      }
    }
  }

  TEST_CASE("softmax and log_softmax backward") {
    accmt::Generator gen(113);
    for (int64_t len : {33, 1000, 5000}) {
      for (DType dtype : kFloating) {
        const Tensor x = randn_cpu({5, len}, dtype, gen);
        const Tensor w = randn_cpu({5, len}, dtype, gen);
        for (bool log : {false, true}) {
          for (int64_t d : {1, 0}) {
            Tensor xc = x.clone().requires_grad_(), xg = x.to(kCuda).detach().requires_grad_();
            const Tensor yc = log ? xc.log_softmax(d) : xc.softmax(d);
            const Tensor yg = log ? xg.log_softmax(d) : xg.softmax(d);
            (yc * w).sum().backward();
            (yg * w.to(kCuda)).sum().backward();
            same_as_cpu(xg.grad(), xc.grad(), label(log ? "log_softmax grad" : "softmax grad", dtype, x, {d}));
          }
        }
      }
    }
  }
}
