// CUDA matrix products and indexing against the CPU: matmul/bmm/linear (transposed
// operands, broadcast batches, odd sizes, every float dtype, TF32 on and off, integers),
// gather/scatter/index_select/index_add/embedding forward and backward, sort/topk/argsort
// with ties and NaN, out-of-range indices raised at the next synchronisation, and
// bit-reproducible index_add. Every expected value comes from the same op on the CPU.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <accmt/accmt.hpp>
#include "kernels/cuda/blas.hpp"
#include "tests/cuda/parity.hpp"
#include "tests/support/checks.hpp"

using accmt::DType;
using accmt::Shape;
using accmt::Tensor;
using accmt::test::error_of;
using accmt::test::cuda::kCuda;
using accmt::test::cuda::kFloatDTypes;
using accmt::test::cuda::randn_cpu;
using accmt::test::cuda::same_as_cpu;

namespace {


// Restores the TF32 switch however the test leaves.
struct Tf32Scope {
  bool saved = accmt::kernels::cuda::allow_tf32();
  explicit Tf32Scope(bool allow) { accmt::kernels::cuda::set_allow_tf32(allow); }
  ~Tf32Scope() { accmt::kernels::cuda::set_allow_tf32(saved); }
};

// Tolerances for a product over k terms of standard-normal inputs: rounding grows with
// the number of terms (both sides sum in their own order), TF32 rounds the inputs.
double gemm_atol(DType dtype, int64_t k, bool tf32) {
  const double terms = double(std::max<int64_t>(k, 1));
  if (tf32) return 1e-2 * std::sqrt(terms);  // inputs keep 10 mantissa bits
  switch (dtype) {
    case DType::Float64: return 1e-12 * terms;
    case DType::Float32: return 3e-7 * terms;
    case DType::Float16: return 2e-3 * std::sqrt(terms);
    default: return 1.6e-2 * std::sqrt(terms);
  }
}
double gemm_rtol(DType dtype, bool tf32) { return tf32 ? 1e-2 : accmt::test::cuda::rtol_for(dtype); }

// A [rows, cols] matrix, stored transposed when `transposed` (a view, no copy).
Tensor matrix(int64_t rows, int64_t cols, bool transposed, DType dtype, accmt::Generator& gen) {
  return transposed ? randn_cpu({cols, rows}, dtype, gen).t() : randn_cpu({rows, cols}, dtype, gen);
}

void check_matmul(const Tensor& a, const Tensor& b, int64_t k, bool tf32, const std::string& what) {
  const Tensor expected = a.matmul(b);
  const Tensor got = a.to(kCuda).matmul(b.to(kCuda));
  same_as_cpu(got, expected, what, gemm_rtol(a.dtype(), tf32), gemm_atol(a.dtype(), k, tf32));
}

// Small integers: index tensors with many repeats, values that sum exactly.
Tensor indices(int64_t low, int64_t high, const Shape& shape, accmt::Generator& gen) {
  return accmt::randint(low, high, shape, {.dtype = DType::Int64}, &gen);
}

Tensor values_of(const Shape& shape, DType dtype, accmt::Generator& gen) {
  if (accmt::is_floating(dtype)) return randn_cpu(shape, dtype, gen);
  if (dtype == DType::Bool) return accmt::rand(shape, {}, &gen).gt(0.5);
  return accmt::randint(0, 100, shape, {.dtype = dtype}, &gen);
}

// Rows with many ties (seven distinct values), NaN of both signs, and both zeros (-0.0
// must tie with 0.0). A fixed pattern: the cases are the same on every run.
Tensor sortable(int64_t rows, int64_t cols, DType dtype, uint64_t seed) {
  std::vector<double> v(size_t(rows * cols));
  for (int64_t i = 0; i < rows * cols; ++i) {
    const uint64_t h = (uint64_t(i) * 2654435761u + seed * 40503u) % 1000003u;
    double e = double(h % 7) - 3.0;
    if (accmt::is_floating(dtype)) {
      if (h % 13 == 3) e = std::numeric_limits<double>::quiet_NaN();
      if (h % 13 == 5) e = -std::numeric_limits<double>::quiet_NaN();
      if (h % 17 == 4) e = -0.0;
    } else {
      e += 3.0;  // non-negative, so uint8 holds it too
    }
    v[size_t(i)] = e;
  }
  return accmt::tensor(v, Shape{rows, cols}, accmt::TensorOptions{.dtype = DType::Float64}).to(dtype);
}

}  // namespace

