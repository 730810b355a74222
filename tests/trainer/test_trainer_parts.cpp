// The Trainer's small parts: checkpoint_every strings, metrics, model-saving decisions,
// handlers and interrupt catching, and the progress display with and without a terminal.
#include <doctest/doctest.h>

#include <csignal>
#include <limits>
#include <sstream>

#include <accmt/accmt.hpp>
#include "tests/support/checks.hpp"
#include "trainer/handlers.hpp"
#include "trainer/nvml.hpp"
#include "trainer/metrics.hpp"
#include "trainer/model_saving.hpp"
#include "trainer/process_group.hpp"
#include "trainer/progress.hpp"
#include "trainer/schedule_spec.hpp"

using namespace accmt;
using accmt::test::error_of;
using Unit = EverySpec::Unit;

namespace {
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
const double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST_SUITE("trainer.parts") {
  TEST_CASE("checkpoint_every: every upstream spelling, with and without counts and spaces") {
    const std::vector<std::tuple<std::string, Unit, int64_t>> ok = {
        {"epoch", Unit::Epochs, 1},      {"2 epochs", Unit::Epochs, 2},   {"30ep", Unit::Epochs, 30},
        {"3eps", Unit::Epochs, 3},       {"eval", Unit::Evaluations, 1},  {"1eval", Unit::Evaluations, 1},
        {"3 evaluations", Unit::Evaluations, 3}, {"4 evals", Unit::Evaluations, 4},
        {"evaluation", Unit::Evaluations, 1},    {"50 steps", Unit::Steps, 50},
        {"7st", Unit::Steps, 7},         {"step", Unit::Steps, 1},        {"9 sts", Unit::Steps, 9},
        {"  12   Steps ", Unit::Steps, 12},
    };
    for (const auto& [text, unit, count] : ok) {
      CAPTURE(text);
      const EverySpec s = EverySpec::parse(text);
      CHECK(s.unit == unit);
      CHECK(s.count == count);
    }
    for (const std::string bad : {"2 weeks", "", "10", "0 steps", "steps 5", "2.5 epochs", "-1 steps"}) {
      CAPTURE(bad);
      const std::string msg = error_of([&] { EverySpec::parse(bad); });
      CHECK(contains(msg, "checkpoint_every"));
      CHECK(contains(msg, "epoch|ep|epochs|eps"));
    }
    CHECK(contains(error_of([] { EverySpec::parse("2 weeks"); }), "unknown unit 'weeks'"));
    const EverySpec every3 = EverySpec::parse("3 steps");
    CHECK_FALSE(every3.fires(Unit::Steps, 2));
    CHECK(every3.fires(Unit::Steps, 6));
    CHECK_FALSE(every3.fires(Unit::Epochs, 3));
    CHECK(every3.str() == "3 steps");
  }

  TEST_CASE("accuracy from class indices and from scores; user metrics see every batch") {
    Accuracy acc;
    acc.update(tensor(std::vector<int64_t>{1, 2, 3}), tensor(std::vector<int64_t>{1, 0, 3}));
    acc.update(tensor({{0.1, 0.9}, {0.8, 0.2}}), tensor(std::vector<int64_t>{1, 1}));
    CHECK(acc.compute() == doctest::Approx(3.0 / 5.0));
    CHECK(acc.better(0.7, 0.6));
    acc.reset();
    CHECK(contains(error_of([&] { acc.compute(); }), "no predictions"));
    CHECK(contains(error_of([&] { acc.update(zeros({3}), zeros({4})); }), "do not match"));

    FunctionMetric mae("mae", MetricDirection::LowerIsBetter, [](const Tensor& p, const Tensor& r) {
      return (p - r).abs().mean().item<double>();
    });
    mae.update(tensor({1.0, 2.0}), tensor({1.5, 2.0}));
    mae.update(tensor({0.0}), tensor({1.0}));
    CHECK(mae.compute() == doctest::Approx(0.5));
    CHECK(mae.better(0.1, 0.2));
  }

  TEST_CASE("model saving: improvements only, in each criterion's direction, inside below/above") {
    Accuracy acc;
    ModelSaving saving({"best_valid_loss", "accuracy", "always", "best_train_loss"}, {&acc}, 2.0, std::nullopt);
    REQUIRE(saving.criteria().size() == 4);
    auto folders = [](const std::vector<SavingCriterion>& cs) {
      std::string s;
      for (const auto& c : cs) s += c.folder() + " ";
      return s;
    };
    // valid loss 3.0 is above `below` = 2.0: not saved, and not the best either.
    CHECK(folders(saving.decide({3.0, 1.0, {{"accuracy", 0.5}}})) == "best_accuracy always best_train_loss ");
    CHECK(folders(saving.decide({1.5, 1.2, {{"accuracy", 0.4}}})) == "best_valid_loss always ");
    CHECK(folders(saving.decide({1.6, 0.9, {{"accuracy", 0.6}}})) == "best_accuracy always best_train_loss ");
    CHECK(folders(saving.decide({1.4, kNaN, {{"accuracy", 0.6}}})) == "best_valid_loss always ");
    CHECK(saving.best().at("best_valid_loss") == 1.4);
    CHECK(saving.best().at("best_accuracy") == 0.6);

    ModelSaving above({"best_accuracy"}, {&acc}, std::nullopt, 0.8);
    CHECK(above.decide({0, 0, {{"accuracy", 0.7}}}).empty());
    CHECK(above.decide({0, 0, {{"accuracy", 0.85}}}).size() == 1);

    CHECK_FALSE(ModelSaving({"none"}, {}, std::nullopt, std::nullopt).enabled());
    CHECK_FALSE(ModelSaving({}, {}, std::nullopt, std::nullopt).enabled());
    const std::string unknown = error_of([&] { ModelSaving({"best_f1"}, {&acc}, std::nullopt, std::nullopt); });
    CHECK(contains(unknown, "unknown criterion 'best_f1'"));
    CHECK(contains(unknown, "best_accuracy"));
    CHECK(contains(error_of([] { ModelSaving({"always"}, {}, 1.0, 2.0); }), "must be greater"));
  }

  TEST_CASE("handlers: which errors they checkpoint on, and SIGINT becomes a flag") {
    const HandlerSet none = HandlerSet::from({});
    const HandlerSet oom = HandlerSet::from({Handler::CudaOutOfMemory});
    const HandlerSet all = HandlerSet::from({Handler::All});
    const Error oom_error("CUDA out of memory: cudaMalloc could not allocate");
    const Error other("shape mismatch");
    CHECK_FALSE(none.handles(oom_error));
    CHECK(oom.handles(oom_error));
    CHECK_FALSE(oom.handles(other));
    CHECK(all.handles(other));
    CHECK(all.keyboard);
    {
      InterruptCatcher catcher(true);
      CHECK_FALSE(catcher.requested());
      std::raise(SIGINT);
      CHECK(catcher.requested());
      CHECK(InterruptCatcher::signal_name(catcher.signal_number()) == "SIGINT");
    }
    InterruptCatcher off(false);
    CHECK_FALSE(off.requested());
  }

  TEST_CASE("progress: plain lines off a terminal, a redrawn bar on one, silence when not verbose") {
    std::ostringstream plain;
    Progress p(plain, true, false, 1);
    p.start_epoch(1, 2, 20);
    int reads = 0;
    for (int i = 1; i <= 20; ++i) p.step(i, [&] { return ++reads, 0.5; }, 1e-3, 8);
    p.end_epoch();
    const std::string text = plain.str();
    CHECK(std::count(text.begin(), text.end(), '\n') == 10);  // every 10% of 20 steps
    CHECK(reads == 10);  // the loss is read only for the lines drawn
    CHECK(contains(text, "epoch 1/2 step 20/20 loss 0.5000 lr 1.000e-03"));
    CHECK_FALSE(contains(text, "\r"));

    std::ostringstream tty;
    Progress bar(tty, true, true, 1);
    bar.start_epoch(1, 1, 3);
    for (int i = 1; i <= 3; ++i) bar.step(i, [] { return 1.0; }, 0.1, 4);
    bar.message("evaluation: val_loss 0.9");
    CHECK(contains(tty.str(), "\r["));
    CHECK(contains(tty.str(), "evaluation: val_loss 0.9\n"));

    std::ostringstream quiet;
    Progress silent(quiet, false, false, 1);
    silent.start_epoch(1, 1, 5);
    int silent_reads = 0;
    silent.step(5, [&] { return ++silent_reads, 1.0; }, 1, 1);
    CHECK(silent_reads == 0);
    silent.message("hello");
    CHECK(quiet.str().empty());
    CHECK(Progress::format_duration(3725) == "1:02:05");
    CHECK(Progress::format_duration(65) == "01:05");
  }

  TEST_CASE("NVML is optional: no driver or no such device gives no value, never an error") {
    const auto missing = nvml_gpu_utilization("ffff:ff:ff.0");
    CHECK_FALSE(missing.has_value());
    CHECK_FALSE(nvml_gpu_utilization("").has_value());
  }

  TEST_CASE("the single-process group is rank 0 of 1 and leaves values alone") {
    ProcessGroup& g = single_process_group();
    CHECK(g.rank() == 0);
    CHECK(g.world_size() == 1);
    CHECK(g.is_main());
    CHECK(g.mean(2.5) == 2.5);
  }
}
