// Float64 gradchecks of reductions (all / one / several dims, keepdim), including the
// special points: a zero in prod, ties in max/min/amax/amin/inf-norm, a zero vector in the
// 2-norm; and softmax / log_softmax along each dim.
#include <cmath>

#include "ag_helpers.hpp"

using namespace agtest;

TEST_SUITE("autograd.gradcheck_reduce") {

TEST_CASE("sum and mean over all, one and several dims") {
  Tensor x = leaf({2, 3, 4}, -1, 1, 1);
  CHECK_GRAD("sum()", [](const Ins& in) { return in[0].sum(); }, {x});
  CHECK_GRAD("sum({1})", [](const Ins& in) { return in[0].sum(Shape{1}); }, {x});
  CHECK_GRAD("sum({-1}, keepdim)", [](const Ins& in) { return in[0].sum(Shape{-1}, true); }, {x});
  CHECK_GRAD("sum({0,2})", [](const Ins& in) { return in[0].sum(Shape{0, 2}); }, {x});
  CHECK_GRAD("sum({0,2}, keepdim)", [](const Ins& in) { return in[0].sum(Shape{0, 2}, true); }, {x});
  CHECK_GRAD("sum of a permuted view", [](const Ins& in) { return in[0].permute({2, 0, 1}).sum(Shape{0}); }, {x});
  CHECK_GRAD("mean()", [](const Ins& in) { return in[0].mean(); }, {x});
  CHECK_GRAD("mean({1})", [](const Ins& in) { return in[0].mean(Shape{1}); }, {x});
  CHECK_GRAD("mean({0,2}, keepdim)", [](const Ins& in) { return in[0].mean(Shape{0, 2}, true); }, {x});
  CHECK_GRAD("mean of a transposed view", [](const Ins& in) { return in[0].transpose(0, 2).mean(Shape{-1}); }, {x});
}

TEST_CASE("prod, with and without zeros") {
  Tensor x = leaf({3, 4}, 0.5, 1.5, 2);
  CHECK_GRAD("prod()", [](const Ins& in) { return in[0].prod(); }, {x});
  CHECK_GRAD("prod(1)", [](const Ins& in) { return in[0].prod(1); }, {x});
  CHECK_GRAD("prod(0, keepdim)", [](const Ins& in) { return in[0].prod(0, true); }, {x});
  CHECK_GRAD("prod(0) of a transpose", [](const Ins& in) { return in[0].t().prod(0); }, {x});
  // Exactly one zero, and two zeros in one row: the gradient is the product of the others.
  Tensor z = leaf_of({0.7, 0.0, 1.3, -0.9, 1.1, 0.6, 0.0, 0.0, -1.2, 0.8, 1.4, 0.5}, {3, 4});
  CHECK_GRAD("prod() with zeros", [](const Ins& in) { return in[0].prod(); }, {z});
  CHECK_GRAD("prod(1) with zeros", [](const Ins& in) { return in[0].prod(1); }, {z});
  CHECK_GRAD("prod(0, keepdim) with zeros", [](const Ins& in) { return in[0].prod(0, true); }, {z});
  Tensor one_zero = leaf_of({1.5, -0.5, 0.0, 2.0}, {4});
  CHECK_GRAD("prod() with a single zero", [](const Ins& in) { return in[0].prod(); }, {one_zero});
}

TEST_CASE("max / min over all elements, along a dim, amax / amin") {
  Tensor x = leaf({3, 4}, -1, 1, 3);
  CHECK_GRAD("max()", [](const Ins& in) { return in[0].max(); }, {x});
  CHECK_GRAD("min()", [](const Ins& in) { return in[0].min(); }, {x});
  CHECK_GRAD("max(1).values", [](const Ins& in) { return in[0].max(1).first; }, {x});
  CHECK_GRAD("max(0, keepdim).values", [](const Ins& in) { return in[0].max(0, true).first; }, {x});
  CHECK_GRAD("min(-1).values", [](const Ins& in) { return in[0].min(-1).first; }, {x});
  CHECK_GRAD("min(0, keepdim) of a transpose", [](const Ins& in) { return in[0].t().min(0, true).first; }, {x});
  CHECK_GRAD("amax({1})", [](const Ins& in) { return in[0].amax({1}); }, {x});
  CHECK_GRAD("amin({0}, keepdim)", [](const Ins& in) { return in[0].amin({0}, true); }, {x});
  Tensor x3 = leaf({2, 3, 2}, -1, 1, 4);
  CHECK_GRAD("amax({0,2})", [](const Ins& in) { return in[0].amax({0, 2}); }, {x3});
  CHECK_GRAD("amin({}) (all)", [](const Ins& in) { return in[0].amin({}); }, {x3});
  // Ties: the gradient is shared evenly, which is also what central differences see.
  Tensor t = leaf_of({0.2, 0.9, 0.9, -0.4, -0.7, 0.3, -0.7, 0.1}, {2, 4});
  CHECK_GRAD("max() with ties", [](const Ins& in) { return in[0].max(); }, {t});
  CHECK_GRAD("min() with ties", [](const Ins& in) { return in[0].min(); }, {t});
  CHECK_GRAD("amax({1}) with ties", [](const Ins& in) { return in[0].amax({1}); }, {t});
  CHECK_GRAD("amin({1}, keepdim) with ties", [](const Ins& in) { return in[0].amin({1}, true); }, {t});
}

TEST_CASE("var and std with correction 0 and 1") {
  Tensor x = leaf({3, 4}, -1, 1, 5);
  for (int64_t corr : {0, 1}) {
    const std::string c = " correction=" + std::to_string(corr);
    CHECK_GRAD("var()" + c, [corr](const Ins& in) { return in[0].var({}, corr); }, {x});
    CHECK_GRAD("var({1})" + c, [corr](const Ins& in) { return in[0].var({1}, corr); }, {x});
    CHECK_GRAD("var({0}, keepdim)" + c, [corr](const Ins& in) { return in[0].var({0}, corr, true); }, {x});
    CHECK_GRAD("std()" + c, [corr](const Ins& in) { return in[0].std({}, corr); }, {x});
    CHECK_GRAD("std({1})" + c, [corr](const Ins& in) { return in[0].std({1}, corr); }, {x});
    CHECK_GRAD("std({0}) of a transpose" + c, [corr](const Ins& in) { return in[0].t().std({0}, corr, true); }, {x});
  }
}

TEST_CASE("norm with p = 1, 2, 3, inf") {
  Tensor x = leaf({3, 4}, -1, 1, 6);  // |x| > 0 almost surely; no kink of abs is hit
  for (double p : {1.0, 2.0, 3.0, double(INFINITY)}) {
    const std::string n = "norm p=" + std::to_string(p);
    CHECK_GRAD(n + " all", [p](const Ins& in) { return in[0].norm(p); }, {x});
    CHECK_GRAD(n + " dim 1", [p](const Ins& in) { return in[0].norm(p, {1}); }, {x});
    CHECK_GRAD(n + " dim 0 keepdim", [p](const Ins& in) { return in[0].norm(p, {0}, true); }, {x});
    CHECK_GRAD(n + " of a transpose", [p](const Ins& in) { return in[0].t().norm(p, {1}); }, {x});
  }
  // inf-norm with |x| tied between two elements of opposite sign.
  Tensor tie = leaf_of({0.9, -0.3, -0.9, 0.5}, {4});
  CHECK_GRAD("norm inf with ties", [](const Ins& in) { return in[0].norm(INFINITY); }, {tie});
  // The 2-norm's gradient at a zero vector is 0 (not NaN); so is the symmetric difference.
  Tensor zero = leaf_of({0.0, 0.0, 0.0}, {3});
  CHECK_GRAD("norm 2 at zero", [](const Ins& in) { return in[0].norm(2.0); }, {zero});
}

TEST_CASE("logsumexp") {
  Tensor x = leaf({3, 4}, -2, 2, 7);
  CHECK_GRAD("logsumexp({1})", [](const Ins& in) { return in[0].logsumexp({1}); }, {x});
  CHECK_GRAD("logsumexp({0}, keepdim)", [](const Ins& in) { return in[0].logsumexp({0}, true); }, {x});
  CHECK_GRAD("logsumexp({0,1})", [](const Ins& in) { return in[0].logsumexp({0, 1}); }, {x});
  CHECK_GRAD("logsumexp of a transpose", [](const Ins& in) { return in[0].t().logsumexp({-1}); }, {x});
  // Large logits: the max-shift keeps it finite and the gradient is still softmax.
  Tensor big = leaf({2, 3}, 500, 502, 8);
  CHECK_GRAD("logsumexp of large values", [](const Ins& in) { return in[0].logsumexp({1}); }, {big});
}

TEST_CASE("softmax and log_softmax along various dims") {
  Tensor x = leaf({3, 4}, -2, 2, 9);
  Tensor x3 = leaf({2, 3, 2}, -2, 2, 10);
  for (int64_t d : {0, 1, -1}) {
    const std::string n = " dim " + std::to_string(d);
    CHECK_GRAD("softmax" + n, [d](const Ins& in) { return in[0].softmax(d); }, {x});
    CHECK_GRAD("log_softmax" + n, [d](const Ins& in) { return in[0].log_softmax(d); }, {x});
    CHECK_GRAD("softmax of a transpose" + n, [d](const Ins& in) { return in[0].t().softmax(d); }, {x});
    CHECK_GRAD("log_softmax of a transpose" + n, [d](const Ins& in) { return in[0].t().log_softmax(d); }, {x});
  }
  CHECK_GRAD("softmax 3-D middle dim", [](const Ins& in) { return in[0].softmax(1); }, {x3});
  CHECK_GRAD("log_softmax 3-D first dim", [](const Ins& in) { return in[0].log_softmax(0); }, {x3});
  // A weighted sum makes every output element matter (softmax rows sum to 1).
  Tensor w = accmt::tensor(std::vector<double>{0.3, -1.2, 2.0, 0.7}, Shape{4});
  CHECK_GRAD("weighted softmax", [w](const Ins& in) { return (in[0].softmax(1) * w).sum(); }, {x});
}

}  // TEST_SUITE
