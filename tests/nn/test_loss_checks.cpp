// Losses: float64 gradchecks (including a second-order check of the fused cross-entropy),
// the modules, and the errors for bad targets, shapes and options.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "accmt/accmt.hpp"
#include "nn/functional/loss.hpp"
#include "nn/loss.hpp"
#include "tests/support/checks.hpp"

using accmt::test::error_of;
using accmt::test::grad_ok;

using namespace accmt;
namespace F = accmt::nn::functional;
using Ins = std::vector<Tensor>;

namespace {

const TensorOptions kF64{.dtype = DType::Float64};

Tensor leaf(const Shape& s, double lo, double hi, uint64_t seed) {
  Generator g(seed);
  Tensor t = rand(s, kF64, &g) * (hi - lo) + lo;
  return t.requires_grad_();
}

Tensor idx(std::vector<int64_t> v, Shape s) { return tensor(v, s, TensorOptions{.dtype = DType::Int64}); }

}  // namespace

TEST_SUITE("nn.loss_checks") {

TEST_CASE("gradcheck: cross_entropy in every target mode") {
  Tensor x = leaf({4, 5}, -2, 2, 1);
  Tensor t = idx({1, 4, 0, 2}, {4});
  Tensor w = rand({5}, kF64) + 0.5;
  CHECK(grad_ok([&](const Ins& in) { return F::cross_entropy(in[0], t); }, {x}));
  CHECK(grad_ok([&](const Ins& in) {
    return F::cross_entropy(in[0], t, {.weight = w, .ignore_index = 4, .label_smoothing = 0.2});
  }, {x}));
  CHECK(grad_ok([&](const Ins& in) { return F::cross_entropy(in[0], t, {.reduction = "none", .label_smoothing = 0.1}); },
                {x}));
  Tensor p = leaf({4, 5}, 0.1, 1, 2);
  CHECK(grad_ok([&](const Ins& in) {
    return F::cross_entropy(in[0], in[1], {.weight = w, .reduction = "sum", .label_smoothing = 0.3});
  }, {x, p}));
  Tensor x3 = leaf({2, 3, 2, 2}, -1, 1, 3);
  Tensor t3 = idx({0, 1, 2, 0, 2, 2, 1, -100}, {2, 2, 2});
  CHECK(grad_ok([&](const Ins& in) { return F::cross_entropy(in[0], t3, {.label_smoothing = 0.1}); }, {x3}));
}

TEST_CASE("gradcheck: cross_entropy second order (create_graph through the fused op)") {
  Tensor x = leaf({3, 4}, -1, 1, 4);
  Tensor t = idx({3, 0, 1}, {3});
  Tensor w = rand({4}, kF64) + 0.5;
  auto first = [&](const Ins& in) {
    EnableGradGuard on;  // gradcheck evaluates the numeric side under NoGradGuard
    Tensor loss = F::cross_entropy(in[0], t, {.weight = w, .label_smoothing = 0.1});
    Tensor g = autograd::grad({loss}, {in[0]}, {}, true, true)[0];
    return (g * g).sum();
  };
  CHECK(grad_ok(first, {x}));
}

TEST_CASE("gradcheck: nll, regression, bce and kl losses") {
  Tensor x = leaf({3, 4}, -1, 1, 5), y = leaf({3, 4}, -1, 1, 6);
  Tensor t = idx({3, 0, 1}, {3});
  Tensor w = rand({4}, kF64) + 0.5;
  CHECK(grad_ok([&](const Ins& in) { return F::nll_loss(in[0], t, {.weight = w, .ignore_index = 0}); }, {x}));
  CHECK(grad_ok([&](const Ins& in) { return F::mse_loss(in[0], in[1]); }, {x, y}));
  CHECK(grad_ok([&](const Ins& in) { return F::l1_loss(in[0], in[1], "sum"); }, {x, y}));
  CHECK(grad_ok([&](const Ins& in) { return F::smooth_l1_loss(in[0], in[1], "mean", 0.5); }, {x, y}));
  CHECK(grad_ok([&](const Ins& in) { return F::huber_loss(in[0], in[1], "none", 0.4); }, {x, y}));
  Tensor p = leaf({3, 4}, 0.1, 0.9, 7), q = leaf({3, 4}, 0, 1, 8);
  CHECK(grad_ok([&](const Ins& in) { return F::binary_cross_entropy(in[0], in[1], w, "mean"); }, {p, q}));
  Tensor pw = rand({4}, kF64) + 0.5, rw = rand({3, 1}, kF64) + 0.5;
  CHECK(grad_ok([&](const Ins& in) {
    return F::binary_cross_entropy_with_logits(in[0] * 3, in[1], {.weight = rw, .pos_weight = pw});
  }, {x, q}));
  Tensor lp = leaf({3, 4}, -3, -0.1, 9);
  CHECK(grad_ok([&](const Ins& in) { return F::kl_div(in[0], in[1], "batchmean"); }, {lp, p}));
  CHECK(grad_ok([&](const Ins& in) { return F::kl_div(in[0], in[1], "sum", true); }, {lp, y}));
}

TEST_CASE("modules: options, buffers, and they equal the functionals") {
  Tensor x = leaf({4, 3}, -1, 1, 10), t = idx({0, 2, 1, 2}, {4});
  Tensor w = tensor({0.5, 1.0, 2.0}, kF64);
  nn::CrossEntropyLoss ce({.weight = w, .label_smoothing = 0.1});
  CHECK(ce(x, t).allclose(F::cross_entropy(x, t, {.weight = w, .label_smoothing = 0.1})));
  REQUIRE(ce.state_dict().size() == 1);
  CHECK(ce.state_dict()[0].first == "weight");
  nn::NLLLoss nll({.reduction = "sum"});
  CHECK(nll(x, t).allclose(F::nll_loss(x, t, {.reduction = "sum"})));
  Tensor y = leaf({4, 3}, -1, 1, 11);
  CHECK(nn::MSELoss("sum")(x, y).allclose(F::mse_loss(x, y, "sum")));
  CHECK(nn::L1Loss()(x, y).allclose(F::l1_loss(x, y)));
  CHECK(nn::SmoothL1Loss({.beta = 0.3})(x, y).allclose(F::smooth_l1_loss(x, y, "mean", 0.3)));
  CHECK(nn::HuberLoss({.reduction = "none", .delta = 0.3})(x, y).allclose(F::huber_loss(x, y, "none", 0.3)));
  Tensor p = x.sigmoid(), q = y.sigmoid();
  CHECK(nn::BCELoss({.weight = w})(p, q).allclose(F::binary_cross_entropy(p, q, w)));
  nn::BCEWithLogitsLoss bcel({.pos_weight = w});
  CHECK(bcel(x, q).allclose(F::binary_cross_entropy_with_logits(x, q, {.pos_weight = w})));
  CHECK(bcel.state_dict()[0].first == "pos_weight");
  CHECK(nn::KLDivLoss({.reduction = "batchmean", .log_target = true})(x, y).allclose(F::kl_div(x, y, "batchmean", true)));
  CHECK(ce.type_name() == "CrossEntropyLoss");
}

TEST_CASE("cross_entropy on 16-bit logits computes in float (scratch-row path)") {
  Generator g(5);
  Tensor x = randn({6, 9}, {}, &g);
  Tensor t = idx({0, 8, 3, 3, -100, 1}, {6});
  Tensor w = rand({9}, {}, &g) + 0.5;
  for (DType dt : {DType::BFloat16, DType::Float16}) {
    Tensor xh = x.to(dt).requires_grad_();
    Tensor ref_x = xh.detach().to(DType::Float32).requires_grad_();
    F::CrossEntropyOptions o{.weight = w.to(dt), .label_smoothing = 0.1};
    Tensor lh = F::cross_entropy(xh, t, o);
    o.weight = w.to(dt).to(DType::Float32);
    Tensor lf = F::cross_entropy(ref_x, t, o);
    CHECK(lh.dtype() == dt);
    CHECK(std::abs(lh.item<double>() - lf.item<double>()) < 2e-2);
    lh.backward();
    lf.backward();
    CHECK(xh.grad().to(DType::Float32).allclose(ref_x.grad(), 2e-2, 2e-3));
  }
}

TEST_CASE("mean over all-ignored targets is NaN like PyTorch; ignored rows get no gradient") {
  Tensor x = leaf({2, 3}, -1, 1, 12);
  Tensor t = idx({-100, -100}, {2});
  CHECK(std::isnan(F::cross_entropy(x, t).item<double>()));
  Tensor t2 = idx({1, -100}, {2});
  F::cross_entropy(x, t2).backward();
  CHECK(x.grad()[1].abs().sum().item<double>() == 0.0);
  CHECK(x.grad()[0].abs().sum().item<double>() > 0.0);
}

TEST_CASE("errors name the op, the shapes and what was expected") {
  Tensor x = leaf({4, 3}, -1, 1, 13);
  std::string e = error_of([&] { F::cross_entropy(x, idx({0, 1, 2}, {3})); });
  CHECK(e.find("cross_entropy") != std::string::npos);
  CHECK(e.find("[4]") != std::string::npos);
  CHECK(e.find("[3]") != std::string::npos);
  e = error_of([&] { F::cross_entropy(x, idx({0, 1, 3, 2}, {4})); });
  CHECK(e.find("out of range") != std::string::npos);
  CHECK(e.find("target 3") != std::string::npos);
  CHECK(error_of([&] { F::cross_entropy(x, idx({0, -1, 1, 2}, {4})); }).find("out of range") != std::string::npos);
  CHECK(error_of([&] { F::nll_loss(x, idx({0, 5, 1, 2}, {4})); }).find("nll_loss: target 5") != std::string::npos);
  CHECK(error_of([&] { F::cross_entropy(x, tensor({1.0, 2.0, 0.0, 1.0}, kF64)); }).find("class-probability") !=
        std::string::npos);
  CHECK(error_of([&] { F::cross_entropy(x, tensor(std::vector<bool>{true, false, true, true}, Shape{4})); })
            .find("integer") != std::string::npos);
  CHECK(error_of([&] { F::cross_entropy(x, idx({0, 1, 2, 0}, {4}), {.reduction = "avg"}); })
            .find("reduction must be 'none', 'mean' or 'sum', got 'avg'") != std::string::npos);
  CHECK(error_of([&] { F::cross_entropy(x, idx({0, 1, 2, 0}, {4}), {.label_smoothing = 1.5}); })
            .find("label_smoothing") != std::string::npos);
  CHECK(error_of([&] { F::cross_entropy(x, idx({0, 1, 2, 0}, {4}), {.weight = ones({4}, kF64)}); }).find("weight") !=
        std::string::npos);
  CHECK(error_of([&] { F::cross_entropy(x, x.softmax(1).detach(), {.ignore_index = 1}); }).find("ignore_index") !=
        std::string::npos);
  CHECK(error_of([&] { F::cross_entropy(zeros({2, 0}), idx({0, 0}, {2})); }).find("at least one class") !=
        std::string::npos);
  CHECK(error_of([&] { F::mse_loss(x, zeros({3, 4}, kF64)); }).find("mse_loss: target shape [3, 4]") != std::string::npos);
  CHECK(error_of([&] { F::kl_div(x, x, "batch"); }).find("'batchmean'") != std::string::npos);
  CHECK(error_of([&] { F::binary_cross_entropy(x, x.sigmoid()); }).find("[0, 1]") != std::string::npos);
  CHECK(error_of([&] { F::smooth_l1_loss(x, x, "mean", -1.0); }).find("beta") != std::string::npos);
  CHECK(error_of([&] { F::huber_loss(x, x, "mean", 0.0); }).find("delta") != std::string::npos);
  CHECK(error_of([&] { F::binary_cross_entropy_with_logits(x, x.sigmoid(), {.pos_weight = ones({5}, kF64)}); })
            .find("pos_weight") != std::string::npos);
  CHECK(error_of([] { nn::MSELoss("Mean"); }).find("MSELoss: reduction") != std::string::npos);
  CHECK(error_of([] { nn::KLDivLoss({.reduction = "avg"}); }).find("KLDivLoss") != std::string::npos);
}

}  // TEST_SUITE
