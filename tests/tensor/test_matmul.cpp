// Matrix products against a naive triple loop: transposed, sliced and stepped operands,
// every float dtype plus int64, PyTorch's matmul batching rules, bmm with broadcast
// batches, and addmm.
#include <doctest/doctest.h>

#include <limits>

#include "tensor/random.hpp"
#include "tensor/tensor.hpp"
#include "tests/tensor/helpers.hpp"

using namespace accmt;
using accmt::tensor_test::check_close;
using accmt::tensor_test::check_error;
using accmt::tensor_test::dvals;

namespace {

// Naive C = A @ B in double from the operands' own (already rounded) values.
std::vector<double> naive_mm(const Tensor& a, const Tensor& b) {
  int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  std::vector<double> av = dvals(a), bv = dvals(b), c(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p) s += av[i * k + p] * bv[p * n + j];
      c[i * n + j] = s;
    }
  return c;
}

// Values small enough that int64 and 16-bit float products stay exact-ish: integers in [-4, 4].
Tensor small_ints(const Shape& shape, Generator& gen) { return randint(-4, 5, shape, {.dtype = DType::Int64}, &gen); }

double rtol_for(DType dt) {
  switch (dt) {
    case DType::BFloat16: return 1e-2;
    case DType::Float16: return 2e-3;
    case DType::Float32: return 1e-5;
    default: return 1e-12;
  }
}

// Builds an [rows, cols] operand of dtype dt in one of several layouts, all holding the
// values of `src` (an int64 [rows, cols] tensor).
Tensor layout(const Tensor& src, DType dt, int which) {
  int64_t rows = src.size(0), cols = src.size(1);
  Tensor s = src.to(dt);
  switch (which) {
    case 0: return s;                                    // contiguous
    case 1: return s.t().contiguous().t();               // column-major (a transposed view)
    case 2: {                                            // a column slice of a wider matrix
      Tensor wide = zeros({rows, cols + 5}, {.dtype = dt});
      wide.slice(1, 3, 3 + cols).copy_(s);
      return wide.slice(1, 3, 3 + cols);
    }
    case 3: {                                            // every second column (needs a copy)
      Tensor wide = zeros({rows, 2 * cols}, {.dtype = dt});
      wide.slice(1, 0, 2 * cols, 2).copy_(s);
      return wide.slice(1, 0, 2 * cols, 2);
    }
    default: {                                           // a row slice of a taller matrix, transposed storage
      Tensor tall = zeros({cols, rows + 4}, {.dtype = dt});
      tall.slice(1, 2, 2 + rows).copy_(s.t());
      return tall.slice(1, 2, 2 + rows).t();
    }
  }
}

}  // namespace

TEST_SUITE("tensor.matmul") {

TEST_CASE("mm matches a naive loop for every layout and dtype") {
  Generator gen(3);
  const int64_t m = 33, k = 47, n = 29;
  Tensor a_src = small_ints({m, k}, gen), b_src = small_ints({k, n}, gen);
  for (DType dt : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16, DType::Int64}) {
    for (int la = 0; la < 5; ++la)
      for (int lb = 0; lb < 5; ++lb) {
        INFO("dtype: " << std::string(dtype_name(dt)));
        CAPTURE(la);
        CAPTURE(lb);
        Tensor a = layout(a_src, dt, la), b = layout(b_src, dt, lb);
        REQUIRE(dvals(a) == dvals(a_src));
        Tensor c = mm(a, b);
        CHECK(c.dtype() == dt);
        CHECK(c.sizes() == Shape{m, n});
        // Integer inputs in [-4, 4] with k = 47: sums below 800, exact in every dtype
        // except where 16-bit rounding of the output applies.
        check_close(dvals(c), naive_mm(a_src, b_src), rtol_for(dt), 0, "mm");
      }
  }
}

TEST_CASE("mm on random floating inputs with transposed operands") {
  Generator gen(5);
  for (DType dt : {DType::Float32, DType::Float64, DType::Float16, DType::BFloat16}) {
    INFO("dtype: " << std::string(dtype_name(dt)));
    Tensor a = randn({40, 64}, {.dtype = dt}, &gen), b = randn({50, 64}, {.dtype = dt}, &gen);
    Tensor c = a.matmul(b.t());
    std::vector<double> expected = naive_mm(a, b.t());
    // 16-bit outputs round to 8 or 11 bits; the inputs are the same rounded values.
    check_close(dvals(c), expected, rtol_for(dt) * 4, rtol_for(dt) * 4, "a @ b.T");
    Tensor c2 = a.t().t().matmul(b.t().contiguous());
    check_close(dvals(c2), dvals(c), rtol_for(dt), rtol_for(dt), "same product, other layout");
  }
}

