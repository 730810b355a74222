// Every optimizer against a PyTorch (or transformers, for Adafactor) fixture: 20 steps
// of a small MLP, parameters compared after steps 1, 2, 10 and 20 (float64 within 1e-10
// relative, float32 within 1e-5). Case options repeat tests/reference/make_optim_fixtures.py.
#include <set>
#include <string>

#include "optim_helpers.hpp"

using namespace optest;
using accmt::test::check_close;

namespace {

struct Case {
  std::string name;
  Factory make;
};

template <class Opt, class O>
Factory one(O options) {
  return [options](std::vector<Tensor>& p) { return std::make_unique<Opt>(p, options); };
}
template <class Opt, class O>
Factory grouped(O defaults, optim::Options first, optim::Options second) {
  return [=](std::vector<Tensor>& p) { return std::make_unique<Opt>(two_groups(p, first, second), defaults); };
}

const std::vector<Case>& cases() {
  using namespace optim;
  static const std::vector<Case> table = {
      {"sgd_plain", one<SGD>(SGDOptions{.lr = 0.1})},
      {"sgd_momentum_wd", one<SGD>(SGDOptions{.lr = 0.05, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01})},
      {"sgd_nesterov_max", one<SGD>(SGDOptions{.lr = 0.05, .momentum = 0.8, .nesterov = true, .maximize = true})},
      {"sgd_groups", grouped<SGD>(SGDOptions{.lr = 0.1, .momentum = 0.5}, {}, {{"lr", 0.02}, {"weight_decay", 0.1}})},
      {"adam", one<Adam>(AdamOptions{.lr = 0.01})},
      {"adam_wd_amsgrad",
       one<Adam>(AdamOptions{.lr = 0.01, .betas = {0.8, 0.99}, .weight_decay = 0.05, .amsgrad = true})},
      {"adam_maximize", one<Adam>(AdamOptions{.lr = 0.01, .maximize = true})},
      {"adam_decoupled", one<Adam>(AdamOptions{.lr = 0.01, .weight_decay = 0.1, .decoupled_weight_decay = true})},
      {"adam_groups",
       grouped<Adam>(AdamOptions{.lr = 0.01}, {{"lr", 0.03}}, {{"beta1", 0.5}, {"beta2", 0.9}, {"eps", 1e-6}})},
      {"adamw", one<AdamW>(AdamWOptions{.lr = 0.01})},
      {"adamw_amsgrad_groups",
       grouped<AdamW>(AdamWOptions{.lr = 0.01, .amsgrad = true}, {}, {{"lr", 0.02}, {"weight_decay", 0.2}})},
      {"adamax", one<Adamax>(AdamaxOptions{.lr = 0.02, .weight_decay = 0.01})},
      {"nadam", one<NAdam>(NAdamOptions{.lr = 0.01, .weight_decay = 0.01})},
      {"nadam_decoupled",
       one<NAdam>(NAdamOptions{.lr = 0.01, .weight_decay = 0.05, .decoupled_weight_decay = true, .maximize = true})},
      {"radam", one<RAdam>(RAdamOptions{.lr = 0.01, .weight_decay = 0.01})},
      {"radam_decoupled",
       one<RAdam>(RAdamOptions{.lr = 0.01, .betas = {0.9, 0.8}, .weight_decay = 0.05, .decoupled_weight_decay = true})},
      {"adagrad", one<Adagrad>(AdagradOptions{
                      .lr = 0.05, .lr_decay = 0.01, .weight_decay = 0.01, .initial_accumulator_value = 0.1})},
      {"adadelta", one<Adadelta>(AdadeltaOptions{.lr = 1.0, .rho = 0.8, .weight_decay = 0.01})},
      {"rmsprop", one<RMSprop>(RMSpropOptions{.lr = 0.01})},
      {"rmsprop_centered_momentum",
       one<RMSprop>(RMSpropOptions{.lr = 0.01, .alpha = 0.9, .weight_decay = 0.01, .momentum = 0.5, .centered = true})},
      {"rmsprop_groups", grouped<RMSprop>(RMSpropOptions{.lr = 0.01}, {}, {{"momentum", 0.9}, {"centered", 1}})},
      {"rprop", one<Rprop>(RpropOptions{.lr = 0.01, .etas = {0.4, 1.3}, .step_sizes = {1e-4, 0.05}})},
      {"asgd", one<ASGD>(ASGDOptions{.lr = 0.05, .lambd = 1e-3, .alpha = 0.7, .t0 = 5, .weight_decay = 0.01})},
      {"adafactor", one<Adafactor>(AdafactorOptions{})},
      {"adafactor_warmup", one<Adafactor>(AdafactorOptions{.warmup_init = true})},
      {"adafactor_manual", one<Adafactor>(AdafactorOptions{.lr = 0.01,
                                                           .clip_threshold = 0.5,
                                                           .beta1 = 0.9,
                                                           .weight_decay = 0.01,
                                                           .scale_parameter = false,
                                                           .relative_step = false})},
  };
  return table;
}

// Runs one case in one dtype (if the fixture has it); returns whether it was present.
bool run_case(const Case& c, DType dtype) {
  const std::string tag = dtype == DType::Float64 ? "f64" : "f32";
  const std::string prefix = c.name + "." + tag + ".";
  if (!fixtures().has(prefix + "step1.0")) return false;
  const double rtol = dtype == DType::Float64 ? 1e-10 : 1e-5;
  const double atol = dtype == DType::Float64 ? 1e-13 : 1e-6;
  std::vector<Tensor> params = initial_params(dtype);
  auto opt = c.make(params);
  for (int step = 1; step <= 20; ++step) {
    train_step(*opt, params, dtype);
    if (!fixtures().has(prefix + "step" + std::to_string(step) + ".0")) continue;
    for (int i = 0; i < 4; ++i) {
      const std::string key = prefix + "step" + std::to_string(step) + "." + std::to_string(i);
      check_close(params[i].detach(), fixtures().get(key), rtol, atol, key);
    }
  }
  return true;
}

}  // namespace

TEST_SUITE("optim.trajectories") {
  TEST_CASE("every optimizer follows the PyTorch trajectory in float64") {
    for (const Case& c : cases()) {
      CAPTURE(c.name);
      CHECK(run_case(c, DType::Float64));
    }
  }

  TEST_CASE("float32 trajectories match within 1e-5") {
    int ran = 0;
    for (const Case& c : cases()) {
      CAPTURE(c.name);
      ran += run_case(c, DType::Float32);
    }
    CHECK(ran >= 15);
  }

  TEST_CASE("every fixture case is in the table") {
    std::set<std::string> known;
    for (const Case& c : cases()) known.insert(c.name);
    for (const std::string& key : fixtures().names()) {
      if (key == "x" || key == "y" || key.rfind("init.", 0) == 0) continue;
      std::string name = key.substr(0, key.find('.'));
      CAPTURE(key);
      CHECK(known.count(name) == 1);
    }
  }
}
