// make_scheduler: names, option mapping (defaults, warm-up ratios, numeric strings),
// and errors that list the valid names or keys.
#include <doctest/doctest.h>

#include "kernels/common/error.hpp"
#include "tests/optim/sched_support.hpp"

using namespace accmt;
using namespace accmt::optim;
using namespace accmt::test;

namespace {

SchedulerConfig config(std::map<std::string, SchedulerValue> options, int64_t steps_per_epoch = 25,
                       int64_t epochs = 4) {
  return {.options = std::move(options), .steps_per_epoch = steps_per_epoch, .epochs = epochs};
}

// The factory's scheduler and a directly built one give the same curve.
void check_same(const std::string& type, const SchedulerConfig& cfg,
                const std::function<std::shared_ptr<LRScheduler>(Optimizer&)>& direct, OptKind kind = OptKind::sgd) {
  INFO("type " << type);
  auto o1 = make_optimizer(kind);
  auto made = make_scheduler(type, *o1, cfg);
  CHECK(made->name() == type);
  auto o2 = make_optimizer(kind);
  auto ref = direct(*o2);
  Curves a = run_curves(*made, *o1, 100), b = run_curves(*ref, *o2, 100);
  CHECK(a.lr == b.lr);
  CHECK(a.momentum == b.momentum);
}

double warmup_of(const std::string& type, const SchedulerConfig& cfg) {
  auto opt = make_optimizer(OptKind::sgd);
  return make_scheduler(type, *opt, cfg)->state_dict().scalars.at("num_warmup_steps");
}

}  // namespace

