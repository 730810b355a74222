// Float64 gradchecks of binary arithmetic (tensor and scalar operands, reversed scalar
// operators), where and masked_fill, each with broadcasting and a non-contiguous operand.
#include "ag_helpers.hpp"

using namespace agtest;
using accmt::Scalar;

TEST_SUITE("autograd.gradcheck_binary") {

TEST_CASE("add, sub, mul, div: same shape, broadcast, transposed operand") {
  struct Case {
    const char* name;
    Tensor (*op)(const Tensor&, const Tensor&);
  };
  const Case cases[] = {
      {"add", [](const Tensor& a, const Tensor& b) { return a + b; }},
      {"add(alpha=2.5)", [](const Tensor& a, const Tensor& b) { return a.add(b, 2.5); }},
      {"add(alpha=3 int)", [](const Tensor& a, const Tensor& b) { return a.add(b, 3); }},
      {"sub", [](const Tensor& a, const Tensor& b) { return a - b; }},
      {"sub(alpha=-0.5)", [](const Tensor& a, const Tensor& b) { return a.sub(b, -0.5); }},
      {"mul", [](const Tensor& a, const Tensor& b) { return a * b; }},
      {"div", [](const Tensor& a, const Tensor& b) { return a / b; }},
  };
  for (const Case& c : cases) {
    auto op = c.op;
    const std::string n = c.name;
    // Denominators stay in [0.5, 2] so div is smooth.
    Tensor a = leaf({2, 3}, -1, 1, 1), b = leaf({2, 3}, 0.5, 2, 2);
    CHECK_GRAD(n + " [2,3]x[2,3]", [op](const Ins& in) { return op(in[0], in[1]); }, {a, b});
    Tensor row = leaf({3}, 0.5, 2, 3);
    CHECK_GRAD(n + " [2,3]x[3]", [op](const Ins& in) { return op(in[0], in[1]); }, {a, row});
    CHECK_GRAD(n + " [3]x[2,3]", [op](const Ins& in) { return op(in[1], in[0]); }, {a, row});
    // Both operands broadcast: [2,1,3] with [4,1] -> [2,4,3].
    Tensor a3 = leaf({2, 1, 3}, -1, 1, 4), col = leaf({4, 1}, 0.5, 2, 5);
    CHECK_GRAD(n + " [2,1,3]x[4,1]", [op](const Ins& in) { return op(in[0], in[1]); }, {a3, col});
    // 0-d operand.
    Tensor s = leaf({}, 0.5, 2, 6);
    CHECK_GRAD(n + " [2,3]x[]", [op](const Ins& in) { return op(in[0], in[1]); }, {a, s});
    // Non-contiguous operands: a transpose and a strided slice.
    Tensor bt = leaf({3, 2}, 0.5, 2, 7);
    CHECK_GRAD(n + " [2,3]x[3,2].t()", [op](const Ins& in) { return op(in[0], in[1].t()); }, {a, bt});
    Tensor wide = leaf({2, 6}, 0.5, 2, 8);
    CHECK_GRAD(n + " [2,3]x[2,6][:, ::2]", [op](const Ins& in) { return op(in[0], in[1].slice(1, 0, 6, 2)); },
               {a, wide});
  }
}

TEST_CASE("maximum and minimum, without and with ties") {
  Tensor a = leaf({2, 3}, -1, 1, 11), b = leaf({2, 3}, -1, 1, 12), row = leaf({3}, -1, 1, 13);
  CHECK_GRAD("maximum", [](const Ins& in) { return accmt::maximum(in[0], in[1]); }, {a, b});
  CHECK_GRAD("minimum", [](const Ins& in) { return accmt::minimum(in[0], in[1]); }, {a, b});
  CHECK_GRAD("maximum broadcast [2,3]x[3]", [](const Ins& in) { return in[0].maximum(in[1]); }, {a, row});
  CHECK_GRAD("minimum with a transposed operand", [](const Ins& in) { return in[0].t().minimum(in[1].t()); }, {a, b});
  // At a tie the central difference is 1/2 for each operand; the analytic gradient splits.
  Tensor p = leaf_of({0.5, -0.2, 0.3, 1.0}, {4}), q = leaf_of({0.5, 0.1, 0.3, -1.0}, {4});
  CHECK_GRAD("maximum with ties", [](const Ins& in) { return in[0].maximum(in[1]); }, {p, q});
  CHECK_GRAD("minimum with ties", [](const Ins& in) { return in[0].minimum(in[1]); }, {p, q});
}

TEST_CASE("remainder and atan2") {
  // Quotients a/b avoid integers (remainder jumps there); the values are explicit.
  Tensor a = leaf_of({2.3, -1.7, 0.4, 3.1, -2.6, 1.2}, {2, 3});
  Tensor b = leaf_of({0.9, 1.1, -0.7, 1.3, -0.8, 0.75}, {2, 3});
  CHECK_GRAD("remainder", [](const Ins& in) { return in[0].remainder(in[1]); }, {a, b});
  Tensor brow = leaf_of({0.9, -1.1, 0.7}, {3});
  CHECK_GRAD("remainder broadcast [2,3]x[3]", [](const Ins& in) { return in[0].remainder(in[1]); }, {a, brow});
  CHECK_GRAD("remainder transposed", [](const Ins& in) { return in[0].t().remainder(in[1].t()); }, {a, b});
  // atan2(y, x) with y > 0 keeps away from the branch cut on the negative x axis.
  Tensor y = leaf({2, 3}, 0.2, 1.5, 21), x = leaf({2, 3}, -1.5, 1.5, 22), xcol = leaf({2, 1}, -1.5, 1.5, 23);
  CHECK_GRAD("atan2", [](const Ins& in) { return in[0].atan2(in[1]); }, {y, x});
  CHECK_GRAD("atan2 broadcast [2,3]x[2,1]", [](const Ins& in) { return in[0].atan2(in[1]); }, {y, xcol});
  CHECK_GRAD("atan2 transposed", [](const Ins& in) { return in[0].t().atan2(in[1].t()); }, {y, x});
}

TEST_CASE("scalar operands and reversed scalar operators") {
  Tensor x = leaf({2, 3}, 0.5, 2, 31);
  CHECK_GRAD("x + 2.5", [](const Ins& in) { return in[0] + 2.5; }, {x});
  CHECK_GRAD("x + 2 (int)", [](const Ins& in) { return in[0] + 2; }, {x});
  CHECK_GRAD("x - 1.5", [](const Ins& in) { return in[0] - 1.5; }, {x});
  CHECK_GRAD("x * -3", [](const Ins& in) { return in[0] * -3.0; }, {x});
  CHECK_GRAD("x / 4", [](const Ins& in) { return in[0] / 4.0; }, {x});
  CHECK_GRAD("add(scalar)", [](const Ins& in) { return in[0].add(Scalar(0.7)); }, {x});
  CHECK_GRAD("sub(scalar)", [](const Ins& in) { return in[0].sub(Scalar(0.7)); }, {x});
  CHECK_GRAD("mul(scalar)", [](const Ins& in) { return in[0].mul(Scalar(0.7)); }, {x});
  CHECK_GRAD("div(scalar)", [](const Ins& in) { return in[0].div(Scalar(0.7)); }, {x});
  CHECK_GRAD("2.5 + x", [](const Ins& in) { return 2.5 + in[0]; }, {x});
  CHECK_GRAD("1.5 - x", [](const Ins& in) { return 1.5 - in[0]; }, {x});
  CHECK_GRAD("-3 * x", [](const Ins& in) { return -3.0 * in[0]; }, {x});
  CHECK_GRAD("4 / x", [](const Ins& in) { return 4.0 / in[0]; }, {x});
  CHECK_GRAD("4 / x.t()", [](const Ins& in) { return 4.0 / in[0].t(); }, {x});
  CHECK_GRAD("1 - x (int scalar)", [](const Ins& in) { return 1 - in[0]; }, {x});
}

TEST_CASE("where and masked_fill with broadcasting") {
  using accmt::where;
  Tensor a = leaf({2, 3}, -1, 1, 41), b = leaf({2, 3}, -1, 1, 42), brow = leaf({3}, -1, 1, 43), s = leaf({}, -1, 1, 44);
  Tensor cond = accmt::tensor(std::vector<bool>{true, false, true, false, false, true}, Shape{2, 3});
  Tensor cond_row = accmt::tensor(std::vector<bool>{false, true, true}, Shape{3});
  CHECK_GRAD("where same shape", [cond](const Ins& in) { return where(cond, in[0], in[1]); }, {a, b});
  CHECK_GRAD("where broadcast cond [3], b [3]", [cond_row](const Ins& in) { return where(cond_row, in[0], in[1]); },
             {a, brow});
  CHECK_GRAD("where 0-d b", [cond](const Ins& in) { return where(cond, in[0], in[1]); }, {a, s});
  CHECK_GRAD("where transposed a", [cond](const Ins& in) { return where(cond, in[0], in[1].t()); },
             {a, leaf({3, 2}, -1, 1, 45)});
  CHECK_GRAD("where(cond, a, scalar)", [cond](const Ins& in) { return where(cond, in[0], Scalar(0.5)); }, {a});
  CHECK_GRAD("where(cond, scalar, b)", [cond](const Ins& in) { return where(cond, Scalar(0.5), in[0]); }, {b});
  CHECK_GRAD("masked_fill", [cond](const Ins& in) { return in[0].masked_fill(cond, -2.0); }, {a});
  CHECK_GRAD("masked_fill broadcast mask [3]", [cond_row](const Ins& in) { return in[0].masked_fill(cond_row, 3.0); },
             {a});
  Tensor cond_t = accmt::tensor(std::vector<bool>{true, false, false, true, true, false}, Shape{3, 2});
  CHECK_GRAD("masked_fill on a transpose", [cond_t](const Ins& in) { return in[0].t().masked_fill(cond_t, 0.0); },
             {a});
}

}  // TEST_SUITE
