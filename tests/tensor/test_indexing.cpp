// Indexing ops on small inputs with PyTorch's results: gather, scatter/scatter_add,
// index_select, index_add (duplicate indices accumulate), sort (stable ties, NaN
// placement), topk, tril/triu, cat/stack, embedding and one_hot.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "tensor/tensor.hpp"
#include "tests/tensor/helpers.hpp"

using namespace accmt;
using accmt::tensor_test::check_close;
using accmt::tensor_test::dvals;
using accmt::tensor_test::ivals;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
Tensor idx(std::vector<int64_t> v, std::optional<Shape> shape = std::nullopt) { return tensor(v, shape); }
}  // namespace

TEST_SUITE("tensor.indexing") {

TEST_CASE("gather") {
  Tensor x = tensor({{1.0, 2.0}, {3.0, 4.0}});
  CHECK(dvals(x.gather(1, idx({0, 0, 1, 0}, Shape{2, 2}))) == std::vector<double>{1, 1, 4, 3});
  CHECK(dvals(x.gather(0, idx({1, 0}, Shape{1, 2}))) == std::vector<double>{3, 2});
  // Negative dim, int32 index, and a transposed input.
  CHECK(dvals(x.gather(-1, tensor(std::vector<int32_t>{1, 1}, Shape{2, 1}))) == std::vector<double>{2, 4});
  CHECK(dvals(x.t().gather(1, idx({1, 0}, Shape{2, 1}))) == std::vector<double>{3, 2});
  // Every dtype gathers its own values.
  for (DType dt : {DType::Bool, DType::UInt8, DType::Int32, DType::Float16, DType::BFloat16}) {
    INFO("dtype: " << std::string(dtype_name(dt)));
    Tensor g = x.to(dt).gather(1, idx({1, 0}, Shape{2, 1}));
    CHECK(g.dtype() == dt);
  }
}

TEST_CASE("scatter and scatter_add, with duplicate indices accumulating") {
  Tensor z = zeros({2, 3});
  Tensor src = tensor({{5.0, 6.0, 7.0}, {8.0, 9.0, 10.0}});
  // torch.zeros(2,3).scatter(1, [[2,0],[1,2]], src) = [[6,0,5],[0,8,9]]
  CHECK(dvals(z.scatter(1, idx({2, 0, 1, 2}, Shape{2, 2}), src)) == std::vector<double>{6, 0, 5, 0, 8, 9});
  CHECK(dvals(z) == std::vector<double>(6, 0.0));  // out of place
  CHECK(dvals(z.scatter(1, idx({2, 0}, Shape{2, 1}), 1.5)) == std::vector<double>{0, 0, 1.5, 1.5, 0, 0});
  // torch.zeros(3).scatter_add(0, [0,1,0,2,0], [1,2,3,4,5]) = [9, 2, 4]
  Tensor sa = zeros({3}).scatter_add(0, idx({0, 1, 0, 2, 0}), tensor({1.0, 2.0, 3.0, 4.0, 5.0}));
  CHECK(dvals(sa) == std::vector<double>{9, 2, 4});
  Tensor sai = zeros({3}, {.dtype = DType::Int64}).scatter_add(0, idx({2, 2}), idx({5, 6}));
  CHECK(ivals(sai) == std::vector<int64_t>{0, 0, 11});
}

TEST_CASE("index_select and index_add") {
  Tensor x = arange(12).reshape({3, 4});
  // torch: x.index_select(1, [3, 0, 3]) = [[3,0,3],[7,4,7],[11,8,11]]
  CHECK(ivals(x.index_select(1, idx({3, 0, 3}))) == std::vector<int64_t>{3, 0, 3, 7, 4, 7, 11, 8, 11});
  CHECK(ivals(x.index_select(0, idx({2}))) == std::vector<int64_t>{8, 9, 10, 11});
  CHECK(x.index_select(0, idx({})).sizes() == Shape{0, 4});
  CHECK(ivals(x.t().index_select(0, idx({1, 1}))) == std::vector<int64_t>{1, 5, 9, 1, 5, 9});
  // torch.zeros(3,2).index_add(0, [0,2,0], [[1,1],[2,2],[3,3]]) = [[4,4],[0,0],[2,2]]; alpha=2 doubles it.
  Tensor src = tensor({{1.0, 1.0}, {2.0, 2.0}, {3.0, 3.0}});
  CHECK(dvals(zeros({3, 2}).index_add(0, idx({0, 2, 0}), src)) == std::vector<double>{4, 4, 0, 0, 2, 2});
  CHECK(dvals(zeros({3, 2}).index_add(0, idx({0, 2, 0}), src, 2)) == std::vector<double>{8, 8, 0, 0, 4, 4});
  // Along dim 1 of an int tensor.
  Tensor ia = zeros({2, 3}, {.dtype = DType::Int64}).index_add(1, idx({1, 1}), ones({2, 2}, {.dtype = DType::Int64}));
  CHECK(ivals(ia) == std::vector<int64_t>{0, 2, 0, 0, 2, 0});
}

TEST_CASE("sort is stable on ties when asked and puts NaN last (first when descending)") {
  Tensor t = idx({2, 1, 2, 1, 2});
  auto [v, i] = t.sort(-1, false, true);
  CHECK(ivals(v) == std::vector<int64_t>{1, 1, 2, 2, 2});
  CHECK(ivals(i) == std::vector<int64_t>{1, 3, 0, 2, 4});
  auto [vd, id] = t.sort(-1, true, true);
  CHECK(ivals(vd) == std::vector<int64_t>{2, 2, 2, 1, 1});
  CHECK(ivals(id) == std::vector<int64_t>{0, 2, 4, 1, 3});
  // torch: sort([3, nan, 1, nan, 2]) = [1, 2, 3, nan, nan], indices [2, 4, 0, 1, 3]
  Tensor n = tensor({3.0, kNaN, 1.0, kNaN, 2.0});
  auto [nv, ni] = n.sort(0, false, true);
  check_close(dvals(nv), {1, 2, 3, kNaN, kNaN}, 0, 0, "ascending with NaN");
  CHECK(ivals(ni) == std::vector<int64_t>{2, 4, 0, 1, 3});
  auto [dv, di] = n.sort(0, true, true);
  check_close(dvals(dv), {kNaN, kNaN, 3, 2, 1}, 0, 0, "descending with NaN");
  CHECK(ivals(di) == std::vector<int64_t>{1, 3, 0, 4, 2});
  CHECK(ivals(n.argsort(0, false, true)) == std::vector<int64_t>{2, 4, 0, 1, 3});
  // Along dim 0 of a matrix: torch.sort([[3,1,2],[1,3,1]], 0)
  Tensor m = tensor({{3.0, 1.0, 2.0}, {1.0, 3.0, 1.0}});
  auto [mv, mi] = m.sort(0);
  CHECK(dvals(mv) == std::vector<double>{1, 1, 1, 3, 3, 2});
  CHECK(ivals(mi) == std::vector<int64_t>{1, 0, 1, 0, 1, 0});
  for (DType dt : {DType::Float16, DType::BFloat16, DType::Int32, DType::UInt8}) {
    INFO("dtype: " << std::string(dtype_name(dt)));
    auto [sv, si] = tensor({3.0, 0.0, 2.0}).to(dt).sort();
    CHECK(sv.dtype() == dt);
    CHECK(dvals(sv) == std::vector<double>{0, 2, 3});
    CHECK(ivals(si) == std::vector<int64_t>{1, 2, 0});
  }
}

TEST_CASE("topk largest and smallest") {
  Tensor x = tensor({1.0, 5.0, 3.0, 5.0, 2.0});
  auto [v, i] = x.topk(3);
  CHECK(dvals(v) == std::vector<double>{5, 5, 3});
  // The order among tied values is unspecified (in torch too); the indices must point at them.
  CHECK(dvals(x.index_select(0, i)) == dvals(v));
  std::vector<int64_t> iv = ivals(i);
  CHECK(iv[2] == 2);
  CHECK(((iv[0] == 1 && iv[1] == 3) || (iv[0] == 3 && iv[1] == 1)));
  auto [sv, si] = x.topk(2, -1, false);
  CHECK(dvals(sv) == std::vector<double>{1, 2});
  CHECK(ivals(si) == std::vector<int64_t>{0, 4});
  // Along dim 0 of a matrix: torch.topk([[3,1,2],[1,3,1]], 1, dim=0) = [[3,3,2]], [[0,1,0]]
  Tensor m = tensor({{3.0, 1.0, 2.0}, {1.0, 3.0, 1.0}});
  auto [mv, mi] = m.topk(1, 0);
  CHECK(mv.sizes() == Shape{1, 3});
  CHECK(dvals(mv) == std::vector<double>{3, 3, 2});
  CHECK(ivals(mi) == std::vector<int64_t>{0, 1, 0});
  // NaN counts as the largest: torch.topk([1, nan, 3], 2) = [nan, 3], [1, 2]
  auto [nv, ni] = tensor({1.0, kNaN, 3.0}).topk(2);
  check_close(dvals(nv), {kNaN, 3}, 0, 0, "topk with NaN");
  CHECK(ivals(ni) == std::vector<int64_t>{1, 2});
  CHECK(x.topk(0).first.numel() == 0);
}

TEST_CASE("tril and triu") {
  Tensor m = arange(1, 10).reshape({3, 3});
  CHECK(ivals(m.tril()) == std::vector<int64_t>{1, 0, 0, 4, 5, 0, 7, 8, 9});
  CHECK(ivals(m.triu(1)) == std::vector<int64_t>{0, 2, 3, 0, 0, 6, 0, 0, 0});
  CHECK(ivals(m.tril(-1)) == std::vector<int64_t>{0, 0, 0, 4, 0, 0, 7, 8, 0});
  CHECK(m.tril().dtype() == DType::Int64);
  Tensor batched = ones({2, 2, 3}).triu();
  CHECK(dvals(batched.select(0, 1)) == std::vector<double>{1, 1, 1, 0, 1, 1});
}

TEST_CASE("cat and stack") {
  // torch.cat([int64 [1, 2], float32 [3.5]]) promotes to float32.
  Tensor c = cat({idx({1, 2}), tensor({3.5})});
  CHECK(c.dtype() == DType::Float32);
  CHECK(dvals(c) == std::vector<double>{1, 2, 3.5});
  Tensor a = arange(6).reshape({2, 3});
  Tensor c1 = cat({a, a.slice(1, 0, 1)}, 1);
  CHECK(c1.sizes() == Shape{2, 4});
  CHECK(ivals(c1) == std::vector<int64_t>{0, 1, 2, 0, 3, 4, 5, 3});
  CHECK(cat({a, zeros({0})}).sizes() == Shape{2, 3});  // legacy: 1-D empty tensors are skipped
  Tensor s = stack({idx({1, 2}), idx({3, 4})}, 1);
  CHECK(s.sizes() == Shape{2, 2});
  CHECK(ivals(s) == std::vector<int64_t>{1, 3, 2, 4});
  CHECK(stack({a, a}, -1).sizes() == Shape{2, 3, 2});
}

TEST_CASE("embedding and one_hot") {
  Tensor w = arange(8.0).reshape({4, 2});
  Tensor e = embedding(w, idx({3, 0, 3, 1}, Shape{2, 2}));
  CHECK(e.sizes() == Shape{2, 2, 2});
  CHECK(dvals(e) == std::vector<double>{6, 7, 0, 1, 6, 7, 2, 3});
  Tensor oh = one_hot(idx({0, 2, 1}), 4);
  CHECK(oh.dtype() == DType::Int64);
  CHECK(ivals(oh) == std::vector<int64_t>{1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0});
  CHECK(one_hot(idx({0, 2}, Shape{2, 1})).sizes() == Shape{2, 1, 3});  // inferred: max + 1 classes
}

}  // TEST_SUITE
