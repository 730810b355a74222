// Elementwise values on small, hand-checkable inputs across dtypes: arithmetic, true and
// floor division, remainder, bool semantics, comparisons, where/masked_fill, clamp
// (NaN included), unary ops and the in-place casting rule. Expected values come from
// the same expressions in PyTorch.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

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

// Relative tolerance that matches a dtype's rounding.
double tol(DType dt) {
  switch (dt) {
    case DType::BFloat16: return 1e-2;
    case DType::Float16: return 1e-3;
    case DType::Float32: return 1e-6;
    default: return 1e-12;
  }
}
}  // namespace

TEST_SUITE("tensor.elementwise") {

TEST_CASE("arithmetic across dtypes keeps the dtype and follows Python's integer rules") {
  // a = [1, 2, 3, 7], b = [2, 2, 1, 3]: non-negative so uint8 holds them.
  const std::vector<double> a = {1, 2, 3, 7}, b = {2, 2, 1, 3};
  for (DType dt : {DType::Int32, DType::Int64, DType::UInt8, DType::Float16, DType::BFloat16, DType::Float32,
                   DType::Float64}) {
    INFO("dtype: " << std::string(dtype_name(dt)));
    Tensor x = make(a, dt), y = make(b, dt);
    CHECK((x + y).dtype() == dt);
    CHECK(dvals(x + y) == std::vector<double>{3, 4, 4, 10});
    CHECK(dvals(x * y) == std::vector<double>{2, 4, 3, 21});
    // uint8 wraps around like PyTorch: 1 - 2 = 255.
    CHECK(dvals(x - y) == (dt == DType::UInt8 ? std::vector<double>{255, 0, 2, 4} : std::vector<double>{-1, 0, 2, 4}));
    // True division: integers give the default float dtype, floats keep theirs.
    Tensor q = x / y;
    CHECK(q.dtype() == (is_floating(dt) ? dt : DType::Float32));
    check_close(dvals(q), {0.5, 1, 3, 7.0 / 3.0}, tol(q.dtype()), 0, "true division");
    Tensor fd = x.floor_divide(y);
    CHECK(fd.dtype() == dt);
    CHECK(dvals(fd) == std::vector<double>{0, 1, 3, 2});
    CHECK(dvals(x.remainder(y)) == std::vector<double>{1, 0, 0, 1});
    CHECK(dvals(x.maximum(y)) == std::vector<double>{2, 2, 3, 7});
    CHECK(dvals(x.minimum(y)) == std::vector<double>{1, 2, 1, 3});
    // bf16 rounds 343 to 344 (8 mantissa bits); uint8 wraps 343 to 87.
    double cube = dt == DType::BFloat16 ? 344 : dt == DType::UInt8 ? 87 : 343;
    CHECK(dvals(x.pow(y)) == std::vector<double>{1, 4, 3, cube});
  }
}

TEST_CASE("floor_divide and remainder follow Python's sign rules") {
  // torch: [7, -7, 7, -7] // [2, 2, -2, -2] = [3, -4, -4, 3]; % = [1, 1, -1, -1]
  for (DType dt : {DType::Int32, DType::Int64, DType::Float32, DType::Float64, DType::Float16, DType::BFloat16}) {
    INFO("dtype: " << std::string(dtype_name(dt)));
    Tensor x = make({7, -7, 7, -7}, dt), y = make({2, 2, -2, -2}, dt);
    CHECK(dvals(x.floor_divide(y)) == std::vector<double>{3, -4, -4, 3});
    CHECK(dvals(x.remainder(y)) == std::vector<double>{1, 1, -1, -1});
    CHECK(dvals(x / y) == std::vector<double>{3.5, -3.5, -3.5, 3.5});
  }
  // Exact multiples give zero remainder whatever the signs.
  CHECK(dvals(make({-4, 4}, DType::Int64).remainder(make({2, -2}, DType::Int64))) == std::vector<double>{0, 0});
  // Fractional floats: 5.5 % 2 = 1.5, -5.5 % 2 = 0.5.
  check_close(dvals(tensor({5.5, -5.5}).remainder(tensor({2.0, 2.0}))), {1.5, 0.5}, 0, 0, "float remainder");
  // Floating division by zero gives inf/nan; integer true division too.
  check_close(dvals(tensor({1.0, -1.0, 0.0}) / 0.0), {kInf, -kInf, kNaN}, 0, 0, "float / 0");
  check_close(dvals(tensor(std::vector<int64_t>{1, 0}) / tensor(std::vector<int64_t>{0, 0})), {kInf, kNaN}, 0, 0,
              "int / 0");
}

TEST_CASE("scalar operands, uint8 wrap-around and 16-bit mixing like PyTorch") {
  Tensor i = tensor(std::vector<int64_t>{1, 2});
  CHECK(ivals(1 - i) == std::vector<int64_t>{0, -1});
  Tensor d = 2 / tensor(std::vector<int64_t>{1, 4});
  CHECK(d.dtype() == DType::Float32);
  CHECK(dvals(d) == std::vector<double>{2, 0.5});
  CHECK(dvals(tensor(std::vector<uint8_t>{250}) * 2) == std::vector<double>{244});
  // float16 * bfloat16 promotes to float32.
  Tensor h = make({1, 2}, DType::Float16) * make({3}, DType::BFloat16);
  CHECK(h.dtype() == DType::Float32);
  CHECK(dvals(h) == std::vector<double>{3, 6});
}

TEST_CASE("bool arithmetic: add is or, mul is and, sub and neg are errors") {
  Tensor x = tensor(std::vector<bool>{true, false, true});
  Tensor y = tensor(std::vector<bool>{true, true, false});
  Tensor s = x + y;
  CHECK(s.dtype() == DType::Bool);
  CHECK(s.to_vector<bool>() == std::vector<bool>{true, true, true});
  Tensor p = x * y;
  CHECK(p.dtype() == DType::Bool);
  CHECK(p.to_vector<bool>() == std::vector<bool>{true, false, false});
  CHECK((x + x).to_vector<bool>() == std::vector<bool>{true, false, true});
  // Mixed with integers, bools count as 0/1.
  Tensor m = x + tensor(std::vector<int64_t>{1, 2, 3});
  CHECK(m.dtype() == DType::Int64);
  CHECK(ivals(m) == std::vector<int64_t>{2, 2, 4});
  CHECK(ivals(x.sum()) == std::vector<int64_t>{2});
  check_error([&] { x - y; }, {"sub", "bool"}, "bool - bool");
  check_error([&] { -x; }, {"neg", "bool"}, "-bool");
}

TEST_CASE("comparisons return bool for every dtype") {
  for (DType dt : {DType::Bool, DType::UInt8, DType::Int32, DType::Int64, DType::Float16, DType::BFloat16,
                   DType::Float32, DType::Float64}) {
    INFO("dtype: " << std::string(dtype_name(dt)));
    Tensor x = make({0, 1, 1}, dt), y = make({1, 1, 0}, dt);
    for (const Tensor& r : {x == y, x != y, x < y, x <= y, x > y, x >= y}) CHECK(r.dtype() == DType::Bool);
    CHECK((x == y).to_vector<bool>() == std::vector<bool>{false, true, false});
    CHECK((x != y).to_vector<bool>() == std::vector<bool>{true, false, true});
    CHECK((x < y).to_vector<bool>() == std::vector<bool>{true, false, false});
    CHECK((x <= y).to_vector<bool>() == std::vector<bool>{true, true, false});
    CHECK((x > y).to_vector<bool>() == std::vector<bool>{false, false, true});
    CHECK((x >= y).to_vector<bool>() == std::vector<bool>{false, true, true});
  }
  // Integers compare with a float scalar in floating point: [2, 3] == 2.5 is all false.
  Tensor i = tensor(std::vector<int64_t>{2, 3});
  CHECK((i == 2.5).to_vector<bool>() == std::vector<bool>{false, false});
  CHECK((i < 2.5).to_vector<bool>() == std::vector<bool>{true, false});
  // NaN is unequal to everything, itself included.
  Tensor n = tensor({kNaN, 1.0});
  CHECK((n == n).to_vector<bool>() == std::vector<bool>{false, true});
  CHECK((n != n).to_vector<bool>() == std::vector<bool>{true, false});
  CHECK((n < 2.0).to_vector<bool>() == std::vector<bool>{false, true});
  // Broadcasting comparisons.
  Tensor col = tensor(std::vector<int64_t>{1, 2}).reshape({2, 1});
  Tensor row = tensor(std::vector<int64_t>{1, 2, 3});
  Tensor c = col < row;
  CHECK(c.sizes() == Shape{2, 3});
  CHECK(c.to_vector<bool>() == std::vector<bool>{false, true, true, false, false, true});
  // Logical ops treat nonzero as true and mix dtypes.
  Tensor lx = tensor({0.0, 1.0, 2.0});
  Tensor ly = tensor(std::vector<int64_t>{0, 0, 3});
  CHECK(lx.logical_xor(ly).to_vector<bool>() == std::vector<bool>{false, true, false});
  CHECK(lx.logical_and(ly).to_vector<bool>() == std::vector<bool>{false, false, true});
  CHECK(lx.logical_or(ly).to_vector<bool>() == std::vector<bool>{false, true, true});
  CHECK((!lx).to_vector<bool>() == std::vector<bool>{true, false, false});
}

TEST_CASE("where and masked_fill") {
  Tensor cond = tensor(std::vector<bool>{true, false});
  Tensor w = where(cond, tensor(std::vector<int64_t>{1, 2}), tensor({1.5, 2.5}));
  CHECK(w.dtype() == DType::Float32);  // int64 with float32 promotes
  CHECK(dvals(w) == std::vector<double>{1.0, 2.5});
  Tensor ws = where(cond, tensor(std::vector<int64_t>{1, 2}), 0.5);
  CHECK(ws.dtype() == DType::Float32);
  CHECK(dvals(ws) == std::vector<double>{1.0, 0.5});
  // Broadcast condition.
  Tensor c2 = tensor(std::vector<bool>{true, false, true}).reshape({1, 3});
  Tensor wb = where(c2, ones({2, 3}), zeros({2, 1}));
  CHECK(dvals(wb) == std::vector<double>{1, 0, 1, 1, 0, 1});
  Tensor mf = tensor({1.0, 2.0, 3.0}).masked_fill(tensor(std::vector<bool>{true, false, true}), -1);
  CHECK(dvals(mf) == std::vector<double>{-1, 2, -1});
  // The fill value takes the tensor's dtype: torch gives [2, 2, 2] here.
  Tensor mi = tensor(std::vector<int64_t>{1, 2, 3}).masked_fill(tensor(std::vector<bool>{true, false, true}), 2.7);
  CHECK(mi.dtype() == DType::Int64);
  CHECK(ivals(mi) == std::vector<int64_t>{2, 2, 2});
  Tensor x = zeros({2, 2});
  x.masked_fill_(tensor(std::vector<bool>{false, true}), 5);  // a broadcast mask
  CHECK(dvals(x) == std::vector<double>{0, 5, 0, 5});
  check_error([] { zeros({2}).masked_fill(ones({2}), 1); }, {"masked_fill", "bool"}, "masked_fill with a float mask");
  check_error([] { zeros({2}).masked_fill(tensor(std::vector<bool>{true, false, true}), 1); },
              {"masked_fill", "[3]", "[2]"}, "masked_fill with a mask of the wrong shape");
}

TEST_CASE("clamp, including NaN inputs and NaN bounds") {
  // torch.clamp([1, nan, 5], 2, 4) = [2, nan, 4]
  check_close(dvals(tensor({1.0, kNaN, 5.0}).clamp(2, 4)), {2, kNaN, 4}, 0, 0, "clamp of NaN input");
  for (DType dt : {DType::Float16, DType::BFloat16, DType::Float64}) {
    INFO("dtype: " << std::string(dtype_name(dt)));
    Tensor c = make({1, kNaN, 5}, dt).clamp(2, 4);
    CHECK(c.dtype() == dt);
    check_close(dvals(c), {2, kNaN, 4}, 0, 0, "clamp of NaN input");
  }
  // A NaN bound makes every result NaN: torch.clamp([1, 2], min=nan) = [nan, nan].
  check_close(dvals(tensor({1.0, 2.0}).clamp(kNaN, std::nullopt)), {kNaN, kNaN}, 0, 0, "clamp with min = NaN");
  check_close(dvals(tensor({1.0, 2.0}).clamp(std::nullopt, kNaN)), {kNaN, kNaN}, 0, 0, "clamp with max = NaN");
  // Integer tensors: integer bounds keep the dtype, float bounds promote to float32.
  Tensor i = tensor(std::vector<int64_t>{1, 5, 9});
  Tensor ci = i.clamp(2, 6);
  CHECK(ci.dtype() == DType::Int64);
  CHECK(ivals(ci) == std::vector<int64_t>{2, 5, 6});
  Tensor cf = i.clamp(2.5, 6);
  CHECK(cf.dtype() == DType::Float32);
  CHECK(dvals(cf) == std::vector<double>{2.5, 5, 6});
  CHECK(dvals(tensor({-1.0, 0.5, 3.0}).clamp_min(0)) == std::vector<double>{0, 0.5, 3});
  CHECK(dvals(tensor({-1.0, 0.5, 3.0}).clamp_max(1)) == std::vector<double>{-1, 0.5, 1});
  Tensor in = tensor({-2.0, 0.0, 2.0});
  in.clamp_(-1, 1);
  CHECK(dvals(in) == std::vector<double>{-1, 0, 1});
  check_error([] { zeros({2}).clamp(std::nullopt, std::nullopt); }, {"clamp"}, "clamp without bounds");
}

TEST_CASE("unary ops keep integers where PyTorch does and promote otherwise") {
  Tensor i = tensor(std::vector<int64_t>{-3, 0, 4});
  CHECK(ivals(i.sign()) == std::vector<int64_t>{-1, 0, 1});
  CHECK(ivals(i.abs()) == std::vector<int64_t>{3, 0, 4});
  CHECK(ivals(i.relu()) == std::vector<int64_t>{0, 0, 4});
  CHECK(ivals(i.neg()) == std::vector<int64_t>{3, 0, -4});
  CHECK(i.abs().dtype() == DType::Int64);
  Tensor s = tensor(std::vector<int64_t>{4, 9}).sqrt();
  CHECK(s.dtype() == DType::Float32);
  CHECK(dvals(s) == std::vector<double>{2, 3});
  CHECK(tensor(std::vector<uint8_t>{1}).exp().dtype() == DType::Float32);
  CHECK(tensor(std::vector<bool>{true, false}).logical_not().to_vector<bool>() == std::vector<bool>{false, true});
  CHECK(tensor({0.0, 2.0}).logical_not().to_vector<bool>() == std::vector<bool>{true, false});
  // round is half-to-even: [0.5, 1.5, 2.5, -0.5] -> [0, 2, 2, -0]
  CHECK(dvals(tensor({0.5, 1.5, 2.5, -0.5}).round()) == std::vector<double>{0, 2, 2, 0});
  for (DType dt : {DType::Float16, DType::BFloat16, DType::Float32, DType::Float64}) {
    INFO("dtype: " << std::string(dtype_name(dt)));
    Tensor x = make({0, 1, 4}, dt);
    CHECK(x.exp().dtype() == dt);
    check_close(dvals(x.sqrt()), {0, 1, 2}, 0, 0, "sqrt");
    check_close(dvals(x.exp()), {1, std::exp(1.0), std::exp(4.0)}, tol(dt), 0, "exp");
    check_close(dvals(x.neg()), {0, -1, -4}, 0, 0, "neg");
    check_close(dvals(make({-1, 0, 2}, dt).relu()), {0, 0, 2}, 0, 0, "relu");
    check_close(dvals(make({0}, dt).sigmoid()), {0.5}, tol(dt), 0, "sigmoid");
    check_close(dvals(make({0, 1}, dt).tanh()), {0, std::tanh(1.0)}, tol(dt), 0, "tanh");
    check_close(dvals(make({1, 8}, dt).log2()), {0, 3}, tol(dt), 0, "log2");
  }
}

TEST_CASE("in-place ops refuse results that cannot be cast back, like PyTorch") {
  // torch: t = tensor([1, 2]); t.add_(1.5) -> "result type Float can't be cast to ... Long".
  Tensor t = tensor(std::vector<int64_t>{1, 2});
  check_error([&] { t.add_(tensor({1.5, 1.5})); }, {"add_", "float32", "int64"}, "int add_ float tensor");
  check_error([&] { t.div_(tensor(std::vector<int64_t>{2, 2})); }, {"div_", "int64"}, "int div_ int (true division)");
  check_error([&] { t.add_(1.5); }, {"add_", "int64"}, "int add_ float scalar");
  check_error([&] { t.mul_(0.5); }, {"mul_", "int64"}, "int mul_ float scalar");
  CHECK(ivals(t) == std::vector<int64_t>{1, 2});  // unchanged by the refused ops
  // Allowed in-place updates, with broadcasting of the other operand.
  Tensor f = zeros({2, 2});
  f.add_(tensor({1.0, 2.0}));
  f.mul_(2);
  f.sub_(tensor({0.5, 0.5}), 2);
  CHECK(dvals(f) == std::vector<double>{1, 3, 1, 3});
  Tensor u = tensor(std::vector<int64_t>{5});
  u += 2;
  u *= 3;
  CHECK(ivals(u) == std::vector<int64_t>{21});
  check_error([] { Tensor z = zeros({2}); z.add_(ones({2, 2})); }, {"add_", "[2]", "[2, 2]"}, "in-place broadcasting that grows self");
}

}  // TEST_SUITE
