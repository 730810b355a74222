// state_dict / load_state_dict: a fresh optimizer and scheduler loaded after k steps
// continue bit-identically; mismatched states are rejected with clear errors.
#include <doctest/doctest.h>

#include "kernels/common/error.hpp"
#include "tests/optim/sched_support.hpp"

using namespace accmt;
using namespace accmt::optim;
using namespace accmt::test;

TEST_SUITE("optim.sched_state") {
  TEST_CASE("every scheduler resumes identically from its state after k steps") {
    for (int k : {0, 1, 37, 61}) {
      for (const auto& c : sched_cases()) {
        INFO("case " << c.name << ", k = " << k);
        auto opt_a = make_optimizer(c.opt);
        auto a = c.make(*opt_a);
        for (int i = 0; i < k; ++i) a->step();
        SchedulerState saved = a->state_dict();
        CHECK(saved.type == a->name());
        CHECK(saved.last_lrs == a->get_last_lr());

        // A fresh pair, deliberately stepped elsewhere before loading.
        auto opt_b = make_optimizer(c.opt);
        auto b = c.make(*opt_b);
        for (int i = 0; i < 3; ++i) b->step();
        b->load_state_dict(saved);
        CHECK(b->last_epoch() == a->last_epoch());
        CHECK(b->get_last_lr() == a->get_last_lr());
        CHECK(group_values(*opt_b, "lr") == group_values(*opt_a, "lr"));
        CHECK(momenta(*opt_b) == momenta(*opt_a));
        Curves ca = run_curves(*a, *opt_a, kFixtureSteps - k);
        Curves cb = run_curves(*b, *opt_b, kFixtureSteps - k);
        CHECK(ca.lr == cb.lr);  // bit-identical, not just close
        CHECK(ca.momentum == cb.momentum);
      }
    }
  }

  TEST_CASE("the state carries hyper-parameters, counters and children") {
    auto opt = make_optimizer(OptKind::sgd);
    CosineAnnealingWarmRestarts s(*opt, 10, 2, 0.001);
    for (int i = 0; i < 13; ++i) s.step();
    auto st = s.state_dict();
    CHECK(st.last_epoch == 13);
    CHECK(st.scalars.at("T_0") == 10);
    CHECK(st.scalars.at("T_i") == 20);
    CHECK(st.scalars.at("T_cur") == 3);
    CHECK(st.base_lrs == std::vector<double>{0.1, 0.02});

    auto opt2 = make_optimizer(OptKind::sgd);
    auto lin = std::make_shared<LinearLR>(*opt2, 0.5, 1.0, 10);
    auto ex = std::make_shared<ExponentialLR>(*opt2, 0.9);
    ChainedScheduler chain({lin, ex});
    chain.step();
    auto cs = chain.state_dict();
    REQUIRE(cs.children.size() == 2);
    CHECK(cs.children[0].type == "LinearLR");
    CHECK(cs.children[1].type == "ExponentialLR");
    CHECK(cs.children[1].last_epoch == 1);
  }

  TEST_CASE("mismatched states are rejected") {
    auto opt = make_optimizer(OptKind::sgd);
    StepLR step(*opt, 7, 0.5);
    auto opt2 = make_optimizer(OptKind::sgd);
    ExponentialLR expo(*opt2, 0.9);
    CHECK_THROWS_WITH_AS(expo.load_state_dict(step.state_dict()),
                         doctest::Contains("ExponentialLR: load_state_dict: the state was saved by a StepLR"),
                         accmt::Error);

    auto opt3 = make_optimizer(OptKind::sgd);
    StepLR other(*opt3, 5, 0.5);
    CHECK_THROWS_WITH_AS(other.load_state_dict(step.state_dict()),
                         doctest::Contains("saved with step_size=7 but this scheduler has step_size=5"), accmt::Error);

    auto st = step.state_dict();
    st.last_lrs.push_back(0.3);
    CHECK_THROWS_WITH_AS(step.load_state_dict(st), doctest::Contains("3 learning rates, the optimizer 2"),
                         accmt::Error);

    auto opt4 = make_optimizer(OptKind::sgd);
    auto a1 = std::make_shared<ExponentialLR>(*opt4, 0.9);
    ChainedScheduler one({a1});
    auto opt5 = make_optimizer(OptKind::sgd);
    auto b1 = std::make_shared<ExponentialLR>(*opt5, 0.9);
    auto b2 = std::make_shared<ExponentialLR>(*opt5, 0.9);
    ChainedScheduler two({b1, b2});
    CHECK_THROWS_WITH_AS(two.load_state_dict(one.state_dict()), doctest::Contains("the state has 1 schedulers"),
                         accmt::Error);
  }
}
