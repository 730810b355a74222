// Float64 gradchecks of every differentiable unary op, on domains away from kinks and
// singularities, on contiguous and non-contiguous (transposed, sliced) inputs.
#include "ag_helpers.hpp"

using namespace agtest;
using accmt::Scalar;

namespace {
// Mixed signs, all at least 0.2 away from 0 (kinks of abs/relu, poles of reciprocal).
Tensor mixed() { return leaf_of({-1.3, -0.6, -0.2, 0.25, 0.7, 1.4}, {2, 3}); }
}  // namespace

TEST_SUITE("autograd.gradcheck_unary") {

TEST_CASE("smooth unary ops on their natural domains") {
  struct Case {
    const char* name;
    Tensor (*op)(const Tensor&);
    double lo, hi;
  };
  const Case cases[] = {
      {"neg", [](const Tensor& x) { return x.neg(); }, -1, 1},
      {"operator-", [](const Tensor& x) { return -x; }, -1, 1},
      {"exp", [](const Tensor& x) { return x.exp(); }, -1, 1},
      {"log", [](const Tensor& x) { return x.log(); }, 0.5, 2},
      {"log1p", [](const Tensor& x) { return x.log1p(); }, -0.5, 1},
      {"expm1", [](const Tensor& x) { return x.expm1(); }, -1, 1},
      {"sqrt", [](const Tensor& x) { return x.sqrt(); }, 0.5, 2},
      {"rsqrt", [](const Tensor& x) { return x.rsqrt(); }, 0.5, 2},
      {"sin", [](const Tensor& x) { return x.sin(); }, -2, 2},
      {"cos", [](const Tensor& x) { return x.cos(); }, -2, 2},
      {"tan", [](const Tensor& x) { return x.tan(); }, -1, 1},
      {"tanh", [](const Tensor& x) { return x.tanh(); }, -2, 2},
      {"sigmoid", [](const Tensor& x) { return x.sigmoid(); }, -3, 3},
      {"silu", [](const Tensor& x) { return x.silu(); }, -3, 3},
      {"softplus", [](const Tensor& x) { return x.softplus(); }, -3, 3},
      {"gelu(none)", [](const Tensor& x) { return x.gelu(); }, -3, 3},
      {"gelu(tanh)", [](const Tensor& x) { return x.gelu("tanh"); }, -3, 3},
      {"square", [](const Tensor& x) { return x.square(); }, -1, 1},
      {"erf", [](const Tensor& x) { return x.erf(); }, -1.5, 1.5},
      {"log2", [](const Tensor& x) { return x.log2(); }, 0.5, 2},
      {"log10", [](const Tensor& x) { return x.log10(); }, 0.5, 2},
      {"exp2", [](const Tensor& x) { return x.exp2(); }, -1, 1},
      {"asin", [](const Tensor& x) { return x.asin(); }, -0.8, 0.8},
      {"acos", [](const Tensor& x) { return x.acos(); }, -0.8, 0.8},
      {"atan", [](const Tensor& x) { return x.atan(); }, -2, 2},
      {"sinh", [](const Tensor& x) { return x.sinh(); }, -1.5, 1.5},
      {"cosh", [](const Tensor& x) { return x.cosh(); }, -1.5, 1.5},
      {"reciprocal(+)", [](const Tensor& x) { return x.reciprocal(); }, 0.5, 2},
      {"reciprocal(-)", [](const Tensor& x) { return x.reciprocal(); }, -2, -0.5},
  };
  for (const Case& c : cases) {
    Tensor x = leaf({2, 3}, c.lo, c.hi, 11);
    auto op = c.op;
    CHECK_GRAD(c.name, [op](const Ins& in) { return op(in[0]); }, {x});
    // The same op on a transposed view: the gradient must flow back through the view.
    Tensor xt = leaf({3, 2}, c.lo, c.hi, 12);
    CHECK_GRAD(std::string(c.name) + " (transposed input)", [op](const Ins& in) { return op(in[0].t()); }, {xt});
  }
}

TEST_CASE("ops with kinks, on points away from the kinks") {
  Tensor x = mixed();
  CHECK_GRAD("abs", [](const Ins& in) { return in[0].abs(); }, {x});
  CHECK_GRAD("relu", [](const Ins& in) { return in[0].relu(); }, {x});
  CHECK_GRAD("reciprocal (mixed signs)", [](const Ins& in) { return in[0].reciprocal(); }, {x});
  CHECK_GRAD("relu on a strided slice", [](const Ins& in) { return in[0].slice(1, 0, 3, 2).relu(); }, {x});
  // Piecewise-constant ops have a zero gradient between their jumps.
  Tensor y = leaf_of({-1.3, -0.6, -0.2, 0.25, 0.7, 1.4}, {6});
  CHECK_GRAD("sign", [](const Ins& in) { return in[0].sign(); }, {y});
  CHECK_GRAD("floor", [](const Ins& in) { return in[0].floor(); }, {y});
  CHECK_GRAD("ceil", [](const Ins& in) { return in[0].ceil(); }, {y});
  CHECK_GRAD("round", [](const Ins& in) { return in[0].round(); }, {y});
  CHECK_GRAD("trunc", [](const Ins& in) { return in[0].trunc(); }, {y});
}

TEST_CASE("pow with a scalar exponent") {
  Tensor x = leaf({2, 3}, -1, 1, 21);
  Tensor pos = leaf({2, 3}, 0.5, 2, 22);
  CHECK_GRAD("pow(3)", [](const Ins& in) { return in[0].pow(3); }, {x});
  CHECK_GRAD("pow(2) (square path)", [](const Ins& in) { return in[0].pow(2); }, {x});
  CHECK_GRAD("pow(1) (clone path)", [](const Ins& in) { return in[0].pow(1); }, {x});
  CHECK_GRAD("pow(0)", [](const Ins& in) { return in[0].pow(0); }, {x});
  CHECK_GRAD("pow(2.5)", [](const Ins& in) { return in[0].pow(2.5); }, {pos});
  CHECK_GRAD("pow(-1.5)", [](const Ins& in) { return in[0].pow(-1.5); }, {pos});
  CHECK_GRAD("pow(0.5) on a transposed input", [](const Ins& in) { return in[0].t().pow(0.5); }, {pos});
}

TEST_CASE("pow with a tensor exponent and with a scalar base") {
  Tensor base = leaf({2, 3}, 0.5, 2, 31);
  Tensor expo = leaf({2, 3}, -1, 2, 32);
  CHECK_GRAD("pow(tensor, tensor)", [](const Ins& in) { return in[0].pow(in[1]); }, {base, expo});
  // Exponent [3] broadcast over base rows; base read through a transpose.
  Tensor base_t = leaf({3, 2}, 0.5, 2, 33);
  Tensor expo_row = leaf({3}, -1, 2, 34);
  CHECK_GRAD("pow broadcast exponent, transposed base", [](const Ins& in) { return in[0].t().pow(in[1]); },
             {base_t, expo_row});
  CHECK_GRAD("pow(2.0, tensor)", [](const Ins& in) { return accmt::pow(2.0, in[0]); }, {expo});
  CHECK_GRAD("pow(0.5, tensor)", [](const Ins& in) { return accmt::pow(0.5, in[0]); }, {expo});
}

TEST_CASE("clamp, clamp_min and clamp_max away from the bounds") {
  // Values straddle the bounds -0.5 / 0.5 but none is within 0.05 of them.
  Tensor x = leaf_of({-0.9, -0.55, -0.3, 0.1, 0.45, 0.8}, {2, 3});
  CHECK_GRAD("clamp(-0.5, 0.5)", [](const Ins& in) { return in[0].clamp(Scalar(-0.5), Scalar(0.5)); }, {x});
  CHECK_GRAD("clamp_min(0)", [](const Ins& in) { return in[0].clamp_min(0.0); }, {x});
  CHECK_GRAD("clamp_max(0.2)", [](const Ins& in) { return in[0].clamp_max(0.2); }, {x});
  CHECK_GRAD("clamp on a transpose", [](const Ins& in) { return in[0].t().clamp(Scalar(-0.5), std::nullopt); }, {x});
}

}  // TEST_SUITE