TEST_SUITE("cuda.linalg_index") {
  TEST_CASE("matmul matches the CPU for odd sizes, transposed operands and every float dtype") {
    accmt::Generator gen(3);
    const Tf32Scope exact(false);
    const std::vector<std::vector<int64_t>> sizes = {{1, 1, 1}, {7, 33, 1}, {1, 257, 7}, {33, 7, 257}, {257, 33, 7}};
    for (DType dtype : kFloatDTypes) {
      for (const auto& s : sizes) {
        for (int ta = 0; ta < 2; ++ta) {
          for (int tb = 0; tb < 2; ++tb) {
            const int64_t m = s[0], k = s[1], n = s[2];
            CAPTURE(dtype);
            CAPTURE(m);
            CAPTURE(k);
            CAPTURE(n);
            CAPTURE(ta);
            CAPTURE(tb);
            const Tensor a = matrix(m, k, ta != 0, dtype, gen), b = matrix(k, n, tb != 0, dtype, gen);
            check_matmul(a, b, k, false, "matmul");
          }
        }
      }
    }
  }

  TEST_CASE("float32 matmul with TF32 allowed stays close to the CPU") {
    accmt::Generator gen(4);
    const Tf32Scope fast(true);
    CHECK(accmt::kernels::cuda::allow_tf32());
    check_matmul(matrix(257, 129, false, DType::Float32, gen), matrix(129, 33, true, DType::Float32, gen), 129, true,
                 "matmul tf32");
  }

  TEST_CASE("TF32 is off by default") { CHECK_FALSE(accmt::kernels::cuda::allow_tf32()); }

  TEST_CASE("bmm and batched matmul broadcast a batch of one") {
    accmt::Generator gen(5);
    const Tf32Scope exact(false);
    for (DType dtype : kFloatDTypes) {
      CAPTURE(dtype);
      const Tensor a = randn_cpu({5, 7, 33}, dtype, gen), b = randn_cpu({5, 33, 9}, dtype, gen);
      const Tensor a1 = randn_cpu({1, 7, 33}, dtype, gen), b1 = randn_cpu({1, 33, 9}, dtype, gen);
      const double rtol = gemm_rtol(dtype, false), atol = gemm_atol(dtype, 33, false);
      same_as_cpu(a.to(kCuda).bmm(b.to(kCuda)), a.bmm(b), "bmm", rtol, atol);
      same_as_cpu(a1.to(kCuda).bmm(b.to(kCuda)), a1.bmm(b), "bmm broadcast a", rtol, atol);
      same_as_cpu(a.to(kCuda).bmm(b1.to(kCuda)), a.bmm(b1), "bmm broadcast b", rtol, atol);
      // Transposed batches (views with swapped strides).
      const Tensor at = randn_cpu({5, 33, 7}, dtype, gen).transpose(1, 2);
      const Tensor bt = randn_cpu({5, 9, 33}, dtype, gen).transpose(1, 2);
      same_as_cpu(at.to(kCuda).bmm(bt.to(kCuda)), at.bmm(bt), "bmm transposed", rtol, atol);
      // [B, m, k] @ [k, n] and [m, k] @ [B, k, n] through matmul's broadcasting.
      const Tensor w = randn_cpu({33, 9}, dtype, gen), x = randn_cpu({7, 33}, dtype, gen);
      same_as_cpu(a.to(kCuda).matmul(w.to(kCuda)), a.matmul(w), "matmul 3d @ 2d", rtol, atol);
      same_as_cpu(x.to(kCuda).matmul(b.to(kCuda)), x.matmul(b), "matmul 2d @ 3d", rtol, atol);
    }
  }

  TEST_CASE("integer matmul matches the CPU exactly, wrapping included") {
    accmt::Generator gen(6);
    for (DType dtype : {DType::Int64, DType::Int32, DType::UInt8}) {
      CAPTURE(dtype);
      const Tensor a = accmt::randint(0, 50, {3, 33, 17}, {.dtype = dtype}, &gen);
      const Tensor b = accmt::randint(0, 50, {3, 17, 40}, {.dtype = dtype}, &gen);
      same_as_cpu(a.to(kCuda).bmm(b.to(kCuda)), a.bmm(b), "integer bmm");
      const Tensor at = a.transpose(1, 2).contiguous().transpose(1, 2);
      same_as_cpu(at.to(kCuda).bmm(b.to(kCuda)), at.bmm(b), "integer bmm, transposed a");
    }
  }

  TEST_CASE("linear forward and backward match the CPU") {
    accmt::Generator gen(7);
    const Tf32Scope exact(false);
    accmt::nn::Linear layer(33, 17, {.generator = &gen});
    const Tensor x = randn_cpu({4, 5, 33}, DType::Float32, gen), gy = randn_cpu({4, 5, 17}, DType::Float32, gen);
    Tensor xc = x.clone().requires_grad_();
    const Tensor yc = layer.forward(xc);
    yc.backward(gy);
    std::vector<Tensor> grads_cpu;
    for (const Tensor& p : layer.parameters()) grads_cpu.push_back(p.grad().clone());
    layer.zero_grad();
    layer.to(kCuda);
    Tensor xg = x.to(kCuda).requires_grad_();
    const Tensor yg = layer.forward(xg);
    yg.backward(gy.to(kCuda));
    const double atol = gemm_atol(DType::Float32, 33, false);
    same_as_cpu(yg, yc, "linear forward", 2e-5, atol);
    same_as_cpu(xg.grad(), xc.grad(), "linear grad input", 2e-5, atol);
    const std::vector<Tensor> params = layer.parameters();
    REQUIRE(params.size() == grads_cpu.size());
    for (size_t i = 0; i < params.size(); ++i)
      same_as_cpu(params[i].grad(), grads_cpu[i], "linear grad parameter " + std::to_string(i), 2e-5,
                  gemm_atol(DType::Float32, 20, false));
  }

  TEST_CASE("gather, scatter and scatter_add match the CPU on every dim") {
    accmt::Generator gen(8);
    for (DType dtype : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16, DType::Int64, DType::Int32,
                        DType::UInt8, DType::Bool}) {
      for (int64_t dim = 0; dim < 3; ++dim) {
        CAPTURE(dtype);
        CAPTURE(dim);
        const Tensor x = values_of({6, 7, 5}, dtype, gen);
        Shape ishape = {4, 5, 3};
        ishape[size_t(dim)] = 9;  // longer than x along dim: repeats are certain
        const Tensor index = indices(0, x.size(dim), ishape, gen);
        same_as_cpu(x.to(kCuda).gather(dim, index.to(kCuda)), x.gather(dim, index), "gather");
        // A transposed (strided) input.
        const Tensor xt = values_of({5, 7, 6}, dtype, gen).transpose(0, 2);
        same_as_cpu(xt.to(kCuda).gather(dim, index.to(kCuda)), xt.gather(dim, index), "gather strided");
        // src larger than index: only the index's extent is read.
        Shape sshape = ishape;
        sshape[0] += 2;
        const Tensor src = values_of(sshape, dtype, gen);
        same_as_cpu(x.to(kCuda).scatter(dim, index.to(kCuda), src.to(kCuda)), x.scatter(dim, index, src),
                    "scatter (the last duplicate wins)");
        if (dtype != DType::Bool) {
          same_as_cpu(x.to(kCuda).scatter_add(dim, index.to(kCuda), src.to(kCuda)), x.scatter_add(dim, index, src),
                      "scatter_add");
        }
      }
    }
  }

  TEST_CASE("index_select and index_add match the CPU") {
    accmt::Generator gen(9);
    for (DType dtype : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16, DType::Int64, DType::Int32}) {
      for (int64_t dim = 0; dim < 3; ++dim) {
        CAPTURE(dtype);
        CAPTURE(dim);
        const Tensor x = values_of({6, 7, 5}, dtype, gen);
        const Tensor index = indices(0, x.size(dim), {11}, gen);
        same_as_cpu(x.to(kCuda).index_select(dim, index.to(kCuda)), x.index_select(dim, index), "index_select");
        const Tensor xt = values_of({5, 7, 6}, dtype, gen).transpose(0, 2);
        same_as_cpu(xt.to(kCuda).index_select(dim, index.to(kCuda)), xt.index_select(dim, index),
                    "index_select strided");
        Shape sshape = x.sizes();
        sshape[size_t(dim)] = 11;
        const Tensor src = values_of(sshape, dtype, gen);
        same_as_cpu(x.to(kCuda).index_add(dim, index.to(kCuda), src.to(kCuda)), x.index_add(dim, index, src),
                    "index_add");
        same_as_cpu(x.to(kCuda).index_add(dim, index.to(kCuda), src.to(kCuda), 3),
                    x.index_add(dim, index, src, 3), "index_add alpha 3");
      }
    }
  }

  TEST_CASE("embedding forward and backward match the CPU (backward runs through index_add)") {
    accmt::Generator gen(10);
    accmt::nn::Embedding emb(50, 33, {.generator = &gen});
    const Tensor tokens = indices(0, 50, {8, 40}, gen);  // many repeats
    const Tensor gy = randn_cpu({8, 40, 33}, DType::Float32, gen);
    const Tensor yc = emb.forward(tokens);
    yc.backward(gy);
    const Tensor grad_cpu = emb.weight.grad().clone();
    emb.zero_grad();
    emb.to(kCuda);
    const Tensor yg = emb.forward(tokens.to(kCuda));
    yg.backward(gy.to(kCuda));
    same_as_cpu(yg, yc, "embedding forward", 0, 0);
    // Same summation order as the CPU: equal up to how each compiler contracts the adds.
    same_as_cpu(emb.weight.grad(), grad_cpu, "embedding backward");
  }

  TEST_CASE("index_add is bit-reproducible on CUDA") {
    accmt::Generator gen(12);
    const Tensor x = randn_cpu({100, 64}, DType::Float32, gen).to(kCuda);
    const Tensor index = indices(0, 100, {20000}, gen).to(kCuda);  // about 200 rows per target
    const Tensor src = randn_cpu({20000, 64}, DType::Float32, gen).mul(1000.0).to(kCuda);
    const Tensor first = x.index_add(0, index, src).cpu();
    const Tensor second = x.index_add(0, index, src).cpu();
    CHECK(first.equal(second));
    same_as_cpu(x.index_add(0, index, src), x.cpu().index_add(0, index.cpu(), src.cpu()), "index_add vs CPU", 1e-5,
                1e-2);
    const Tensor sfirst = x.scatter_add(0, index.reshape({200, 100}).narrow(1, 0, 64), src.narrow(0, 0, 200)).cpu();
    const Tensor ssecond = x.scatter_add(0, index.reshape({200, 100}).narrow(1, 0, 64), src.narrow(0, 0, 200)).cpu();
    CHECK(sfirst.equal(ssecond));
  }

  TEST_CASE("stable sort and argsort match the CPU exactly, ties and NaN included") {
    uint64_t seed = 13;
    for (DType dtype : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16, DType::Int64, DType::Int32,
                        DType::UInt8}) {
      for (const Shape& shape : {Shape{1, 1}, Shape{5, 33}, Shape{3, 1000}, Shape{257, 7}}) {
        for (bool descending : {false, true}) {
          CAPTURE(dtype);
          CAPTURE(descending);
          const std::string shape_name = accmt::shape_str(shape);
          CAPTURE(shape_name);
          const Tensor x = sortable(shape[0], shape[1], dtype, seed++);
          const auto [vc, ic] = x.sort(-1, descending, true);
          const auto [vg, ig] = x.to(kCuda).sort(-1, descending, true);
          same_as_cpu(vg, vc, "sorted values", 0, 0);
          same_as_cpu(ig, ic, "sort indices", 0, 0);
          same_as_cpu(x.to(kCuda).argsort(-1, descending, true), x.argsort(-1, descending, true), "argsort", 0, 0);
          // Sorting along dim 0 (moved last by the front-end).
          const auto [v0c, i0c] = x.sort(0, descending, true);
          const auto [v0g, i0g] = x.to(kCuda).sort(0, descending, true);
          same_as_cpu(v0g, v0c, "sorted values dim 0", 0, 0);
          same_as_cpu(i0g, i0c, "sort indices dim 0", 0, 0);
          // Unstable: the CPU may order ties differently; values agree, indices point at them.
          const auto [vu, iu] = x.to(kCuda).sort(-1, descending, false);
          same_as_cpu(vu, vc, "unstable sort values", 0, 0);
          same_as_cpu(x.to(kCuda).gather(-1, iu), vc, "unstable sort indices", 0, 0);
        }
      }
    }
  }

  TEST_CASE("topk matches the CPU's values; its indices select them") {
    uint64_t seed = 14;
    for (DType dtype : {DType::Float32, DType::Float64, DType::Float16, DType::Int64}) {
      for (int64_t k : {int64_t(1), int64_t(5), int64_t(33)}) {
        for (bool largest : {true, false}) {
          CAPTURE(dtype);
          CAPTURE(k);
          CAPTURE(largest);
          const Tensor x = sortable(9, 33, dtype, seed++);
          const auto [vc, ic] = x.topk(k, -1, largest, true);
          const auto [vg, ig] = x.to(kCuda).topk(k, -1, largest, true);
          same_as_cpu(vg, vc, "topk values", 0, 0);
          same_as_cpu(x.to(kCuda).gather(-1, ig), vc, "topk indices select the values", 0, 0);
        }
      }
    }
  }

  TEST_CASE("an out-of-range index raises accmt::Error at the next synchronisation") {
    const Tensor x = accmt::arange(20, accmt::TensorOptions{.dtype = DType::Float32}).reshape({4, 5}).to(kCuda);
    const Tensor bad = accmt::tensor(std::vector<int64_t>{0, 9, 1}, Shape{3}, accmt::TensorOptions{.dtype = DType::Int64})
                           .to(kCuda);
    const Tensor negative =
        accmt::tensor(std::vector<int64_t>{0, -1, 1}, Shape{3}, accmt::TensorOptions{.dtype = DType::Int64}).to(kCuda);
    const std::string msg = error_of([&] { x.index_select(0, bad).cpu(); });
    CHECK(msg.find("out of range") != std::string::npos);
    CHECK(msg.find('9') != std::string::npos);
    CHECK(!error_of([&] { x.index_select(1, negative).cpu(); }).empty());
    CHECK(!error_of([&] { x.gather(1, bad.reshape({1, 3})).cpu(); }).empty());
    CHECK(!error_of([&] { x.scatter_add(0, bad.reshape({3, 1}), x.narrow(0, 0, 3)).cpu(); }).empty());
    CHECK(!error_of([&] { x.index_add(0, bad, x.narrow(0, 0, 3)).cpu(); }).empty());
    // Loss targets: no host check on CUDA (it would sync every step); the kernels report.
    const Tensor logits = x.narrow(0, 0, 3);
    const std::string ce = error_of([&] { accmt::nn::functional::cross_entropy(logits, bad).cpu(); });
    CHECK(ce.find("out of range") != std::string::npos);
    CHECK(ce.find('9') != std::string::npos);
    CHECK(!error_of([&] { accmt::nn::functional::cross_entropy(logits, negative).cpu(); }).empty());
    CHECK(!error_of([&] { accmt::nn::functional::nll_loss(logits, bad).cpu(); }).empty());
    // An ignored target is not an error.
    const Tensor ignored =
        accmt::tensor(std::vector<int64_t>{0, -100, 1}, Shape{3}, accmt::TensorOptions{.dtype = DType::Int64}).to(kCuda);
    CHECK(error_of([&] { accmt::nn::functional::cross_entropy(logits, ignored).cpu(); }).empty());
    // The error was consumed: the device keeps working.
    const Tensor good =
        accmt::tensor(std::vector<int64_t>{0, 3, 1}, Shape{3}, accmt::TensorOptions{.dtype = DType::Int64}).to(kCuda);
    same_as_cpu(x.index_select(0, good), x.cpu().index_select(0, good.cpu()), "index_select after an error", 0, 0);
  }
}
