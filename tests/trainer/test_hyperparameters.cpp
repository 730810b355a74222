// HyperParameters from YAML/JSON text and files, the optimizer factory, validation
// errors naming the key and the valid choices, and the optimizer/scheduler they build.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <accmt/accmt.hpp>
#include "tests/support/checks.hpp"

using namespace accmt;
using accmt::test::error_of;

namespace {

// Writes `text` to a fresh file under the temp dir and returns its path.
std::string write_temp(const std::string& name, const std::string& text) {
  static const std::string dir = accmt::test::fresh_temp_dir("hps-test");
  const auto path = std::filesystem::path(dir) / name;
  std::ofstream(path) << text;
  return path.string();
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_SUITE("trainer.hyperparameters") {
  TEST_CASE("upstream's YAML layout: hps with epochs, a batch size pair, optim and scheduler") {
    const HyperParameters hps = HyperParameters::from_yaml(R"(
hps:
  epochs: 3
  batch_size: [32, 64]
  optim: {type: AdamW, lr: "1e-3", weight_decay: 0.05, betas: [0.8, 0.99]}
  scheduler: {type: LinearWithWarmup, warmup_ratio: 0.1}
)");
    CHECK(hps.epochs == 3);
    CHECK(hps.train_batch_size() == 32);
    CHECK(hps.eval_batch_size() == 64);
    CHECK(hps.optim.type == "AdamW");
    REQUIRE(hps.scheduler.has_value());
    CHECK(hps.scheduler->type == "LinearWithWarmup");

    Tensor p = zeros({3}).requires_grad_();
    auto opt = hps.make_optimizer({p});
    CHECK(opt->name() == "AdamW");
    const auto& group = opt->param_groups().at(0);
    CHECK(group.get("lr") == doctest::Approx(1e-3));
    CHECK(group.get("weight_decay") == doctest::Approx(0.05));
    CHECK(group.get("beta1") == doctest::Approx(0.8));
    CHECK(group.get("beta2") == doctest::Approx(0.99));
    CHECK(group.get("eps") == doctest::Approx(1e-8));  // the class default

    // 10 optimizer steps per epoch x 3 epochs = 30; warm-up round(30 * 0.1) = 3 steps.
    auto sched = hps.make_scheduler(*opt, 10);
    REQUIRE(sched != nullptr);
    std::vector<double> lrs;
    for (int i = 0; i < 5; ++i) {
      lrs.push_back(opt->param_groups()[0].lr());
      opt->step();
      sched->step();
    }
    CHECK(lrs[0] == doctest::Approx(0.0));
    CHECK(lrs[1] == doctest::Approx(1e-3 / 3));
    CHECK(lrs[3] == doctest::Approx(1e-3));
    CHECK(lrs[4] == doctest::Approx(1e-3 * 26.0 / 27.0));
  }

  TEST_CASE("JSON files and files without the hps wrapper read the same") {
    const std::string json = write_temp("hps.json", R"({"hps": {"epochs": 2, "batch_size": 16,
        "optim": {"type": "SGD", "lr": 0.1, "momentum": 0.9, "nesterov": true}}})");
    const HyperParameters a = HyperParameters::from_file(json);
    const std::string yaml = write_temp("hps.yaml", "epochs: 2\nbatch_size: 16\noptim:\n  type: SGD\n  lr: 0.1\n"
                                                    "  momentum: 0.9\n  nesterov: true\n");
    const HyperParameters b = HyperParameters::from_file(yaml);
    CHECK(a.flatten() == b.flatten());
    CHECK(a.eval_batch_size() == 16);
    CHECK_FALSE(a.scheduler.has_value());
    auto opt = a.make_optimizer({zeros({2}).requires_grad_()});
    CHECK(opt->name() == "SGD");
    CHECK(opt->param_groups()[0].get("nesterov") == 1.0);
    CHECK(a.flatten().at("optim.lr") == "0.1");
  }

  TEST_CASE("hyper-parameters built in code validate and build the same way") {
    HyperParameters hps;
    hps.epochs = 4;
    hps.batch_size = 8;
    hps.optim = {"RMSprop", {{"lr", 0.01}, {"centered", true}}};
    hps.scheduler = SchedulerSpec{"StepLR", {{"step_size", 2.0}, {"gamma", 0.5}}};
    CHECK_NOTHROW(hps.validate());
    auto opt = hps.make_optimizer({zeros({2}).requires_grad_()});
    CHECK(opt->name() == "RMSprop");
    CHECK(opt->param_groups()[0].get("centered") == 1.0);
  }

