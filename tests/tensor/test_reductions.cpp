// Reductions and softmax: values on small inputs across dtypes, empty tensors, NaN and
// tie handling, var/std/norm/logsumexp, and large inputs (over 32768 elements, so the
// OpenMP and strided paths run) checked against naive loops. Expected small-input
// values come from the same calls in PyTorch.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "tensor/random.hpp"
#include "tensor/tensor.hpp"
#include "tests/tensor/helpers.hpp"

using namespace accmt;
using accmt::tensor_test::check_close;
using accmt::tensor_test::check_error;
using accmt::tensor_test::dvals;
using accmt::tensor_test::ivals;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
Tensor make(const std::vector<double>& v, DType dt) { return tensor(v).to(dt); }
}  // namespace

TEST_SUITE("tensor.reductions") {

TEST_CASE("sum, prod, max, min, argmax across dtypes") {
  // [[3, 1, 2], [0, 5, 5]]: small values that every dtype holds exactly.
  const std::vector<double> v = {3, 1, 2, 0, 5, 5};
  for (DType dt : {DType::Bool, DType::UInt8, DType::Int32, DType::Int64, DType::Float16, DType::BFloat16,
                   DType::Float32, DType::Float64}) {
    INFO("dtype: " << std::string(dtype_name(dt)));
    Tensor x = make(v, dt).reshape({2, 3});
    bool b = dt == DType::Bool;
    // Integer and bool sums accumulate in int64, like PyTorch.
    DType sum_dt = is_floating(dt) ? dt : DType::Int64;
    CHECK(x.sum().dtype() == sum_dt);
    CHECK(dvals(x.sum()) == std::vector<double>{b ? 5.0 : 16.0});
    CHECK(dvals(x.sum({0})) == (b ? std::vector<double>{1, 2, 2} : std::vector<double>{3, 6, 7}));
    CHECK(dvals(x.sum({1})) == (b ? std::vector<double>{3, 2} : std::vector<double>{6, 10}));
    CHECK(dvals(x.prod(1)) == (b ? std::vector<double>{1, 0} : std::vector<double>{6, 0}));
    if (!b) {
      CHECK(dvals(x.max()) == std::vector<double>{5});
      CHECK(dvals(x.min()) == std::vector<double>{0});
      CHECK(x.max().dtype() == dt);
      auto [values, indices] = x.max(1);
      CHECK(dvals(values) == std::vector<double>{3, 5});
      CHECK(ivals(indices) == std::vector<int64_t>{0, 1});  // the first of the tied 5s
      CHECK(ivals(x.argmax()) == std::vector<int64_t>{4});
      CHECK(ivals(x.argmin(1)) == std::vector<int64_t>{1, 0});
      CHECK(dvals(x.amax({0})) == std::vector<double>{3, 5, 5});
      CHECK(dvals(x.amin({0, 1})) == std::vector<double>{0});
    }
    CHECK(x.any().item<bool>());
    CHECK_FALSE(x.all().item<bool>());
    CHECK(x.all(1).to_vector<bool>() == std::vector<bool>{true, false});
    CHECK(x.any(0).to_vector<bool>() == std::vector<bool>{true, true, true});
  }
}

TEST_CASE("dims, keepdim and mean") {
  Tensor x = arange(24.0).reshape({2, 3, 4});
  CHECK(dvals(x.sum({0, 2})) == std::vector<double>{60, 92, 124});
  CHECK(x.sum({0, 2}, true).sizes() == Shape{1, 3, 1});
  CHECK(x.sum({-1, 0}).sizes() == Shape{3});
  CHECK(dvals(x.mean({-1})) == std::vector<double>{1.5, 5.5, 9.5, 13.5, 17.5, 21.5});
  CHECK(dvals(x.mean()) == std::vector<double>{11.5});
  CHECK(x.max(1, true).first.sizes() == Shape{2, 1, 4});
  CHECK(x.argmax(2, true).sizes() == Shape{2, 3, 1});
  CHECK(x.sum(std::optional<DType>(DType::Float64)).dtype() == DType::Float64);
  check_error([&] { x.sum({0, -3}); }, {"sum", "appears more than once"}, "sum with a repeated dim");
  check_error([&] { tensor(std::vector<int64_t>{1, 2}).mean(); }, {"mean", "int64"}, "mean of integers");
}

TEST_CASE("reductions of empty tensors") {
  Tensor e = zeros({0});
  CHECK(dvals(e.sum()) == std::vector<double>{0});
  CHECK(dvals(e.prod()) == std::vector<double>{1});
  CHECK(std::isnan(e.mean().item<double>()));  // torch: nan
  CHECK(dvals(zeros({2, 0}).sum({1})) == std::vector<double>{0, 0});
  CHECK(dvals(zeros({0, 3}).prod(0)) == std::vector<double>{1, 1, 1});
  CHECK(zeros({0, 3}).sum({0}).sizes() == Shape{3});
  CHECK_FALSE(e.any().item<bool>());
  CHECK(e.all().item<bool>());
  CHECK(zeros({0, 3}).amax({1}).sizes() == Shape{0});  // reducing a non-empty dim of an empty tensor
  check_error([&] { e.max(); }, {"max", "[0]"}, "max of an empty tensor");
  check_error([&] { e.min(); }, {"min", "[0]"}, "min of an empty tensor");
  check_error([&] { zeros({2, 0}).max(1); }, {"max", "[2, 0]"}, "max over an empty dim");
  check_error([&] { zeros({2, 0}).amin({1}); }, {"min", "[2, 0]"}, "amin over an empty dim");
  check_error([&] { e.argmax(); }, {"argmax", "[0]"}, "argmax of an empty tensor");
}

TEST_CASE("argmax/argmin take the first occurrence and NaN wins") {
  CHECK(ivals(tensor({1.0, 3.0, 3.0, 2.0}).argmax()) == std::vector<int64_t>{1});
  CHECK(ivals(tensor({2.0, 0.0, 0.0}).argmin()) == std::vector<int64_t>{1});
  // torch.argmax([1, nan, 3, nan]) = 1, torch.argmin([1, nan, 0]) = 1
  CHECK(ivals(tensor({1.0, kNaN, 3.0, kNaN}).argmax()) == std::vector<int64_t>{1});
  CHECK(ivals(tensor({1.0, kNaN, 0.0}).argmin()) == std::vector<int64_t>{1});
  CHECK(std::isnan(tensor({1.0, kNaN, 3.0}).max().item<double>()));
  CHECK(std::isnan(tensor({1.0, kNaN, 3.0}).min().item<double>()));
  // Per row: torch.max([[1, nan, 3], [2, 5, 5]], 1) = ([nan, 5], [1, 1])
  Tensor x = tensor({{1.0, kNaN, 3.0}, {2.0, 5.0, 5.0}});
  auto [v, i] = x.max(1);
  check_close(dvals(v), {kNaN, 5}, 0, 0, "max values with NaN");
  CHECK(ivals(i) == std::vector<int64_t>{1, 1});
  auto [vmin, imin] = x.min(1);
  check_close(dvals(vmin), {kNaN, 2}, 0, 0, "min values with NaN");
  CHECK(ivals(imin) == std::vector<int64_t>{1, 0});
  check_close(dvals(x.amax({1})), {kNaN, 5}, 0, 0, "amax with NaN");
  // Integer ties: torch.argmax([[1,3,3],[4,4,0]], 1) = [1, 0]; argmin(dim 0) = [0, 0, 1]
  Tensor t = tensor(std::vector<int64_t>{1, 3, 3, 4, 4, 0}, Shape{2, 3});
  CHECK(ivals(t.argmax(1)) == std::vector<int64_t>{1, 0});
  CHECK(ivals(t.argmin(0)) == std::vector<int64_t>{0, 0, 1});
  CHECK(ivals(t.argmax()) == std::vector<int64_t>{3});
  // Through a transposed (strided) view.
  CHECK(ivals(t.t().argmax(0)) == std::vector<int64_t>{1, 0});
}

TEST_CASE("any and all") {
  Tensor t = tensor(std::vector<int64_t>{0, 1, 0, 0}, Shape{2, 2});
  CHECK(t.any(1).to_vector<bool>() == std::vector<bool>{true, false});
  CHECK(t.all(0).to_vector<bool>() == std::vector<bool>{false, false});
  CHECK(tensor(std::vector<int64_t>{1, 1, 0, 1}, Shape{2, 2}).all(0).to_vector<bool>() == std::vector<bool>{false, true});
  CHECK(tensor({kNaN}).all().item<bool>());  // NaN is nonzero
  CHECK(tensor({0.0, -0.0}).any().item<bool>() == false);
  CHECK(t.any(1, true).sizes() == Shape{2, 1});
}

TEST_CASE("var, std and norm") {
  Tensor x = tensor({{1.0, 2.0, 3.0, 4.0}, {2.0, 2.0, 2.0, 2.0}});
  // torch: var() 0.7857, var(1) [1.6667, 0], std(1) [1.2910, 0], var(1, correction=0) [1.25, 0], std() 0.8864
  check_close(dvals(x.var()), {0.7857142857142857}, 1e-6, 0, "var()");
  check_close(dvals(x.var({1})), {5.0 / 3.0, 0}, 1e-6, 0, "var(1)");
  check_close(dvals(x.std({1})), {std::sqrt(5.0 / 3.0), 0}, 1e-6, 0, "std(1)");
  check_close(dvals(x.var({1}, 0)), {1.25, 0}, 1e-6, 0, "var(1, correction=0)");
  check_close(dvals(x.std()), {0.8864052604279183}, 1e-6, 0, "std()");
  CHECK(x.var({1}, 1, true).sizes() == Shape{2, 1});
  CHECK(std::isnan(tensor({3.0}).var().item<double>()));  // torch: nan (no degrees of freedom)
  for (DType dt : {DType::Float16, DType::BFloat16, DType::Float64}) {
    INFO("dtype: " << std::string(dtype_name(dt)));
    Tensor y = x.to(dt);
    CHECK(y.var().dtype() == dt);
    check_close(dvals(y.var({1})), {5.0 / 3.0, 0}, 1e-2, 0, "var(1)");
  }
  // torch: norm() 6.7823, norm(1) 18, norm(inf) 4, norm(3) 5.0916, norm(2, dim=1) [5.4772, 4]
  check_close(dvals(x.norm()), {std::sqrt(46.0)}, 1e-6, 0, "norm()");
  check_close(dvals(x.norm(1)), {18}, 1e-6, 0, "norm(1)");
  check_close(dvals(x.norm(kInf)), {4}, 0, 0, "norm(inf)");
  check_close(dvals(x.norm(-kInf)), {1}, 0, 0, "norm(-inf)");
  check_close(dvals(x.norm(3)), {std::cbrt(132.0)}, 1e-6, 0, "norm(3)");
  check_close(dvals(x.norm(0)), {8}, 0, 0, "norm(0)");
  check_close(dvals(x.norm(2, {1})), {std::sqrt(30.0), 4}, 1e-6, 0, "norm(2, dim=1)");
  check_error([] { tensor(std::vector<int64_t>{1}).var(); }, {"var", "int64"}, "var of integers");
}

TEST_CASE("logsumexp and softmax with -inf and large values") {
  // torch: logsumexp([[-inf, -inf], [0, 0]], 1) = [-inf, log 2]
  Tensor a = tensor({{-kInf, -kInf}, {0.0, 0.0}});
  check_close(dvals(a.logsumexp({1})), {-kInf, std::log(2.0)}, 1e-6, 0, "logsumexp with an all -inf row");
  check_close(dvals(tensor({{-kInf, 1.0}, {0.0, 0.0}}).logsumexp({1})), {1, std::log(2.0)}, 1e-6, 0,
              "logsumexp with one -inf");
  // Large values do not overflow: logsumexp([1000, 1000]) = 1000 + log 2.
  check_close(dvals(tensor({1000.0, 1000.0}).logsumexp({0})), {1000 + std::log(2.0)}, 1e-6, 0, "logsumexp(1000)");
  CHECK(a.logsumexp({1}, true).sizes() == Shape{2, 1});
  // torch: softmax([[1000, 1001], [-1000, -1000]], 1) = [[0.2689, 0.7311], [0.5, 0.5]]
  Tensor s = tensor({{1000.0, 1001.0}, {-1000.0, -1000.0}});
  check_close(dvals(s.softmax(1)), {0.2689414213699951, 0.7310585786300049, 0.5, 0.5}, 1e-6, 0, "softmax");
  check_close(dvals(s.log_softmax(1)), {-1.3132616875182228, -0.31326168751822286, -std::log(2.0), -std::log(2.0)},
              1e-6, 0, "log_softmax");
  // A row with some -inf entries gives them probability 0; all -inf gives NaN like torch.
  check_close(dvals(tensor({-kInf, 0.0}).softmax(0)), {0, 1}, 0, 0, "softmax with -inf");
  check_close(dvals(tensor({-kInf, 0.0}).log_softmax(0)), {-kInf, 0}, 0, 0, "log_softmax with -inf");
  check_close(dvals(tensor({-kInf, -kInf}).softmax(0)), {kNaN, kNaN}, 0, 0, "softmax of all -inf");
  // Integer input softmaxes in the default float dtype.
  CHECK(tensor(std::vector<int64_t>{1, 2}).softmax(0).dtype() == DType::Float32);
}

TEST_CASE("softmax rows sum to 1 on a large input (parallel path), on any dim") {
  Generator gen(7);
  // 8 x 5000 = 40000 elements, values up to +-5000 so exp would overflow without the max shift.
  Tensor x = rand({8, 5000}, {.dtype = DType::Float64}, &gen).mul(10000.0).sub(5000.0);
  for (int64_t dim : {1, 0}) {
    CAPTURE(dim);
    Tensor p = x.softmax(dim);
    std::vector<double> sums = dvals(p.sum({dim}));
    for (double s : sums) CHECK(s == doctest::Approx(1.0).epsilon(1e-12));
    // Each row's largest element gets the largest probability and no value is NaN.
    std::vector<double> pv = dvals(p);
    for (double q : pv) CHECK_FALSE(std::isnan(q));
    CHECK(ivals(p.argmax(dim)) == ivals(x.argmax(dim)));
    // log_softmax agrees with log(softmax) where softmax is not tiny.
    Tensor lp = x.log_softmax(dim);
    check_close(dvals(lp.exp().sum({dim})), std::vector<double>(sums.size(), 1.0), 1e-12, 0, "sum exp(log_softmax)");
  }
  // float32 on moderate values, checked elementwise against a naive double computation.
  Tensor y = rand({6, 6000}, {}, &gen).mul(20.0);
  std::vector<double> yv = dvals(y), expected(yv.size());
  for (int64_t r = 0; r < 6; ++r) {
    double mx = -kInf, sum = 0;
    for (int64_t c = 0; c < 6000; ++c) mx = std::max(mx, yv[r * 6000 + c]);
    for (int64_t c = 0; c < 6000; ++c) sum += std::exp(yv[r * 6000 + c] - mx);
    for (int64_t c = 0; c < 6000; ++c) expected[r * 6000 + c] = std::exp(yv[r * 6000 + c] - mx) / sum;
  }
  // float32 accumulation over 6000 terms: allow 1e-4 relative.
  check_close(dvals(y.softmax(1)), expected, 1e-4, 0, "float32 softmax vs naive");
}

TEST_CASE("sums over dim 0 and 1 of large non-contiguous inputs match a naive loop") {
  Generator gen(11);
  // A [300, 500] view with strides [1, 600] (transposed and column-sliced from [500, 600]).
  Tensor base = rand({500, 600}, {.dtype = DType::Float64}, &gen).sub(0.5);
  struct Layout {
    const char* name;
    Tensor view;
  };
  Tensor big = rand({64, 3000}, {.dtype = DType::Float64}, &gen);  // contiguous, 192000 elements
  const Layout layouts[] = {
      {"transposed+sliced", base.t().slice(0, 100, 400)},
      {"stepped", base.slice(1, 0, 600, 2)},
      {"contiguous wide", big},
      {"transposed wide", big.t()},
  };
  for (const Layout& l : layouts) {
    INFO("layout: " << std::string(l.name));
    const Tensor& x = l.view;
    int64_t rows = x.size(0), cols = x.size(1);
    std::vector<double> v = dvals(x);  // row-major values of the view
    std::vector<double> col_sum(cols, 0.0), row_sum(rows, 0.0);
    double total = 0;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        col_sum[c] += v[r * cols + c];
        row_sum[r] += v[r * cols + c];
        total += v[r * cols + c];
      }
    check_close(dvals(x.sum({0})), col_sum, 1e-10, 1e-10, "sum over dim 0");
    check_close(dvals(x.sum({1})), row_sum, 1e-10, 1e-10, "sum over dim 1");
    check_close(dvals(x.sum()), {total}, 1e-10, 1e-9, "sum over all");
    // float32 and int64 copies of the same layout.
    Tensor xf = x.to(DType::Float32);
    std::vector<double> vf = dvals(xf);
    std::vector<double> col_f(cols, 0.0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) col_f[c] += vf[r * cols + c];
    check_close(dvals(xf.t().contiguous().t().sum({0})), col_f, 1e-5, 1e-5, "float32 sum over dim 0");
    Tensor xi = x.mul(1000.0).to(DType::Int64);
    std::vector<int64_t> vi = ivals(xi);
    std::vector<int64_t> row_i(rows, 0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) row_i[r] += vi[r * cols + c];
    CHECK(ivals(xi.sum({1})) == row_i);
    // max/argmax over the strided dims agree with the loop too.
    std::vector<double> col_max(cols, -kInf);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) col_max[c] = std::max(col_max[c], v[r * cols + c]);
    CHECK(dvals(x.amax({0})) == col_max);
  }
}

}  // TEST_SUITE