TEST_SUITE("optim.sched_factory") {
  TEST_CASE("every documented name maps to its scheduler with its arguments") {
    using P = std::shared_ptr<LRScheduler>;
    CHECK(scheduler_names() ==
          std::vector<std::string>{"StepLR", "LinearLR", "ExponentialLR", "CosineAnnealingLR", "CyclicLR",
                                   "OneCycleLR", "CosineAnnealingWarmRestarts", "Constant", "ConstantWithWarmup",
                                   "LinearWithWarmup", "CosineWithWarmup", "CosineWithHardRestartsWithWarmup",
                                   "PolynomialDecayWithWarmup", "InverseSQRT"});
    check_same("StepLR", config({{"step_size", 7.0}}), [](Optimizer& o) -> P { return std::make_shared<StepLR>(o, 7); });
    check_same("StepLR", config({{"step_size", 7.0}, {"gamma", std::string("0.5")}}),
               [](Optimizer& o) -> P { return std::make_shared<StepLR>(o, 7, 0.5); });
    check_same("LinearLR", config({}), [](Optimizer& o) -> P { return std::make_shared<LinearLR>(o); });
    check_same("LinearLR", config({{"start_factor", 0.2}, {"end_factor", 0.8}, {"total_iters", 30.0}}),
               [](Optimizer& o) -> P { return std::make_shared<LinearLR>(o, 0.2, 0.8, 30); });
    check_same("ExponentialLR", config({{"gamma", 0.95}}),
               [](Optimizer& o) -> P { return std::make_shared<ExponentialLR>(o, 0.95); });
    check_same("CosineAnnealingLR", config({{"T_max", 40.0}, {"eta_min", 1e-4}}),
               [](Optimizer& o) -> P { return std::make_shared<CosineAnnealingLR>(o, 40, 1e-4); });
    check_same("CyclicLR",
               config({{"base_lr", 0.01}, {"max_lr", 0.1}, {"step_size_up", 5.0}, {"step_size_down", 8.0},
                       {"mode", std::string("exp_range")}, {"gamma", 0.99}, {"base_momentum", 0.7},
                       {"max_momentum", 0.95}}),
               [](Optimizer& o) -> P {
                 return std::make_shared<CyclicLR>(o, CyclicLROptions{.base_lr = {0.01}, .max_lr = {0.1},
                                                                      .step_size_up = 5, .step_size_down = 8,
                                                                      .mode = "exp_range", .gamma = 0.99,
                                                                      .base_momentum = {0.7}, .max_momentum = {0.95}});
               });
    check_same("CyclicLR", config({{"base_lr", 0.01}, {"max_lr", 0.1}, {"cycle_momentum", false}}),
               [](Optimizer& o) -> P {
                 return std::make_shared<CyclicLR>(
                     o, CyclicLROptions{.base_lr = {0.01}, .max_lr = {0.1}, .cycle_momentum = false});
               });
    // OneCycleLR takes its length from steps_per_epoch * epochs unless total_steps is given.
    check_same("OneCycleLR",
               config({{"max_lr", 0.3}, {"pct_start", 0.2}, {"anneal_strategy", std::string("linear")},
                       {"three_phase", true}, {"div_factor", 10.0}, {"final_div_factor", 50.0}}),
               [](Optimizer& o) -> P {
                 return std::make_shared<OneCycleLR>(o, OneCycleLROptions{.max_lr = {0.3}, .total_steps = 100,
                                                                          .pct_start = 0.2,
                                                                          .anneal_strategy = "linear",
                                                                          .div_factor = 10.0,
                                                                          .final_div_factor = 50.0,
                                                                          .three_phase = true});
               },
               OptKind::adam);
    {
      auto opt = make_optimizer(OptKind::sgd);
      auto s = make_scheduler("OneCycleLR", *opt, config({{"max_lr", 0.3}, {"total_steps", 150.0}}));
      CHECK(dynamic_cast<OneCycleLR&>(*s).total_steps() == 150);
      auto s2 = make_scheduler("OneCycleLR", *opt, config({{"max_lr", 0.3}}, 7, 3));
      CHECK(dynamic_cast<OneCycleLR&>(*s2).total_steps() == 21);
    }
    check_same("CosineAnnealingWarmRestarts", config({{"T_0", 10.0}, {"T_mult", 2.0}, {"eta_min", 0.001}}),
               [](Optimizer& o) -> P { return std::make_shared<CosineAnnealingWarmRestarts>(o, 10, 2, 0.001); });
    check_same("Constant", config({}), [](Optimizer& o) -> P { return std::make_shared<Constant>(o); });
    check_same("ConstantWithWarmup", config({{"num_warmup_steps", 12.0}}),
               [](Optimizer& o) -> P { return std::make_shared<ConstantWithWarmup>(o, 12); });
    check_same("LinearWithWarmup", config({{"warmup_ratio", 0.1}}),
               [](Optimizer& o) -> P { return std::make_shared<LinearWithWarmup>(o, 10, 100); });
    check_same("CosineWithWarmup", config({{"warmup_ratio", 0.05}, {"num_cycles", 1.5}}),
               [](Optimizer& o) -> P { return std::make_shared<CosineWithWarmup>(o, 5, 100, 1.5); });
    check_same("CosineWithHardRestartsWithWarmup", config({{"num_warmup_steps", 0.2}, {"num_cycles", 3.0}}),
               [](Optimizer& o) -> P { return std::make_shared<CosineWithHardRestartsWithWarmup>(o, 20, 100, 3); });
    check_same("PolynomialDecayWithWarmup", config({{"num_warmup_steps", 10.0}, {"lr_end", 1e-4}, {"power", 2.0}}),
               [](Optimizer& o) -> P { return std::make_shared<PolynomialDecayWithWarmup>(o, 10, 100, 1e-4, 2.0); });
    check_same("InverseSQRT", config({{"num_warmup_steps", 10.0}, {"timescale", 25.0}}),
               [](Optimizer& o) -> P { return std::make_shared<InverseSQRT>(o, 10, 25); });
    // num_training_steps overrides steps_per_epoch * epochs.
    SchedulerConfig explicit_total = config({{"num_warmup_steps", 3.0}}, 0, 0);
    explicit_total.num_training_steps = 50;
    check_same("LinearWithWarmup", explicit_total,
               [](Optimizer& o) -> P { return std::make_shared<LinearWithWarmup>(o, 3, 50); });
  }

  TEST_CASE("warm-up ratios round like Python's round (halves to even)") {
    CHECK(warmup_of("LinearWithWarmup", config({{"warmup_ratio", 0.1}}, 25, 1)) == 2);   // 2.5 -> 2
    CHECK(warmup_of("LinearWithWarmup", config({{"warmup_ratio", 0.3}}, 25, 1)) == 8);   // 7.5 -> 8
    CHECK(warmup_of("LinearWithWarmup", config({{"warmup_ratio", 0.03}}, 100, 3)) == 9);
    CHECK(warmup_of("ConstantWithWarmup", config({{"num_warmup_steps", 0.5}}, 7, 1)) == 4);  // 3.5 -> 4
    CHECK(warmup_of("InverseSQRT", config({{"num_warmup_steps", 0.26}}, 10, 1)) == 3);
    CHECK(warmup_of("CosineWithWarmup", config({{"num_warmup_steps", 0.0}})) == 0);
    CHECK(warmup_of("CosineWithWarmup", config({{"warmup_ratio", 1.0}})) == 100);
  }

  TEST_CASE("errors list the valid names and keys") {
    auto opt = make_optimizer(OptKind::sgd);
    CHECK_THROWS_WITH_AS(make_scheduler("Cosine", *opt, config({})),
                         doctest::Contains("scheduler: unknown type 'Cosine'; valid types: StepLR, LinearLR, "
                                           "ExponentialLR, CosineAnnealingLR, CyclicLR, OneCycleLR, "
                                           "CosineAnnealingWarmRestarts, Constant, ConstantWithWarmup, "
                                           "LinearWithWarmup, CosineWithWarmup, CosineWithHardRestartsWithWarmup, "
                                           "PolynomialDecayWithWarmup, InverseSQRT"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(make_scheduler("StepLR", *opt, config({{"step_size", 3.0}, {"gama", 0.5}})),
                         doctest::Contains("scheduler StepLR: unknown option 'gama'; valid options: step_size, gamma"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(make_scheduler("Constant", *opt, config({{"num_warmup_steps", 3.0}})),
                         doctest::Contains("unknown option 'num_warmup_steps'; valid options: (none)"), accmt::Error);
    CHECK_THROWS_WITH_AS(make_scheduler("StepLR", *opt, config({})),
                         doctest::Contains("scheduler StepLR: missing required option 'step_size'"), accmt::Error);
    CHECK_THROWS_WITH_AS(make_scheduler("StepLR", *opt, config({{"step_size", 2.5}})),
                         doctest::Contains("option 'step_size' must be an integer, got 2.5"), accmt::Error);
    CHECK_THROWS_WITH_AS(make_scheduler("StepLR", *opt, config({{"step_size", true}})),
                         doctest::Contains("option 'step_size' must be a number, got a boolean"), accmt::Error);
    CHECK_THROWS_WITH_AS(make_scheduler("ExponentialLR", *opt, config({{"gamma", std::string("fast")}})),
                         doctest::Contains("option 'gamma' must be a number, got the string \"fast\""), accmt::Error);
    CHECK_THROWS_WITH_AS(make_scheduler("CyclicLR", *opt, config({{"base_lr", 0.1}, {"max_lr", 1.0}, {"mode", 2.0}})),
                         doctest::Contains("option 'mode' must be a string"), accmt::Error);
    CHECK_THROWS_WITH_AS(
        make_scheduler("OneCycleLR", *opt, config({{"max_lr", 0.1}, {"three_phase", std::string("yes")}})),
        doctest::Contains("option 'three_phase' must be true or false"), accmt::Error);
    CHECK_THROWS_WITH_AS(make_scheduler("LinearWithWarmup", *opt, config({})),
                         doctest::Contains("missing required option num_warmup_steps or warmup_ratio"), accmt::Error);
    CHECK_THROWS_WITH_AS(
        make_scheduler("LinearWithWarmup", *opt, config({{"num_warmup_steps", 3.0}, {"warmup_ratio", 0.1}})),
        doctest::Contains("give num_warmup_steps or warmup_ratio, not both"), accmt::Error);
    CHECK_THROWS_WITH_AS(make_scheduler("LinearWithWarmup", *opt, config({{"num_warmup_steps", 2.5}})),
                         doctest::Contains("num_warmup_steps must be a non-negative integer or a fraction in (0, 1)"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(make_scheduler("LinearWithWarmup", *opt, config({{"warmup_ratio", 1.5}})),
                         doctest::Contains("warmup_ratio must be in [0, 1], got 1.5"), accmt::Error);
    CHECK_THROWS_WITH_AS(make_scheduler("LinearWithWarmup", *opt, config({{"num_warmup_steps", 3.0}}, 0, 5)),
                         doctest::Contains("needs the number of training steps (steps_per_epoch * epochs, got 0 * 5)"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(make_scheduler("OneCycleLR", *opt, config({{"max_lr", 0.1}}, 0, 0)),
                         doctest::Contains("needs the number of training steps"), accmt::Error);
    CHECK_THROWS_WITH_AS(make_scheduler("StepLR", *opt, config({{"type", std::string("LinearLR")}, {"step_size", 2.0}})),
                         doctest::Contains("option 'type' says LinearLR, expected StepLR"), accmt::Error);
    // The map's own "type" entry is accepted when it agrees.
    CHECK(make_scheduler("StepLR", *opt, config({{"type", std::string("StepLR")}, {"step_size", 2.0}}))->name() ==
          "StepLR");
  }
}
