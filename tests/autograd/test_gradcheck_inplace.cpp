// Float64 gradchecks of in-place ops on non-leaf tensors and on views of them: each
// function clones its input (a leaf that requires grad may not be modified) and then
// applies in-place ops; the gradient must follow the rewired history.
#include "ag_helpers.hpp"

using namespace agtest;
using accmt::Scalar;

TEST_SUITE("autograd.gradcheck_inplace") {

TEST_CASE("in-place binary ops with tensor and scalar operands") {
  Tensor x = leaf({2, 3}, -1, 1, 1), y = leaf({2, 3}, 0.5, 2, 2), row = leaf({3}, 0.5, 2, 3);
  CHECK_GRAD("add_(tensor)", [](const Ins& in) { Tensor t = in[0].clone(); t.add_(in[1]); return t; }, {x, y});
  CHECK_GRAD("add_(tensor, alpha=-1.5)",
             [](const Ins& in) { Tensor t = in[0].clone(); t.add_(in[1], -1.5); return t; }, {x, y});
  CHECK_GRAD("sub_(tensor, alpha=2)", [](const Ins& in) { Tensor t = in[0].clone(); t.sub_(in[1], 2); return t; },
             {x, y});
  CHECK_GRAD("mul_(tensor)", [](const Ins& in) { Tensor t = in[0].clone(); t.mul_(in[1]); return t; }, {x, y});
  CHECK_GRAD("div_(tensor)", [](const Ins& in) { Tensor t = in[0].clone(); t.div_(in[1]); return t; }, {x, y});
  CHECK_GRAD("mul_ broadcast [3]", [](const Ins& in) { Tensor t = in[0].clone(); t.mul_(in[1]); return t; }, {x, row});
  CHECK_GRAD("div_ by a transposed operand",
             [](const Ins& in) { Tensor t = in[0].clone(); t.div_(in[1].t()); return t; }, {x, leaf({3, 2}, 0.5, 2, 4)});
  CHECK_GRAD("scalar add_ sub_ mul_ div_", [](const Ins& in) {
    Tensor t = in[0] * 1.0;  // any non-leaf works, not only a clone
    t.add_(Scalar(0.5));
    t.mul_(Scalar(-3.0));
    t.sub_(Scalar(2));
    t.div_(Scalar(4.0));
    return t;
  }, {x});
  CHECK_GRAD("compound operators", [](const Ins& in) {
    Tensor t = in[0].clone();
    t += in[1];
    t *= in[1];
    t -= 1.5;
    t /= in[1];
    return t;
  }, {x, y});
  // The in-place target does not require grad; only the operand does.
  CHECK_GRAD("add_ into a constant buffer", [](const Ins& in) {
    Tensor t = accmt::ones({2, 3}, kF64);
    t.add_(in[0], 2.0);
    t.mul_(in[0]);
    return t;
  }, {x});
}

TEST_CASE("in-place unary ops, clamp_, masked_fill_") {
  Tensor x = leaf_of({-1.3, -0.6, -0.2, 0.25, 0.7, 1.4}, {2, 3});
  CHECK_GRAD("exp_", [](const Ins& in) { Tensor t = in[0].clone(); t.exp_(); return t; }, {x});
  CHECK_GRAD("relu_", [](const Ins& in) { Tensor t = in[0].clone(); t.relu_(); return t; }, {x});
  CHECK_GRAD("clamp_(-0.5, 0.5)", [](const Ins& in) {
    Tensor t = in[0].clone();
    t.clamp_(Scalar(-0.5), Scalar(0.5));
    return t;
  }, {x});
  CHECK_GRAD("neg_ tanh_ sigmoid_ abs_", [](const Ins& in) {
    Tensor t = in[0].clone();
    t.neg_();
    t.tanh_();
    t.abs_();
    t.sigmoid_();
    return t;
  }, {x});
  Tensor pos = leaf({2, 3}, 0.5, 2, 5);
  CHECK_GRAD("sqrt_ log_ pow_", [](const Ins& in) {
    Tensor t = in[0].clone();
    t.sqrt_();
    t.pow_(3);
    t.log_();
    return t;
  }, {pos});
  Tensor mask = accmt::tensor(std::vector<bool>{false, true, true}, Shape{3});
  CHECK_GRAD("masked_fill_ broadcast mask", [mask](const Ins& in) {
    Tensor t = in[0].clone();
    t.masked_fill_(mask, 0.3);
    return t * in[0];
  }, {x});
  CHECK_GRAD("chain of in-place ops then an out-of-place op", [](const Ins& in) {
    Tensor t = in[0] * 2.0;
    t.exp_();
    t.add_(in[0]);
    t.relu_();
    return t.sum(Shape{1});
  }, {x});
}

TEST_CASE("copy_ and fill_") {
  Tensor x = leaf({2, 3}, -1, 1, 6), src = leaf({2, 3}, -1, 1, 7), row = leaf({3}, -1, 1, 8);
  CHECK_GRAD("copy_ from a tensor that requires grad",
             [](const Ins& in) { Tensor t = in[0].clone(); t.copy_(in[1]); return t * in[0]; }, {x, src});
  CHECK_GRAD("copy_ broadcasts the source",
             [](const Ins& in) { Tensor t = in[0].clone(); t.copy_(in[1]); return t * in[0]; }, {x, row});
  CHECK_GRAD("copy_ from a transposed source",
             [](const Ins& in) { Tensor t = in[0].clone(); t.copy_(in[1].t()); return t; }, {x, leaf({3, 2}, -1, 1, 9)});
  // The old values are overwritten: no gradient may flow through them.
  CHECK_GRAD("copy_ of a constant into a non-leaf", [](const Ins& in) {
    Tensor t = in[0] * 2.0;
    t.copy_(accmt::full({2, 3}, 0.5, kF64));
    return t * in[0];
  }, {x});
  CHECK_GRAD("fill_ a non-leaf", [](const Ins& in) {
    Tensor t = in[0] * 2.0;
    t.fill_(1.5);
    return t * in[0];
  }, {x});
  CHECK_GRAD("zero_ a non-leaf", [](const Ins& in) {
    Tensor t = in[0] * 3.0;  // mul saves its inputs, not t, so zeroing t is allowed
    t.zero_();
    return t + in[0];
  }, {x});
}

TEST_CASE("in-place writes through views of a non-leaf") {
  Tensor x = leaf({3, 4}, -1, 1, 11), v = leaf({4}, 0.5, 2, 12);
  CHECK_GRAD("row view mul_", [](const Ins& in) {
    Tensor t = in[0].clone();
    t.select(0, 1).mul_(in[1]);
    return t;
  }, {x, v});
  CHECK_GRAD("strided slice add_ with alpha", [](const Ins& in) {
    Tensor t = in[0] * 1.0;
    t.slice(1, 0, 4, 2).add_(in[1].narrow(0, 0, 2), -2.0);
    return t;
  }, {x, v});
  CHECK_GRAD("column of a transposed view fill_", [](const Ins& in) {
    Tensor t = in[0].clone();
    t.t()[2].fill_(0.5);
    return t * in[0];
  }, {x});
  CHECK_GRAD("row view copy_ from a tensor that requires grad", [](const Ins& in) {
    Tensor t = in[0].clone();
    t[0].copy_(in[1]);
    return t * in[0];
  }, {x, v});
  CHECK_GRAD("row view exp_ then relu_ on the base", [](const Ins& in) {
    Tensor t = in[0].clone();
    t[2].exp_();
    t.relu_();
    return t;
  }, {x});
  // A second view taken before the write must see the new values and their history.
  CHECK_GRAD("sibling view read after a write through another view", [](const Ins& in) {
    Tensor t = in[0] * 2.0;
    Tensor first_row = t.narrow(0, 0, 1);
    t[0].mul_(in[1]);
    return first_row * 1.0;
  }, {x, v});
  CHECK_GRAD("view read after a write to its base", [](const Ins& in) {
    Tensor t = in[0] * 2.0;
    Tensor row = t[1];
    t.mul_(in[1]);
    return row * 1.0;
  }, {x, v});
}

}  // TEST_SUITE