// Eigen's vectorised exp clamps its argument (near -88.7 for float, -709.8 for double), so
// builds without AVX-512 gave exp(-inf) of about 1e-38 / 1e-308: masked softmax weights
// were not 0. Every path must underflow to exactly 0 (results below the smallest normal
// number are flushed to 0).
TEST_CASE("exp and softmax underflow to exactly 0") {
  const double inf = std::numeric_limits<double>::infinity();
  for (DType dt : {DType::Float32, DType::Float64}) {
    CAPTURE(dtype_name(dt));
    std::vector<double> v(40, -1000.0);  // long enough for the vectorised path
    v[0] = 0.0;
    v[1] = -inf;
    v[2] = -720.0;
    const Tensor x = tensor(v, Shape{1, 40}, TensorOptions{.dtype = dt});
    const std::vector<double> e = x.exp().to(DType::Float64).reshape({-1}).to_vector<double>();
    const std::vector<double> s = x.softmax(1).to(DType::Float64).reshape({-1}).to_vector<double>();
    CHECK(e[0] == 1.0);
    CHECK(s[0] == 1.0);
    for (size_t i = 1; i < v.size(); ++i) {
      CAPTURE(i);
      CHECK(e[i] == 0.0);
      CHECK(s[i] == 0.0);
    }
  }
}