TEST_CASE("matmul follows PyTorch's batching rules") {
  Generator gen(9);
  Tensor v3 = randn({3}, {.dtype = DType::Float64}, &gen), v4 = randn({4}, {.dtype = DType::Float64}, &gen);
  Tensor m34 = randn({3, 4}, {.dtype = DType::Float64}, &gen);
  // 1-D @ 1-D: a 0-d dot product.
  Tensor dot = v3.matmul(randn({3}, {.dtype = DType::Float64}, &gen));
  CHECK(dot.dim() == 0);
  // 1-D @ 2-D and 2-D @ 1-D drop the unit dim.
  Tensor vm = v3.matmul(m34);
  CHECK(vm.sizes() == Shape{4});
  check_close(dvals(vm), naive_mm(v3.unsqueeze(0), m34), 1e-12, 1e-12, "vector @ matrix");
  Tensor mv = m34.matmul(v4);
  CHECK(mv.sizes() == Shape{3});
  check_close(dvals(mv), naive_mm(m34, v4.unsqueeze(1)), 1e-12, 1e-12, "matrix @ vector");
  // Batched operands broadcast their batch dims: [2, 1, 3, 4] @ [5, 4, 2] -> [2, 5, 3, 2].
  Tensor a = randn({2, 1, 3, 4}, {.dtype = DType::Float64}, &gen), b = randn({5, 4, 2}, {.dtype = DType::Float64}, &gen);
  Tensor c = a.matmul(b);
  CHECK(c.sizes() == Shape{2, 5, 3, 2});
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 5; ++j)
      check_close(dvals(c.select(0, i).select(0, j)), naive_mm(a.select(0, i).select(0, 0), b.select(0, j)), 1e-12,
                  1e-12, "broadcast batch");
  // 3-D @ 1-D and 1-D @ 3-D.
  CHECK(b.transpose(1, 2).matmul(v4).sizes() == Shape{5, 2});
  CHECK(v4.matmul(b).sizes() == Shape{5, 2});
  // 3-D @ 2-D folds the batch into rows.
  Tensor f = randn({2, 3, 4}, {.dtype = DType::Float64}, &gen).matmul(m34.t());
  CHECK(f.sizes() == Shape{2, 3, 3});
}

TEST_CASE("bmm with transposed batches and a broadcast batch of 1") {
  Generator gen(13);
  Tensor a = randn({4, 5, 6}, {.dtype = DType::Float64}, &gen);
  Tensor bt = randn({4, 7, 6}, {.dtype = DType::Float64}, &gen);
  Tensor c = bmm(a, bt.transpose(1, 2));
  CHECK(c.sizes() == Shape{4, 5, 7});
  for (int64_t i = 0; i < 4; ++i)
    check_close(dvals(c.select(0, i)), naive_mm(a.select(0, i), bt.select(0, i).t()), 1e-12, 1e-12, "bmm");
  // An expanded (stride-0) batch.
  Tensor shared = randn({1, 6, 3}, {.dtype = DType::Float64}, &gen).expand({4, 6, 3});
  Tensor e = a.bmm(shared);
  for (int64_t i = 0; i < 4; ++i)
    check_close(dvals(e.select(0, i)), naive_mm(a.select(0, i), shared.select(0, 0)), 1e-12, 1e-12, "bmm expanded");
  // Empty inner dimension gives zeros.
  CHECK(dvals(mm(zeros({2, 0}), zeros({0, 3}))) == std::vector<double>(6, 0.0));
}

TEST_CASE("addmm") {
  Tensor in = tensor({1.0, 2.0});
  Tensor m1 = tensor({{1.0, 2.0}, {3.0, 4.0}}), m2 = tensor({{1.0, 0.0}, {0.0, 1.0}});
  // 0.5 * [1, 2] + 2 * m1
  CHECK(dvals(addmm(in, m1, m2, 0.5, 2.0)) == std::vector<double>{2.5, 5, 6.5, 9});
  CHECK(dvals(addmm(in, m1, m2)) == std::vector<double>{2, 4, 4, 6});
  // beta = 0 ignores the input, NaNs included (as PyTorch).
  Tensor nan_in = full({2, 2}, std::numeric_limits<double>::quiet_NaN());
  CHECK(dvals(addmm(nan_in, m1, m2, 0, 1)) == std::vector<double>{1, 2, 3, 4});
  check_error([&] { addmm(zeros({3}), m1, m2); }, {"addmm", "[3]", "[2, 2]"}, "addmm with a bad input shape");
}

}  // TEST_SUITE