  TEST_CASE("every optimizer name builds with its own arguments") {
    const std::map<std::string, std::string> args = {
        {"SGD", "lr: 0.1, momentum: 0.5, dampening: 0.1, weight_decay: 0.01, nesterov: false, maximize: false"},
        {"Adam", "lr: 0.01, betas: [0.9, 0.99], eps: 1e-6, weight_decay: 0.0, amsgrad: true"},
        {"AdamW", "lr: 0.01, weight_decay: 0.1"},
        {"Adagrad", "lr: 0.01, lr_decay: 0.001, initial_accumulator_value: 0.1"},
        {"Adadelta", "lr: 1.0, rho: 0.95"},
        {"Adamax", "lr: 0.002, betas: [0.9, 0.999]"},
        {"NAdam", "lr: 0.002, momentum_decay: 0.004, decoupled_weight_decay: true"},
        {"RAdam", "lr: 0.001, decoupled_weight_decay: false"},
        {"RMSprop", "lr: 0.01, alpha: 0.9, momentum: 0.1, centered: true"},
        {"Rprop", "lr: 0.01, etas: [0.4, 1.3], step_sizes: [1e-6, 10]"},
        {"ASGD", "lr: 0.01, lambd: 1e-4, alpha: 0.75, t0: 1e6"},
        {"Adafactor", "lr: null, eps: [1e-30, 1e-3], clip_threshold: 1.0, relative_step: true"},
    };
    for (const auto& name : optim::optimizer_names()) {
      if (name == "SparseAdam") continue;
      CAPTURE(name);
      REQUIRE(args.count(name));
      const auto hps = HyperParameters::from_yaml("optim: {type: " + name + ", " + args.at(name) + "}");
      Tensor p = ones({2, 3}).requires_grad_();
      auto opt = hps.make_optimizer({p});
      CHECK(opt->name() == name);
      p.set_grad(ones({2, 3}));
      opt->step();
      CHECK_FALSE(p.equal(ones({2, 3})));  // the parameter moved
    }
    CHECK(contains(error_of([] { HyperParameters::from_yaml("optim: {type: SparseAdam}"); }), "SparseAdam"));
  }

  TEST_CASE("bad files and values are errors naming the key and the valid choices") {
    struct Case {
      const char* yaml;
      std::vector<const char*> expect;
    };
    const std::vector<Case> cases = {
        {"hps: {epoch: 2, optim: {type: SGD}}", {"unknown key 'epoch'", "epochs, batch_size, optim, scheduler", "line 1"}},
        {"epochs: 0\noptim: {type: SGD}", {"epochs must be a positive integer", "'0'"}},
        {"epochs: 2.5\noptim: {type: SGD}", {"epochs must be a positive integer"}},
        {"batch_size: [1, 2, 3]\noptim: {type: SGD}", {"batch_size must be one number or [train, validation]"}},
        {"batch_size: big\noptim: {type: SGD}", {"batch_size must be a positive integer", "'big'"}},
        {"epochs: 2", {"missing 'optim'"}},
        {"optim: {lr: 0.1}", {"needs a 'type'"}},
        {"optim: SGD", {"optim must be a map with a 'type' key"}},
        {"optim: {type: Adamm}", {"unknown type 'Adamm'", "SGD, Adam, AdamW"}},
        {"optim: {type: SGD, learning_rate: 0.1}", {"unknown argument 'learning_rate'", "lr, momentum"}},
        {"optim: {type: SGD, lr: fast}", {"'lr' must be a number", "'fast'"}},
        {"optim: {type: Adam, betas: 0.9}", {"'betas' must be a list of two numbers"}},
        {"optim: {type: SGD, lr: -1}", {"Invalid learning rate: -1"}},
        {"optim: {type: SGD}\nscheduler: {type: Linear}", {"unknown type 'Linear'", "LinearWithWarmup"}},
        {"optim: {type: SGD}\nscheduler: {type: StepLR, step: 3}", {"unknown option 'step'", "step_size"}},
        {"optim: {type: SGD}\nscheduler: {type: StepLR, step_size: [1]}", {"scheduler.step_size must be"}},
        {"hps: {optim: {type: SGD}}\nextra: 1", {"next to 'hps'"}},
        {"- just\n- a list", {"expected a map of hyper-parameters"}},
        {"optim: {type: SGD", {"not valid YAML or JSON"}},
    };
    for (const Case& c : cases) {
      const std::string msg = error_of([&] { HyperParameters::from_yaml(c.yaml, "hps.yaml"); });
      const std::string yaml = c.yaml;
      CAPTURE(yaml);
      CAPTURE(msg);
      CHECK(contains(msg, "hps.yaml"));
      for (const char* e : c.expect) CHECK(contains(msg, e));
    }
    CHECK(contains(error_of([] { HyperParameters::from_file("/nonexistent/hps.yaml"); }), "cannot read"));
    CHECK(contains(error_of([] { HyperParameters::from_file("hps.txt"); }), ".yaml, .yml or .json"));
    HyperParameters no_type;
    CHECK(contains(error_of([&] { no_type.validate(); }), "optim.type is required"));
  }
}
