// The scheduler protocol (initial step, initial_lr, group lrs), momentum cycling rules,
// chaining rules and argument errors.
#include <doctest/doctest.h>

#include "kernels/common/error.hpp"
#include "tests/optim/sched_support.hpp"

using namespace accmt;
using namespace accmt::optim;
using namespace accmt::test;

TEST_SUITE("optim.sched_behaviour") {
  TEST_CASE("construction performs the initial step and records initial_lr") {
    auto opt = make_optimizer(OptKind::sgd);
    LinearLR lin(*opt, 0.5, 1.0, 4);
    CHECK(lin.last_epoch() == 0);
    CHECK(lin.get_last_lr() == std::vector<double>{0.05, 0.01});
    CHECK(group_values(*opt, "lr") == std::vector<double>{0.05, 0.01});
    CHECK(group_values(*opt, "initial_lr") == std::vector<double>{0.1, 0.02});
    // A second scheduler takes the recorded initial lrs as its base, not the current lrs.
    ExponentialLR ex(*opt, 0.5);
    CHECK(ex.base_lrs() == std::vector<double>{0.1, 0.02});
    CHECK(ex.get_last_lr() == std::vector<double>{0.05, 0.01});
    lin.step();
    CHECK(lin.last_epoch() == 1);
    // External lr changes are picked up by the chainable form.
    opt->param_groups()[0].set_lr(1.0);
    ex.step();
    CHECK(ex.get_last_lr()[0] == doctest::Approx(0.5));
  }

  TEST_CASE("momentum cycling follows the optimizer's options") {
    // SGD-style: "momentum" is cycled.
    auto sgd = make_optimizer(OptKind::sgd);
    CyclicLR c1(*sgd, {.base_lr = {0.01}, .max_lr = {0.1}, .step_size_up = 4});
    CHECK(c1.cycles_momentum());
    CHECK(c1.momentum_key() == "momentum");
    CHECK(sgd->param_groups()[0].get("momentum") == 0.9);
    c1.step();
    CHECK(sgd->param_groups()[0].get("momentum") == doctest::Approx(0.875));
    // Adam-style: "beta1" is cycled and beta2 untouched.
    auto adam = make_optimizer(OptKind::adam);
    OneCycleLR o1(*adam, {.max_lr = {0.1}, .total_steps = 10});
    CHECK(o1.momentum_key() == "beta1");
    CHECK(adam->param_groups()[1].get("beta1") == 0.95);
    CHECK(adam->param_groups()[1].get("beta2") == 0.999);
    // No momentum option: off when unset, an error when asked for.
    auto plain = make_optimizer(OptKind::plain);
    CyclicLR c2(*plain, {.base_lr = {0.01}, .max_lr = {0.1}});
    CHECK_FALSE(c2.cycles_momentum());
    CHECK_FALSE(plain->param_groups()[0].options.count("momentum"));
    CHECK_THROWS_WITH_AS(CyclicLR(*plain, {.base_lr = {0.01}, .max_lr = {0.1}, .cycle_momentum = true}),
                         doctest::Contains("CyclicLR: cycle_momentum=true needs an optimizer with a 'momentum' or "
                                           "'beta1' option; FakeOptimizer has options {lr}"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(OneCycleLR(*plain, {.max_lr = {0.1}, .total_steps = 10, .cycle_momentum = true}),
                         doctest::Contains("OneCycleLR: cycle_momentum=true"), accmt::Error);
    // Off on request, even where possible.
    auto sgd2 = make_optimizer(OptKind::sgd);
    OneCycleLR o2(*sgd2, {.max_lr = {0.1}, .total_steps = 10, .cycle_momentum = false});
    CHECK_FALSE(o2.cycles_momentum());
    o2.step();
    CHECK(sgd2->param_groups()[0].get("momentum") == 0.9);
  }

  TEST_CASE("CyclicLR sets lrs to base_lr and takes a custom scale function") {
    auto opt = make_optimizer(OptKind::plain);
    CyclicLR c(*opt, {.base_lr = {0.01, 0.02}, .max_lr = {0.11},
                      .step_size_up = 2, .scale_fn = [](double x) { return 1.0 / x; }, .scale_mode = "cycle"});
    CHECK(c.get_last_lr() == std::vector<double>{0.01, 0.02});
    CHECK(group_values(*opt, "initial_lr") == std::vector<double>{0.01, 0.02});
    c.step();
    c.step();  // top of the first cycle: scale 1
    CHECK(c.get_last_lr()[0] == doctest::Approx(0.11));
    for (int i = 0; i < 4; ++i) c.step();  // top of the second cycle: scale 1/2
    CHECK(c.get_last_lr()[0] == doctest::Approx(0.06));
  }

  TEST_CASE("OneCycleLR refuses to step past total_steps") {
    auto opt = make_optimizer(OptKind::sgd);
    OneCycleLR s(*opt, {.max_lr = {0.1}, .epochs = 2, .steps_per_epoch = 3});
    CHECK(s.total_steps() == 6);
    for (int i = 0; i < 6; ++i) s.step();
    CHECK_THROWS_WITH_AS(s.step(), doctest::Contains("OneCycleLR: tried to step 7 times, but total_steps is 6"),
                         accmt::Error);
  }

  TEST_CASE("argument errors name the scheduler and the argument") {
    auto opt = make_optimizer(OptKind::sgd);
    CHECK_THROWS_WITH_AS(StepLR(*opt, 0), doctest::Contains("StepLR: step_size must be a positive integer"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(LinearLR(*opt, 0.0), doctest::Contains("LinearLR: start_factor must be in (0, 1]"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(LinearLR(*opt, 0.5, 1.5), doctest::Contains("end_factor"), accmt::Error);
    CHECK_THROWS_WITH_AS(CosineAnnealingLR(*opt, 0), doctest::Contains("CosineAnnealingLR: T_max"), accmt::Error);
    CHECK_THROWS_WITH_AS(CosineAnnealingWarmRestarts(*opt, 0), doctest::Contains("T_0 must be a positive integer"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(CosineAnnealingWarmRestarts(*opt, 5, 0), doctest::Contains("T_mult must be an integer >= 1"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(LambdaLR(*opt, std::vector<LambdaLR::Fn>{[](int64_t) { return 1.0; }}),
                         doctest::Contains("expected 2 lr_lambdas"), accmt::Error);
    CHECK_THROWS_WITH_AS(CyclicLR(*opt, {.base_lr = {0.1, 0.2, 0.3}, .max_lr = {1.0}}),
                         doctest::Contains("CyclicLR: base_lr has 3 values but the optimizer has 2 parameter groups"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(CyclicLR(*opt, {.base_lr = {0.1}, .max_lr = {1.0}, .mode = "square"}),
                         doctest::Contains("unknown mode 'square'"), accmt::Error);
    CHECK_THROWS_WITH_AS(OneCycleLR(*opt, {.max_lr = {0.1}}),
                         doctest::Contains("give total_steps, or epochs and steps_per_epoch"), accmt::Error);
    CHECK_THROWS_WITH_AS(OneCycleLR(*opt, {.max_lr = {0.1}, .total_steps = 10, .anneal_strategy = "exp"}),
                         doctest::Contains("unknown anneal_strategy 'exp'"), accmt::Error);
    CHECK_THROWS_WITH_AS(OneCycleLR(*opt, {.max_lr = {0.1}, .total_steps = 10, .pct_start = 1.5}),
                         doctest::Contains("pct_start must be in [0, 1]"), accmt::Error);
    CHECK_THROWS_WITH_AS(PolynomialDecayWithWarmup(*opt, 10, 100, 0.05),
                         doctest::Contains("lr_end (0.05) must be smaller than the optimizer's lr (0.05)"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(PolynomialDecayWithWarmup(*opt, 10, 10), doctest::Contains("must exceed num_warmup_steps"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(LinearWithWarmup(*opt, -1, 10), doctest::Contains("num_warmup_steps must be >= 0"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(InverseSQRT(*opt, 5, 0), doctest::Contains("timescale must be positive"), accmt::Error);
  }

  TEST_CASE("chaining rules") {
    auto opt = make_optimizer(OptKind::sgd);
    auto other = make_optimizer(OptKind::sgd);
    auto a = std::make_shared<ExponentialLR>(*opt, 0.9);
    auto b = std::make_shared<ExponentialLR>(*other, 0.9);
    CHECK_THROWS_WITH_AS(ChainedScheduler({a, b}), doctest::Contains("scheduler 1 (ExponentialLR) belongs to a "
                                                                     "different optimizer"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(ChainedScheduler({}), doctest::Contains("at least one scheduler"), accmt::Error);
    auto c = std::make_shared<StepLR>(*opt, 3);
    CHECK_THROWS_WITH_AS(SequentialLR(*opt, {a, c}, {}), doctest::Contains("one milestone fewer than schedulers"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(SequentialLR(*opt, {a, c, a}, {5, 5}), doctest::Contains("strictly increasing"),
                         accmt::Error);
    auto chain = std::make_shared<ChainedScheduler>(std::vector<std::shared_ptr<LRScheduler>>{c});
    CHECK_THROWS_WITH_AS(SequentialLR(*opt, {a, chain}, {4}),
                         doctest::Contains("only the first scheduler may be a composite"), accmt::Error);
    // A composite first is fine: a Chained inside a Sequential.
    auto opt2 = make_optimizer(OptKind::sgd);
    auto x = std::make_shared<ExponentialLR>(*opt2, 0.5);
    auto first = std::make_shared<ChainedScheduler>(std::vector<std::shared_ptr<LRScheduler>>{x});
    auto y = std::make_shared<StepLR>(*opt2, 2, 0.1);
    // Values from torch 2.15: the chain's start is a normal step of its children.
    SequentialLR seq(*opt2, {first, y}, {2});
    CHECK(seq.get_last_lr() == std::vector<double>{0.05, 0.01});
    seq.step();
    CHECK(seq.get_last_lr() == std::vector<double>{0.025, 0.005});
    seq.step();  // milestone: StepLR restarts from its closed form at 0
    CHECK(seq.get_last_lr() == std::vector<double>{0.1, 0.02});
    seq.step();
    CHECK(seq.get_last_lr() == std::vector<double>{0.1, 0.02});
  }
}
