// Tensor metadata and views: storage sharing, view vs reshape, strides of permute and
// transpose, Python-style slicing, index(), expand, the shape helpers and as_strided.
// Expected shapes, strides and values were checked against PyTorch.
#include <doctest/doctest.h>

#include "tensor/tensor.hpp"
#include "tests/tensor/helpers.hpp"

using namespace accmt;
using accmt::tensor_test::check_error;
using accmt::tensor_test::ivals;

namespace {
Tensor iota(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return arange(n).reshape(shape);
}
}  // namespace

TEST_SUITE("tensor.views") {

TEST_CASE("contiguous tensors have row-major strides") {
  Tensor x = zeros({2, 3, 4});
  CHECK(x.sizes() == Shape{2, 3, 4});
  CHECK(x.strides() == Shape{12, 4, 1});
  CHECK(x.dim() == 3);
  CHECK(x.numel() == 24);
  CHECK(x.size(-1) == 4);
  CHECK(x.stride(0) == 12);
  CHECK(x.is_contiguous());
  CHECK(x.storage_offset() == 0);
  CHECK_FALSE(x.is_view());
  Tensor s = zeros({});
  CHECK(s.dim() == 0);
  CHECK(s.numel() == 1);
  CHECK(zeros({3, 0}).numel() == 0);
}

TEST_CASE("views share storage and the version counter") {
  Tensor base = zeros({3, 4});
  Tensor row = base.select(0, 1);
  Tensor col = base.slice(1, 2, 3);
  Tensor flat = base.view({12});
  CHECK(row.storage() == base.storage());
  CHECK(flat.storage() == base.storage());
  CHECK(row.is_view());
  CHECK(row.base().is_same(base));
  CHECK(row.storage_offset() == 4);
  // A write through one view is visible through the base and every other view.
  row.fill_(7);
  CHECK(base.select(0, 1).to_vector<float>() == std::vector<float>{7, 7, 7, 7});
  CHECK(flat.to_vector<float>()[5] == 7);
  col.fill_(-1);
  CHECK(ivals(base) == std::vector<int64_t>{0, 0, -1, 0, 7, 7, -1, 7, 0, 0, -1, 0});
  // In-place ops on any view bump the one counter they all share.
  uint64_t v0 = base.version();
  CHECK(row.version() == v0);
  row.add_(1);
  CHECK(base.version() == v0 + 1);
  CHECK(flat.version() == v0 + 1);
  CHECK(col.version() == v0 + 1);
  // A view of a view still points at the original base.
  Tensor sub = row.slice(0, 1, 3);
  CHECK(sub.base().is_same(base));
  sub.mul_(10);
  CHECK(base.to_vector<float>()[5] == 80);
}

TEST_CASE("view fails on incompatible strides and says to use reshape; reshape copies") {
  Tensor x = iota({2, 3});
  Tensor xt = x.t();
  CHECK_FALSE(xt.is_contiguous());
  check_error([&] { xt.view({6}); }, {"view", "[3, 2]", "reshape"}, "view of a transposed tensor");
  Tensor r = xt.reshape({6});
  CHECK(ivals(r) == std::vector<int64_t>{0, 3, 1, 4, 2, 5});
  CHECK(r.storage() != x.storage());  // a copy: the transposed layout cannot be flattened in place
  // reshape of a contiguous tensor is a view.
  Tensor rv = x.reshape({3, 2});
  CHECK(rv.storage() == x.storage());
  // view can still merge dims that are contiguous within themselves.
  Tensor y = iota({4, 6}).slice(1, 0, 3);  // [4, 3] with row stride 6
  Tensor split = y.view({4, 3, 1});
  CHECK(split.storage() == y.storage());
  check_error([&] { y.view({12}); }, {"view", "[4, 3]", "reshape"}, "view of a sliced tensor");
  // -1 inference, and bad sizes.
  CHECK(x.view({-1}).sizes() == Shape{6});
  CHECK(x.view({3, -1}).sizes() == Shape{3, 2});
  check_error([&] { x.view({4, -1}); }, {"view", "[4, -1]", "[2, 3]"}, "view with a non-dividing -1");
  check_error([&] { x.view({-1, -1}); }, {"view", "[-1, -1]"}, "view with two -1");
  check_error([&] { x.reshape({7}); }, {"reshape", "[7]", "[2, 3]"}, "reshape to the wrong numel");
}

TEST_CASE("permute, transpose and t set strides like PyTorch") {
  Tensor x = iota({2, 3, 4});
  Tensor p = x.permute({2, 0, 1});
  CHECK(p.sizes() == Shape{4, 2, 3});
  CHECK(p.strides() == Shape{1, 12, 4});
  CHECK(p.storage() == x.storage());
  Tensor tr = x.transpose(0, 2);
  CHECK(tr.sizes() == Shape{4, 3, 2});
  CHECK(tr.strides() == Shape{1, 4, 12});
  CHECK(x.transpose(-1, -2).sizes() == Shape{2, 4, 3});
  CHECK(x.mT().strides() == Shape{12, 1, 4});
  Tensor m = iota({2, 3});
  CHECK(m.t().sizes() == Shape{3, 2});
  CHECK(m.t().strides() == Shape{1, 3});
  CHECK(arange(3).t().sizes() == Shape{3});
  // Values through a transposed view.
  CHECK(ivals(x.transpose(1, 2).reshape({2, 12}).select(0, 0)) ==
        std::vector<int64_t>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
  check_error([&] { x.t(); }, {"t", "[2, 3, 4]"}, "t on 3-D");
  check_error([&] { x.permute({0, 1}); }, {"permute", "[2, 3, 4]"}, "permute with too few dims");
  check_error([&] { x.permute({0, 1, 1}); }, {"permute"}, "permute with a repeated dim");
}

TEST_CASE("slice with steps and Python-style clamped bounds") {
  Tensor a = arange(5);
  struct Case {
    std::optional<int64_t> start, stop;
    int64_t step;
    std::vector<int64_t> expected;
  };
  // Expected values are a[start:stop:step] in Python.
  const Case cases[] = {
      {std::nullopt, std::nullopt, 2, {0, 2, 4}}, {1, std::nullopt, 3, {1, 4}}, {-10, 3, 1, {0, 1, 2}},
      {3, 100, 1, {3, 4}},  {4, 2, 1, {}},  {-2, std::nullopt, 1, {3, 4}}, {-1, -3, 1, {}},
      {std::nullopt, -1, 2, {0, 2}}, {100, 200, 1, {}}, {-100, -90, 1, {}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.start.value_or(999));
    CAPTURE(c.stop.value_or(999));
    CAPTURE(c.step);
    Tensor s = a.slice(0, c.start, c.stop, c.step);
    CHECK(s.numel() == static_cast<int64_t>(c.expected.size()));
    CHECK(ivals(s) == c.expected);
  }
  Tensor x = iota({2, 3, 4});
  Tensor s = x.slice(-1, std::nullopt, std::nullopt, 2);
  CHECK(s.sizes() == Shape{2, 3, 2});
  CHECK(s.strides() == Shape{12, 4, 2});
  Tensor s2 = x.slice(1, 1, 3);
  CHECK(s2.storage_offset() == 4);
  check_error([&] { a.slice(0, 0, 3, 0); }, {"slice", "step"}, "slice with step 0");
  check_error([&] { a.slice(0, 0, 3, -1); }, {"slice", "step"}, "slice with a negative step");
}

TEST_CASE("narrow and select check their ranges") {
  Tensor x = iota({3, 4});
  CHECK(ivals(x.narrow(1, 1, 2)) == std::vector<int64_t>{1, 2, 5, 6, 9, 10});
  CHECK(ivals(x.narrow(0, -1, 1)) == std::vector<int64_t>{8, 9, 10, 11});
  CHECK(ivals(x.select(1, -1)) == std::vector<int64_t>{3, 7, 11});
  CHECK(x.select(0, 2).sizes() == Shape{4});
  CHECK(ivals(x[1]) == std::vector<int64_t>{4, 5, 6, 7});
  check_error([&] { x.narrow(1, 3, 2); }, {"narrow", "[3, 4]"}, "narrow past the end");
  check_error([&] { x.narrow(1, 0, -1); }, {"narrow", "[3, 4]"}, "narrow with a negative length");
  check_error([&] { x.select(0, 3); }, {"select", "3", "[3, 4]"}, "select past the end");
  check_error([&] { x.select(1, -5); }, {"select", "-5", "[3, 4]"}, "select before the start");
}

TEST_CASE("index with int, Slice, None, Ellipsis and tensors") {
  Tensor x = iota({2, 3, 4});
  CHECK(x.index({1, None, Ellipsis, 2}).sizes() == Shape{1, 3});
  CHECK(x.index({None}).sizes() == Shape{1, 2, 3, 4});
  CHECK(x.index({Ellipsis, None}).sizes() == Shape{2, 3, 4, 1});
  CHECK(ivals(x.index({0, Ellipsis, 1})) == std::vector<int64_t>{1, 5, 9});
  // x[1:, None, ::2, -1] -> [[[15, 23]]]
  Tensor y = x.index({Slice{1, std::nullopt}, None, Slice{std::nullopt, std::nullopt, 2}, int64_t(-1)});
  CHECK(y.sizes() == Shape{1, 1, 2});
  CHECK(ivals(y) == std::vector<int64_t>{15, 23});
  CHECK(y.storage() == x.storage());  // basic indexing is a view
  // A tensor index selects along its dim (x[:, [2, 0]]) and copies.
  Tensor z = x.index({Slice{}, tensor(std::vector<int64_t>{2, 0})});
  CHECK(z.sizes() == Shape{2, 2, 4});
  CHECK(ivals(z.select(0, 0).select(1, 0)) == std::vector<int64_t>{8, 0});
  // x[..., [3, 1]][1, 2] -> [23, 21]
  Tensor w = x.index({Ellipsis, tensor(std::vector<int64_t>{3, 1})});
  CHECK(ivals(w.index({1, 2})) == std::vector<int64_t>{23, 21});
  check_error([&] { x.index({0, 0, 0, 0}); }, {"index", "[2, 3, 4]"}, "index with too many indices");
  check_error([&] { x.index({Ellipsis, Ellipsis}); }, {"index", "Ellipsis"}, "index with two Ellipsis");
  check_error([&] { x.index({5}); }, {"select", "5"}, "index with an out-of-range int");
}

TEST_CASE("expand uses stride 0 and checks sizes") {
  Tensor col = arange(3).reshape({3, 1});
  Tensor e = col.expand({3, 4});
  CHECK(e.sizes() == Shape{3, 4});
  CHECK(e.strides() == Shape{1, 0});
  CHECK(e.storage() == col.storage());
  CHECK(ivals(e.select(0, 2)) == std::vector<int64_t>{2, 2, 2, 2});
  Tensor lead = arange(3).expand({2, 3});
  CHECK(lead.strides() == Shape{0, 1});
  CHECK(col.expand({-1, 2}).sizes() == Shape{3, 2});
  CHECK(col.expand({2, 3, 5}).sizes() == Shape{2, 3, 5});
  CHECK(e.contiguous().strides() == Shape{4, 1});
  check_error([&] { col.expand({4, 4}); }, {"expand", "[3, 1]", "[4, 4]"}, "expand a non-1 dim");
  check_error([&] { col.expand({4}); }, {"expand", "[3, 1]", "[4]"}, "expand to fewer dims");
  check_error([&] { col.expand({-1, 3, 1}); }, {"expand", "[-1, 3, 1]"}, "expand with -1 in a new dim");
}

TEST_CASE("squeeze, unsqueeze, flatten, unflatten shapes and strides") {
  Tensor x = zeros({2, 1, 3, 1});
  CHECK(x.squeeze().sizes() == Shape{2, 3});
  CHECK(x.squeeze(1).sizes() == Shape{2, 3, 1});
  CHECK(x.squeeze(0).sizes() == Shape{2, 1, 3, 1});  // not size 1: unchanged
  CHECK(x.squeeze(-1).sizes() == Shape{2, 1, 3});
  CHECK(zeros({1, 1}).squeeze().sizes() == Shape{});
  Tensor m = zeros({2, 3});
  CHECK(m.unsqueeze(-1).strides() == Shape{3, 1, 1});
  CHECK(m.unsqueeze(1).strides() == Shape{3, 3, 1});
  CHECK(m.unsqueeze(0).strides() == Shape{6, 3, 1});
  CHECK(m.unsqueeze(2).sizes() == Shape{2, 3, 1});
  check_error([&] { m.unsqueeze(4); }, {"unsqueeze", "4"}, "unsqueeze past the end");
  Tensor y = iota({2, 3, 4});
  CHECK(y.flatten().sizes() == Shape{24});
  CHECK(y.flatten(1).sizes() == Shape{2, 12});
  CHECK(y.flatten(0, 1).sizes() == Shape{6, 4});
  CHECK(y.flatten(1).storage() == y.storage());
  CHECK(scalar_tensor(3).flatten().sizes() == Shape{1});
  CHECK(y.unflatten(2, {2, -1}).sizes() == Shape{2, 3, 2, 2});
  CHECK(y.unflatten(-1, {4, 1}).sizes() == Shape{2, 3, 4, 1});
  check_error([&] { y.unflatten(2, {3, -1}); }, {"unflatten", "[3, -1]"}, "unflatten into non-dividing parts");
  // flatten of a non-contiguous tensor copies rather than failing.
  Tensor f = y.transpose(0, 2).flatten();
  CHECK(f.numel() == 24);
  CHECK(ivals(f).at(1) == 12);
}

TEST_CASE("unbind, split, split_with_sizes and chunk produce PyTorch's pieces") {
  Tensor x = iota({2, 3, 4});
  auto u = x.unbind(1);
  REQUIRE(u.size() == 3);
  for (const Tensor& t : u) CHECK(t.sizes() == Shape{2, 4});
  CHECK(ivals(u[2].select(0, 1)) == std::vector<int64_t>{20, 21, 22, 23});
  auto sizes_of = [](const std::vector<Tensor>& parts, int64_t d) {
    std::vector<int64_t> s;
    for (const Tensor& t : parts) s.push_back(t.size(d));
    return s;
  };
  CHECK(sizes_of(arange(5).split(2), 0) == std::vector<int64_t>{2, 2, 1});
  CHECK(sizes_of(arange(5).chunk(3), 0) == std::vector<int64_t>{2, 2, 1});
  CHECK(sizes_of(arange(6).chunk(4), 0) == std::vector<int64_t>{2, 2, 2});  // torch gives 3 chunks here
  CHECK(sizes_of(arange(6).chunk(6), 0) == std::vector<int64_t>{1, 1, 1, 1, 1, 1});
  CHECK(sizes_of(arange(2).chunk(5), 0) == std::vector<int64_t>{1, 1});
  auto parts = iota({5, 2}).split_with_sizes({1, 4});
  REQUIRE(parts.size() == 2);
  CHECK(parts[1].sizes() == Shape{4, 2});
  CHECK(ivals(parts[1].select(0, 0)) == std::vector<int64_t>{2, 3});
  CHECK(parts[1].storage() == parts[0].storage());
  auto cols = x.split(3, -1);
  CHECK(sizes_of(cols, 2) == std::vector<int64_t>{3, 1});
  check_error([&] { iota({5, 2}).split_with_sizes({1, 3}); }, {"split_with_sizes", "[1, 3]", "5"},
              "split_with_sizes not adding up");
  check_error([&] { arange(4).chunk(0); }, {"chunk"}, "chunk into 0 pieces");
  check_error([&] { arange(4).split(0); }, {"split"}, "split with size 0");
}

TEST_CASE("contiguous copies only when needed") {
  Tensor x = iota({3, 4});
  Tensor c = x.contiguous();
  CHECK(c.is_same(x));
  Tensor t = x.t();
  Tensor tc = t.contiguous();
  CHECK_FALSE(tc.is_same(t));
  CHECK(tc.is_contiguous());
  CHECK(tc.storage() != x.storage());
  CHECK(tc.strides() == Shape{3, 1});
  CHECK(ivals(tc) == std::vector<int64_t>{0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
  // Size-1 dims do not make a tensor non-contiguous, whatever their stride.
  Tensor row = x.slice(0, 1, 2);
  CHECK(row.is_contiguous());
  CHECK(row.contiguous().is_same(row));
  CHECK_FALSE(x.slice(1, 0, 4, 2).is_contiguous());
}

TEST_CASE("as_strided views arbitrary geometry and checks bounds") {
  Tensor x = arange(12);
  Tensor a = x.as_strided({3, 3}, {1, 3}, 1);
  CHECK(ivals(a) == std::vector<int64_t>{1, 4, 7, 2, 5, 8, 3, 6, 9});
  CHECK(a.storage() == x.storage());
  CHECK(a.storage_offset() == 1);
  // Overlapping windows (a sliding window of length 3, step 1).
  Tensor w = x.as_strided({4, 3}, {1, 1}, 0);
  CHECK(ivals(w.select(0, 3)) == std::vector<int64_t>{3, 4, 5});
  check_error([&] { x.as_strided({3, 4}, {4, 1}, 1); }, {"as_strided", "[3, 4]"}, "as_strided past the storage");
  check_error([&] { x.as_strided({3}, {1, 1}, 0); }, {"as_strided"}, "as_strided with mismatched ranks");
}

}  // TEST_SUITE
