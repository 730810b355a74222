// Float64 gradchecks of the indexing ops: gather, scatter (tensor / scalar), scatter_add,
// index_select, index_add, embedding (repeated indices accumulate), tril/triu, topk and
// sort values, cat (different sizes, non-contiguous parts) and stack.
#include "ag_helpers.hpp"

using namespace agtest;

namespace {
Tensor ints(const std::vector<int64_t>& v, const Shape& shape) { return accmt::tensor(v, shape); }
}  // namespace

TEST_SUITE("autograd.gradcheck_index") {

TEST_CASE("gather") {
  Tensor x = leaf({3, 4}, -1, 1, 1);
  Tensor idx1 = ints({0, 3, 3, 1, 2, 2, 0, 0, 1}, {3, 3});  // repeats along dim 1
  CHECK_GRAD("gather dim 1", [idx1](const Ins& in) { return in[0].gather(1, idx1); }, {x});
  Tensor idx0 = ints({2, 0, 1, 2, 1, 1, 0, 0}, {2, 4});
  CHECK_GRAD("gather dim 0", [idx0](const Ins& in) { return in[0].gather(0, idx0); }, {x});
  Tensor idx_t = ints({1, 0, 2, 2, 0, 1}, {2, 3});
  CHECK_GRAD("gather from a transpose", [idx_t](const Ins& in) { return in[0].t().gather(1, idx_t); }, {x});
}

TEST_CASE("scatter and scatter_add") {
  Tensor self = leaf({3, 4}, -1, 1, 11);
  Tensor src = leaf({3, 2}, -1, 1, 12);
  // Distinct targets per row: scatter with duplicates would be order-dependent.
  Tensor idx = ints({3, 0, 1, 2, 0, 3}, {3, 2});
  CHECK_GRAD("scatter(tensor) self and src",
             [idx](const Ins& in) { return in[0].scatter(1, idx, in[1]); }, {self, src});
  CHECK_GRAD("scatter(scalar)", [idx](const Ins& in) { return in[0].scatter(1, idx, accmt::Scalar(0.5)); }, {self});
  Tensor idx0 = ints({2, 0, 1, 0, 2, 0}, {2, 3});  // distinct per column
  Tensor src0 = leaf({2, 3}, -1, 1, 13);
  CHECK_GRAD("scatter dim 0 into a transpose",
             [idx0](const Ins& in) { return in[0].t().scatter(0, idx0, in[1]); }, {leaf({3, 3}, -1, 1, 14), src0});
  // scatter_add accumulates duplicates.
  Tensor dup = ints({1, 1, 0, 3, 3, 3}, {3, 2});
  CHECK_GRAD("scatter_add with duplicates",
             [dup](const Ins& in) { return in[0].scatter_add(1, dup, in[1]); }, {self, src});
}

TEST_CASE("index_select and index_add") {
  Tensor x = leaf({4, 3}, -1, 1, 21);
  Tensor idx = ints({3, 1, 3, 0, 3}, {5});
  CHECK_GRAD("index_select dim 0 with repeats", [idx](const Ins& in) { return in[0].index_select(0, idx); }, {x});
  Tensor idx1 = ints({2, 0}, {2});
  CHECK_GRAD("index_select dim -1", [idx1](const Ins& in) { return in[0].index_select(-1, idx1); }, {x});
  CHECK_GRAD("index_select of a transpose", [idx](const Ins& in) { return in[0].t().index_select(1, idx); }, {x});
  Tensor source = leaf({5, 3}, -1, 1, 22);
  CHECK_GRAD("index_add alpha=1", [idx](const Ins& in) { return in[0].index_add(0, idx, in[1]); }, {x, source});
  CHECK_GRAD("index_add alpha=-2.5", [idx](const Ins& in) { return in[0].index_add(0, idx, in[1], -2.5); },
             {x, source});
  Tensor src1 = leaf({2, 4}, -1, 1, 23);
  CHECK_GRAD("index_add dim 1 with a transposed source",
             [idx1](const Ins& in) { return in[0].index_add(1, idx1, in[1].t()); }, {x, src1});
}

TEST_CASE("embedding with repeated indices") {
  Tensor weight = leaf({5, 3}, -1, 1, 31);
  Tensor tokens = ints({4, 1, 4, 4, 0, 2}, {2, 3});
  CHECK_GRAD("embedding 2-D indices", [tokens](const Ins& in) { return accmt::embedding(in[0], tokens); }, {weight});
  Tensor flat = ints({1, 1, 1}, {3});
  CHECK_GRAD("embedding 1-D all the same", [flat](const Ins& in) { return accmt::embedding(in[0], flat); }, {weight});
}

TEST_CASE("tril and triu") {
  Tensor x = leaf({3, 4}, -1, 1, 41);
  for (int64_t k : {-1, 0, 2}) {
    const std::string d = " diagonal " + std::to_string(k);
    CHECK_GRAD("tril" + d, [k](const Ins& in) { return in[0].tril(k); }, {x});
    CHECK_GRAD("triu" + d, [k](const Ins& in) { return in[0].triu(k); }, {x});
  }
  Tensor b = leaf({2, 3, 3}, -1, 1, 42);
  CHECK_GRAD("tril batched of a transpose", [](const Ins& in) { return in[0].mT().tril(); }, {b});
}

TEST_CASE("topk and sort values") {
  Tensor x = leaf({3, 5}, -1, 1, 51);  // no ties (continuous draws)
  CHECK_GRAD("topk(2) largest", [](const Ins& in) { return in[0].topk(2).first; }, {x});
  CHECK_GRAD("topk(2) smallest dim 0", [](const Ins& in) { return in[0].topk(2, 0, false).first; }, {x});
  CHECK_GRAD("topk unsorted", [](const Ins& in) { return in[0].topk(3, -1, true, false).first.sum(Shape{-1}); }, {x});
  CHECK_GRAD("sort ascending", [](const Ins& in) { return in[0].sort().first; }, {x});
  CHECK_GRAD("sort descending dim 0", [](const Ins& in) { return in[0].sort(0, true).first; }, {x});
  CHECK_GRAD("sort of a transpose", [](const Ins& in) { return in[0].t().sort(1).first; }, {x});
}

TEST_CASE("cat and stack") {
  Tensor a = leaf({2, 3}, -1, 1, 61), b = leaf({2, 1}, -1, 1, 62), c = leaf({4, 2}, -1, 1, 63);
  CHECK_GRAD("cat dim 1, different sizes, a transposed part",
             [](const Ins& in) { return accmt::cat({in[0], in[1], in[2].t()}, 1) * 2.0; }, {a, b, c});
  CHECK_GRAD("cat dim 0", [](const Ins& in) { return accmt::cat({in[0].t(), in[1].t().expand({2, 2})}, 0); },
             {a, b});
  CHECK_GRAD("cat a tensor and a function of it", [](const Ins& in) { return accmt::cat({in[0], in[0].exp()}, -1); }, {a});
  Tensor p = leaf({2, 3}, -1, 1, 64), q = leaf({3, 2}, -1, 1, 65);
  CHECK_GRAD("stack dim 0", [](const Ins& in) { return accmt::stack({in[0], in[1].t()}, 0); }, {p, q});
  CHECK_GRAD("stack dim -1", [](const Ins& in) { return accmt::stack({in[0] * 3.0, in[1].t()}, -1); }, {p, q});
}

}  // TEST_SUITE
