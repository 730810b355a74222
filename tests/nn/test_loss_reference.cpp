// Every loss and option against PyTorch (tests/reference/make_loss_fixtures.py): values,
// input gradients and, for floating targets, target gradients.
#include <doctest/doctest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "accmt/accmt.hpp"
#include "nn/functional/loss.hpp"
#include "tests/support/fixtures.hpp"

using namespace accmt;
namespace F = accmt::nn::functional;

namespace {

struct Args {
  Tensor input, target, weight, pos_weight;
};
using LossFn = std::function<Tensor(const Args&)>;
struct Case {
  std::string name;
  LossFn fn;
};

const test::Fixtures& fx() {
  static test::Fixtures f(test::fixture_path("loss.safetensors"));
  return f;
}

Tensor opt(const std::string& key) { return fx().has(key) ? fx().get(key) : Tensor(); }

void run(const Case& c, double rtol, double atol) {
  INFO("case " << c.name);
  const std::string p = c.name + ".";
  Args a;
  a.input = fx().get(p + "input").clone().requires_grad_();
  a.target = fx().get(p + "target").clone();
  const bool target_grad = fx().has(p + "grad_target");
  if (target_grad) a.target.requires_grad_();
  a.weight = opt(p + "weight");
  a.pos_weight = opt(p + "pos_weight");
  Tensor out = c.fn(a);
  test::check_close(out, fx().get(p + "out"), rtol, atol, c.name + " value");
  if (fx().has(p + "gout")) out.backward(fx().get(p + "gout"));
  else out.backward();
  test::check_close(a.input.grad(), fx().get(p + "grad_input"), rtol, atol, c.name + " grad_input");
  if (target_grad) test::check_close(a.target.grad(), fx().get(p + "grad_target"), rtol, atol, c.name + " grad_target");
}

// Every case of the file must be in `cases` (the table repeats the Python options).
void check_covered(const std::vector<Case>& cases, const std::string& prefix) {
  std::set<std::string> listed;
  for (const auto& c : cases) listed.insert(c.name);
  for (const auto& n : fx().names()) {
    std::string cname = n.substr(0, n.find('.'));
    if (cname.rfind(prefix, 0) == 0) CHECK_MESSAGE(listed.count(cname), "fixture case not tested: " << cname);
  }
}

F::CrossEntropyOptions ce(const Args& a, F::CrossEntropyOptions o) {
  o.weight = a.weight;
  return o;
}

}  // namespace

