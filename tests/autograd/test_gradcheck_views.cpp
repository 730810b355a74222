// Float64 gradchecks of view and shape ops (the gradient maps back through the view),
// splitting ops (each piece weighted differently so misrouted gradients show), contiguous,
// clone and dtype round trips.
#include "ag_helpers.hpp"

using namespace agtest;
using accmt::Ellipsis;
using accmt::None;
using accmt::Slice;
using accmt::TensorIndex;

namespace {
// A non-uniform weight so that every output element has its own coefficient.
Tensor weigh(const Tensor& t) {
  Tensor w = accmt::arange(1.0, 1.0 + static_cast<double>(t.numel()), 1.0, accmt::TensorOptions{.dtype = DType::Float64});
  return t * w.view(t.sizes());
}
}  // namespace

TEST_SUITE("autograd.gradcheck_views") {

TEST_CASE("view, reshape, permute, transpose, t") {
  Tensor x = leaf({2, 3, 4}, -1, 1, 1);
  CHECK_GRAD("view", [](const Ins& in) { return weigh(in[0].view({6, 4})); }, {x});
  CHECK_GRAD("view with -1", [](const Ins& in) { return weigh(in[0].view({4, -1})); }, {x});
  CHECK_GRAD("reshape contiguous", [](const Ins& in) { return weigh(in[0].reshape({3, 8})); }, {x});
  CHECK_GRAD("reshape of a non-contiguous view (copies)",
             [](const Ins& in) { return weigh(in[0].transpose(0, 2).reshape({-1})); }, {x});
  CHECK_GRAD("permute", [](const Ins& in) { return weigh(in[0].permute({2, 0, 1})); }, {x});
  CHECK_GRAD("transpose", [](const Ins& in) { return weigh(in[0].transpose(-1, 0)); }, {x});
  CHECK_GRAD("mT", [](const Ins& in) { return weigh(in[0].mT()); }, {x});
  Tensor m = leaf({3, 4}, -1, 1, 2);
  CHECK_GRAD("t", [](const Ins& in) { return weigh(in[0].t()); }, {m});
  CHECK_GRAD("view_as / reshape_as", [](const Ins& in) { return weigh(in[0].view_as(in[0].t().contiguous()).reshape_as(in[0])); },
             {m});
}

TEST_CASE("slice with step, narrow, select") {
  Tensor x = leaf({4, 6}, -1, 1, 3);
  CHECK_GRAD("slice step 2", [](const Ins& in) { return weigh(in[0].slice(1, 0, 6, 2)); }, {x});
  CHECK_GRAD("slice step 3 from 1", [](const Ins& in) { return weigh(in[0].slice(1, 1, std::nullopt, 3)); }, {x});
  CHECK_GRAD("slice negative bounds", [](const Ins& in) { return weigh(in[0].slice(0, -3, -1)); }, {x});
  CHECK_GRAD("slice of a slice", [](const Ins& in) { return weigh(in[0].slice(1, 1, 6, 2).slice(0, 1, 4, 2)); }, {x});
  CHECK_GRAD("narrow", [](const Ins& in) { return weigh(in[0].narrow(1, 2, 3)); }, {x});
  CHECK_GRAD("narrow negative start", [](const Ins& in) { return weigh(in[0].narrow(0, -2, 2)); }, {x});
  CHECK_GRAD("select", [](const Ins& in) { return weigh(in[0].select(1, 4)); }, {x});
  CHECK_GRAD("select negative", [](const Ins& in) { return weigh(in[0].select(0, -1)); }, {x});
  CHECK_GRAD("operator[]", [](const Ins& in) { return weigh(in[0][2]); }, {x});
  CHECK_GRAD("two selects of one tensor add up", [](const Ins& in) { return in[0][1] * 2.0 + in[0][1] * in[0][3]; }, {x});
}

TEST_CASE("index with Slice, None, Ellipsis, int and tensor") {
  Tensor x = leaf({3, 4, 2}, -1, 1, 4);
  Tensor idx = accmt::tensor(std::vector<int64_t>{3, 0, 3}, Shape{3});  // repeats accumulate
  CHECK_GRAD("index {int, Slice}", [](const Ins& in) { return weigh(in[0].index({int64_t(1), Slice{1, 4, 2}})); }, {x});
  CHECK_GRAD("index {Ellipsis, int}", [](const Ins& in) { return weigh(in[0].index({Ellipsis, int64_t(-1)})); }, {x});
  CHECK_GRAD("index {None, Slice, Ellipsis}",
             [](const Ins& in) { return weigh(in[0].index({None, Slice{std::nullopt, 2}, Ellipsis})); }, {x});
  CHECK_GRAD("index {Slice, tensor}", [idx](const Ins& in) { return weigh(in[0].index({Slice{}, idx})); }, {x});
  CHECK_GRAD("index {int, tensor, None}",
             [idx](const Ins& in) { return weigh(in[0].index({int64_t(2), idx, None})); }, {x});
}

TEST_CASE("expand, squeeze, unsqueeze, flatten, unflatten") {
  Tensor col = leaf({3, 1}, -1, 1, 5);
  CHECK_GRAD("expand [3,1] -> [2,3,4]", [](const Ins& in) { return weigh(in[0].expand({2, 3, 4})); }, {col});
  CHECK_GRAD("expand with -1", [](const Ins& in) { return weigh(in[0].expand({-1, 5})); }, {col});
  CHECK_GRAD("expand_as", [](const Ins& in) { return weigh(in[0].expand_as(accmt::zeros({2, 3, 2}))); }, {col});
  Tensor x = leaf({2, 1, 3, 1}, -1, 1, 6);
  CHECK_GRAD("squeeze()", [](const Ins& in) { return weigh(in[0].squeeze()); }, {x});
  CHECK_GRAD("squeeze(1)", [](const Ins& in) { return weigh(in[0].squeeze(1)); }, {x});
  CHECK_GRAD("squeeze(-1)", [](const Ins& in) { return weigh(in[0].squeeze(-1)); }, {x});
  CHECK_GRAD("unsqueeze(0)", [](const Ins& in) { return weigh(in[0].unsqueeze(0)); }, {x});
  CHECK_GRAD("unsqueeze(-1) of a transpose", [](const Ins& in) { return weigh(in[0].transpose(0, 2).unsqueeze(-1)); },
             {x});
  Tensor y = leaf({2, 3, 4}, -1, 1, 7);
  CHECK_GRAD("flatten()", [](const Ins& in) { return weigh(in[0].flatten()); }, {y});
  CHECK_GRAD("flatten(1)", [](const Ins& in) { return weigh(in[0].flatten(1)); }, {y});
  CHECK_GRAD("flatten of a permute", [](const Ins& in) { return weigh(in[0].permute({1, 2, 0}).flatten(0, 1)); }, {y});
  CHECK_GRAD("unflatten", [](const Ins& in) { return weigh(in[0].unflatten(2, {2, 2})); }, {y});
}

TEST_CASE("as_strided, including overlapping windows") {
  Tensor x = leaf({6}, -1, 1, 8);
  CHECK_GRAD("as_strided transpose-like", [](const Ins& in) { return weigh(in[0].as_strided({3, 2}, {1, 3}, 0)); }, {x});
  CHECK_GRAD("as_strided with offset", [](const Ins& in) { return weigh(in[0].as_strided({2, 2}, {2, 1}, 1)); }, {x});
  // Sliding windows share elements: their gradients must add up.
  CHECK_GRAD("as_strided overlapping", [](const Ins& in) { return weigh(in[0].as_strided({4, 3}, {1, 1}, 0)); }, {x});
  Tensor m = leaf({3, 4}, -1, 1, 9);
  CHECK_GRAD("as_strided diagonal", [](const Ins& in) { return weigh(in[0].as_strided({3}, {5}, 0)); }, {m});
}

TEST_CASE("unbind, split, split_with_sizes, chunk") {
  Tensor x = leaf({3, 5}, -1, 1, 10);
  CHECK_GRAD("unbind(0)", [](const Ins& in) {
    auto u = in[0].unbind(0);
    return u[0] + u[1] * 2.0 + u[2].square();
  }, {x});
  CHECK_GRAD("unbind(1), some pieces unused", [](const Ins& in) {
    auto u = in[0].unbind(1);
    return u[1] * 3.0 - u[4];
  }, {x});
  CHECK_GRAD("split(2, 1)", [](const Ins& in) {
    auto s = in[0].split(2, 1);  // sizes 2, 2, 1
    return accmt::cat({s[2] * 5.0, s[0].exp(), s[1] * -1.0}, 1);
  }, {x});
  CHECK_GRAD("split_with_sizes({1, 2}, 0)", [](const Ins& in) {
    auto s = in[0].split_with_sizes({1, 2}, 0);
    return s[1].sum(Shape{0}) * 2.0 + s[0].squeeze(0);
  }, {x});
  CHECK_GRAD("chunk(3, 1)", [](const Ins& in) {
    auto c = in[0].chunk(3, 1);  // sizes 2, 2, 1
    return weigh(c[1]) + c[0].square();
  }, {x});
}

TEST_CASE("contiguous, clone, detach, to(dtype)") {
  Tensor x = leaf({3, 4}, -1, 1, 11);
  CHECK_GRAD("contiguous of a transpose", [](const Ins& in) { return weigh(in[0].t().contiguous()); }, {x});
  CHECK_GRAD("contiguous (no-op)", [](const Ins& in) { return weigh(in[0].contiguous()); }, {x});
  CHECK_GRAD("clone", [](const Ins& in) { return weigh(in[0].clone()); }, {x});
  CHECK_GRAD("clone of a slice", [](const Ins& in) { return weigh(in[0].slice(1, 1, 4, 2).clone()); }, {x});
  CHECK_GRAD("to(float64) no-op and copy",
             [](const Ins& in) { return weigh(in[0].to(DType::Float64) + in[0].to(DType::Float64, true)); }, {x});
  // float32 rounding (~6e-8 relative) needs a larger step for the difference quotient.
  accmt::GradcheckOptions coarse;
  coarse.eps = 1e-2;
  CHECK_GRAD("to(float32).to(float64) round trip",
             [](const Ins& in) { return weigh(in[0].to(DType::Float32).to(DType::Float64)); }, {x}, coarse);
}

}  // TEST_SUITE
