// Every scheduler's LR curve (and cycled momentum) over 120 steps with two parameter
// groups, against PyTorch / transformers (tests/reference/make_sched_fixtures.py).
#include <doctest/doctest.h>

#include <set>

#include "tests/optim/sched_support.hpp"
#include "tests/support/fixtures.hpp"

using namespace accmt;
using namespace accmt::test;

namespace {

const Fixtures& sched_fixtures() {
  static const Fixtures f(fixture_path("sched.safetensors"));
  return f;
}

void check_case(const SchedCase& c) {
  const Fixtures& fx = sched_fixtures();
  auto opt = make_optimizer(c.opt);
  auto sched = c.make(*opt);
  Curves got = run_curves(*sched, *opt, kFixtureSteps);
  CHECK(check_close(as_tensor(got.lr, 2), fx.get(c.name + ".lr"), 1e-12, 0.0, c.name + ".lr"));
  if (fx.has(c.name + ".momentum"))
    CHECK(check_close(as_tensor(got.momentum, 2), fx.get(c.name + ".momentum"), 1e-12, 0.0, c.name + ".momentum"));
  // The optimizer's groups hold what the scheduler reports.
  CHECK(sched->get_last_lr() == optim::group_values(*opt, "lr"));
}

void check_prefix(const std::string& prefix) {
  int n = 0;
  for (const auto& c : sched_cases())
    if (c.name.rfind(prefix, 0) == 0) {
      INFO("case " << c.name);
      check_case(c);
      ++n;
    }
  CHECK(n > 0);
}

}  // namespace

TEST_SUITE("optim.sched_curves") {
  TEST_CASE("PyTorch step-wise schedulers match torch") {
    for (const char* name :
         {"step", "linear", "linear_default", "exponential", "cosine", "warm_restarts", "warm_restarts_t1", "lambda",
          "lambda_groups"}) {
      bool found = false;
      for (const auto& c : sched_cases())
        if (c.name == name) {
          INFO("case " << c.name);
          check_case(c);
          found = true;
        }
      CHECK_MESSAGE(found, name);
    }
  }

  TEST_CASE("CyclicLR curves and momentum match torch") { check_prefix("cyclic_"); }

  TEST_CASE("OneCycleLR curves and momentum match torch") { check_prefix("onecycle_"); }

  TEST_CASE("ChainedScheduler and SequentialLR match torch") {
    check_prefix("chained");
    check_prefix("sequential");
  }

  TEST_CASE("transformers schedules match transformers") { check_prefix("hf_"); }

  TEST_CASE("every fixture case has a C++ case and the reverse") {
    std::set<std::string> fixture, cpp;
    for (const auto& name : sched_fixtures().names()) fixture.insert(name.substr(0, name.find('.')));
    for (const auto& c : sched_cases()) cpp.insert(c.name);
    CHECK(fixture == cpp);
    CHECK(sched_fixtures().get("step.lr").size(0) == kFixtureSteps + 1);
  }
}