TEST_SUITE("nn.loss_reference") {

TEST_CASE("cross_entropy: class indices, weights, ignore_index, label smoothing, probabilities, N-d, [C]") {
  std::vector<Case> cases = {
      {"ce_mean", [](const Args& a) { return F::cross_entropy(a.input, a.target); }},
      {"ce_sum", [](const Args& a) { return F::cross_entropy(a.input, a.target, {.reduction = "sum"}); }},
      {"ce_none", [](const Args& a) { return F::cross_entropy(a.input, a.target, {.reduction = "none"}); }},
      {"ce_weight", [](const Args& a) { return F::cross_entropy(a.input, a.target, ce(a, {})); }},
      {"ce_ignore", [](const Args& a) { return F::cross_entropy(a.input, a.target, ce(a, {.ignore_index = 2})); }},
      {"ce_ignore_default", [](const Args& a) { return F::cross_entropy(a.input, a.target); }},
      {"ce_smooth", [](const Args& a) {
         return F::cross_entropy(a.input, a.target, ce(a, {.ignore_index = 1, .label_smoothing = 0.15}));
       }},
      {"ce_smooth_none", [](const Args& a) {
         return F::cross_entropy(a.input, a.target, {.reduction = "none", .label_smoothing = 0.3});
       }},
      {"ce_smooth_sum", [](const Args& a) {
         return F::cross_entropy(a.input, a.target, ce(a, {.reduction = "sum", .label_smoothing = 0.2}));
       }},
      {"ce_prob", [](const Args& a) { return F::cross_entropy(a.input, a.target); }},
      {"ce_prob_smooth_weight", [](const Args& a) {
         return F::cross_entropy(a.input, a.target, ce(a, {.reduction = "sum", .label_smoothing = 0.1}));
       }},
      {"ce_nd", [](const Args& a) {
         return F::cross_entropy(a.input, a.target, ce(a, {.ignore_index = 0, .label_smoothing = 0.05}));
       }},
      {"ce_nd_none", [](const Args& a) { return F::cross_entropy(a.input, a.target, {.reduction = "none"}); }},
      {"ce_nd_prob", [](const Args& a) { return F::cross_entropy(a.input, a.target, {.reduction = "none"}); }},
      {"ce_1d", [](const Args& a) { return F::cross_entropy(a.input, a.target); }},
      {"ce_large", [](const Args& a) { return F::cross_entropy(a.input, a.target); }},
  };
  for (const auto& c : cases) run(c, 1e-10, 1e-12);
  Case f32{"ce_f32", [](const Args& a) { return F::cross_entropy(a.input, a.target, {.label_smoothing = 0.1}); }};
  run(f32, 1e-5, 1e-6);
  cases.push_back(f32);
  check_covered(cases, "ce_");
}

TEST_CASE("nll_loss") {
  std::vector<Case> cases = {
      {"nll_mean", [](const Args& a) { return F::nll_loss(a.input, a.target); }},
      {"nll_weight_ignore", [](const Args& a) {
         return F::nll_loss(a.input, a.target, {.weight = a.weight, .ignore_index = 3});
       }},
      {"nll_nd_none", [](const Args& a) { return F::nll_loss(a.input, a.target, {.reduction = "none"}); }},
      {"nll_sum", [](const Args& a) { return F::nll_loss(a.input, a.target, {.weight = a.weight, .reduction = "sum"}); }},
  };
  for (const auto& c : cases) run(c, 1e-12, 1e-14);
  check_covered(cases, "nll_");
}

TEST_CASE("mse, l1, smooth_l1 (beta) and huber (delta)") {
  std::vector<Case> cases;
  for (std::string r : {"mean", "sum", "none"}) {
    cases.push_back({"mse_" + r, [r](const Args& a) { return F::mse_loss(a.input, a.target, r); }});
    cases.push_back({"l1_" + r, [r](const Args& a) { return F::l1_loss(a.input, a.target, r); }});
  }
  cases.push_back({"smooth_l1_mean_1p0", [](const Args& a) { return F::smooth_l1_loss(a.input, a.target, "mean", 1.0); }});
  cases.push_back({"smooth_l1_none_0p5", [](const Args& a) { return F::smooth_l1_loss(a.input, a.target, "none", 0.5); }});
  cases.push_back({"smooth_l1_sum_0p0", [](const Args& a) { return F::smooth_l1_loss(a.input, a.target, "sum", 0.0); }});
  cases.push_back({"smooth_l1_mean_2p0", [](const Args& a) { return F::smooth_l1_loss(a.input, a.target, "mean", 2.0); }});
  cases.push_back({"huber_mean_1p0", [](const Args& a) { return F::huber_loss(a.input, a.target, "mean", 1.0); }});
  cases.push_back({"huber_none_0p7", [](const Args& a) { return F::huber_loss(a.input, a.target, "none", 0.7); }});
  cases.push_back({"huber_sum_2p5", [](const Args& a) { return F::huber_loss(a.input, a.target, "sum", 2.5); }});
  for (const auto& c : cases) run(c, 1e-12, 1e-14);
  check_covered(cases, "mse_");
  check_covered(cases, "l1_");
  check_covered(cases, "smooth_l1_");
  check_covered(cases, "huber_");
}

TEST_CASE("binary_cross_entropy (weight, clamped logs) and with logits (weight, pos_weight, large logits)") {
  std::vector<Case> cases = {
      {"bce_mean", [](const Args& a) { return F::binary_cross_entropy(a.input, a.target); }},
      {"bce_weight_none", [](const Args& a) { return F::binary_cross_entropy(a.input, a.target, a.weight, "none"); }},
      {"bce_sum", [](const Args& a) { return F::binary_cross_entropy(a.input, a.target, Tensor(), "sum"); }},
      {"bce_clamp", [](const Args& a) { return F::binary_cross_entropy(a.input, a.target, Tensor(), "none"); }},
      {"bcel_mean", [](const Args& a) { return F::binary_cross_entropy_with_logits(a.input, a.target); }},
      {"bcel_weights_none", [](const Args& a) {
         return F::binary_cross_entropy_with_logits(a.input, a.target,
                                                    {.weight = a.weight, .reduction = "none", .pos_weight = a.pos_weight});
       }},
      {"bcel_pos_sum", [](const Args& a) {
         return F::binary_cross_entropy_with_logits(a.input, a.target, {.reduction = "sum", .pos_weight = a.pos_weight});
       }},
  };
  for (const auto& c : cases) run(c, 1e-12, 1e-14);
  check_covered(cases, "bce");
}

TEST_CASE("kl_div: every reduction, zeros in the target, log_target") {
  std::vector<Case> cases;
  for (std::string r : {"mean", "batchmean", "sum", "none"})
    cases.push_back({"kl_" + r, [r](const Args& a) { return F::kl_div(a.input, a.target, r); }});
  cases.push_back({"kl_target_grad", [](const Args& a) { return F::kl_div(a.input, a.target, "sum"); }});
  cases.push_back({"kl_log_target", [](const Args& a) { return F::kl_div(a.input, a.target, "batchmean", true); }});
  for (const auto& c : cases) run(c, 1e-12, 1e-14);
  check_covered(cases, "kl_");
}

}  // TEST_SUITE
