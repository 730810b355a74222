// Trainer::fit semantics on tiny float64 models, each checked against a hand-written loop
// doing exactly what the documentation promises: accumulation (full and trailing partial
// groups), clipping, set_to_none, evaluation timing, train-loss log windows, model saving
// with below/above, handlers, and option errors.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <accmt/accmt.hpp>
#include "tests/support/checks.hpp"
#include "tests/support/fixtures.hpp"

using namespace accmt;
using accmt::test::error_of;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::string temp_dir(const std::string& name) { return test::fresh_temp_dir("trainer-" + name); }

// y = x @ w^T + b on 3 features, regression to targets: every step changes every weight.
struct Regression : AcceleratorModule {
  std::vector<double> losses;  // every training loss, in order
  std::function<void(int64_t)> on_batch;
  Regression() {
    manual_seed(7);
    auto lin = std::make_shared<nn::Linear>(3, 1);
    lin->to(DType::Float64);
    model = lin;
  }
  Tensor step(data::Batch& b) override {
    Tensor pred = model->forward(b["x"]).reshape({-1});
    return (pred - b["y"]).pow(2.0).mean();
  }
  Tensor training_step(data::Batch& b) override {
    Tensor loss = step(b);
    losses.push_back(loss.item<double>());
    if (on_batch) on_batch(int64_t(losses.size()));
    return loss;
  }
};

std::shared_ptr<data::TensorDataset> regression_data(int64_t n, uint64_t seed = 3) {
  Generator g(seed);
  Tensor x = randn({n, 3}, {.dtype = DType::Float64}, &g);
  Tensor y = randn({n}, {.dtype = DType::Float64}, &g);
  return std::make_shared<data::TensorDataset>(std::initializer_list<data::Batch::Item>{{"x", x}, {"y", y}});
}

TrainerOptions base_options(const std::string& dir, const std::string& hps) {
  TrainerOptions o;
  o.hps_config = hps;
  o.model_path = dir + "/model";
  o.checkpoint_every = std::nullopt;
  o.model_saving = {};
  o.shuffle_train = false;
  o.verbose = false;
  o.device = kCPU;
  return o;
}

// The weights after a hand-written SGD loop over `batches` (lists of example indices),
// each group's gradient being the mean loss gradient over the group's examples.
Tensor manual_sgd(const data::TensorDataset& ds, const std::vector<std::vector<int64_t>>& groups, double lr,
                  std::optional<double> clip = std::nullopt) {
  manual_seed(7);
  nn::Linear lin(3, 1);
  lin.to(DType::Float64);
  optim::SGD opt(lin.parameters(), {.lr = lr});
  const Tensor& x = ds.tensors()["x"];
  const Tensor& y = ds.tensors()["y"];
  for (const auto& idx : groups) {
    opt.zero_grad(true);
    Tensor index = tensor(idx, std::nullopt, TensorOptions{.dtype = DType::Int64});
    Tensor pred = lin.forward(x.index_select(0, index)).reshape({-1});
    (pred - y.index_select(0, index)).pow(2.0).mean().backward();
    if (clip) optim::clip_grad_norm_(lin.parameters(), *clip);
    opt.step();
  }
  return cat({lin.weight.reshape({-1}), lin.bias.reshape({-1})}, 0);
}

Tensor flat_params(const AcceleratorModule& m) {
  std::vector<Tensor> parts;
  for (const Tensor& p : m.model->parameters()) parts.push_back(p.detach().reshape({-1}));
  return cat(parts, 0);
}

std::vector<int64_t> range(int64_t a, int64_t b) {
  std::vector<int64_t> out;
  for (int64_t i = a; i < b; ++i) out.push_back(i);
  return out;
}

std::vector<int64_t> steps_of(const Trainer& t, const std::string& name) {
  std::vector<int64_t> out;
  for (const LogRecord& r : t.history())
    if (r.name == name) out.push_back(r.step);
  return out;
}

}  // namespace

TEST_SUITE("trainer.fit") {
  TEST_CASE("N accumulated micro-batches make the same update as one batch N times larger") {
    const std::string dir = temp_dir("accum");
    auto ds = regression_data(16);
    Regression accumulated, large;
    TrainerOptions a = base_options(dir, "{epochs: 3, batch_size: 2, optim: {type: SGD, lr: 0.1}}");
    a.grad_accumulation_steps = 4;
    const FitResult ra = Trainer(a).fit(accumulated, ds);
    const FitResult rb = Trainer(base_options(dir, "{epochs: 3, batch_size: 8, optim: {type: SGD, lr: 0.1}}")).fit(large, ds);
    CHECK(ra.global_step == 24);
    CHECK(ra.optimizer_steps == 6);
    CHECK(rb.optimizer_steps == 6);
    CHECK(test::check_close(flat_params(accumulated), flat_params(large), 1e-12, 1e-14, "accumulated vs large batch"));
    const Tensor expected = manual_sgd(*ds, {range(0, 8), range(8, 16), range(0, 8), range(8, 16), range(0, 8), range(8, 16)}, 0.1);
    CHECK(test::check_close(flat_params(large), expected, 1e-12, 1e-14, "fit vs hand-written loop"));
  }

  TEST_CASE("the trailing partial group of an epoch steps, averaged over its own size") {
    const std::string dir = temp_dir("partial");
    auto ds = regression_data(10);
    Regression m;
    TrainerOptions o = base_options(dir, "{epochs: 1, batch_size: 2, optim: {type: SGD, lr: 0.05}}");
    o.grad_accumulation_steps = 2;  // 5 batches: groups of 2, 2, 1
    const FitResult r = Trainer(o).fit(m, ds);
    CHECK(r.global_step == 5);
    CHECK(r.optimizer_steps == 3);
    const Tensor expected = manual_sgd(*ds, {range(0, 4), range(4, 8), range(8, 10)}, 0.05);
    CHECK(test::check_close(flat_params(m), expected, 1e-12, 1e-14, "partial group"));
  }

  TEST_CASE("clip_grad changes the update exactly as clip_grad_norm_ does") {
    const std::string dir = temp_dir("clip");
    auto ds = regression_data(8, 11);
    Regression m;
    TrainerOptions o = base_options(dir, "{epochs: 1, batch_size: 4, optim: {type: SGD, lr: 0.5}}");
    o.clip_grad = 0.05;
    Trainer(o).fit(m, ds);
    const Tensor clipped = manual_sgd(*ds, {range(0, 4), range(4, 8)}, 0.5, 0.05);
    const Tensor unclipped = manual_sgd(*ds, {range(0, 4), range(4, 8)}, 0.5);
    CHECK(test::check_close(flat_params(m), clipped, 1e-12, 1e-14, "clipped"));
    CHECK_FALSE(flat_params(m).allclose(unclipped, 1e-6, 1e-6));  // clipping really was active
  }

  TEST_CASE("set_to_none leaves no gradient; false leaves zeros; both train the same") {
    const std::string dir = temp_dir("none");
    auto ds = regression_data(8);
    Regression a, b;
    TrainerOptions on = base_options(dir, "{epochs: 2, batch_size: 4, optim: {type: SGD, lr: 0.1, momentum: 0.9}}");
    TrainerOptions off = on;
    off.set_to_none = false;
    Trainer(on).fit(a, ds);
    Trainer(off).fit(b, ds);
    for (const Tensor& p : a.model->parameters()) CHECK_FALSE(p.grad().defined());
    for (const Tensor& p : b.model->parameters()) {
      REQUIRE(p.grad().defined());
      CHECK(p.grad().eq(0.0).all().item<bool>());
    }
    CHECK(flat_params(a).equal(flat_params(b)));
  }

  TEST_CASE("evaluations happen at the documented steps") {
    const std::string dir = temp_dir("evals");
    auto train = regression_data(20), val = regression_data(6, 5);
    SUBCASE("every 3 steps, plus the end when eval_when_finish") {
      Regression m;
      TrainerOptions o = base_options(dir, "{epochs: 2, batch_size: 2, optim: {type: SGD, lr: 0.01}}");
      o.evaluate_every_n_steps = 3;
      Trainer t(o);
      t.fit(m, train, val);
      CHECK(steps_of(t, "val_loss") == std::vector<int64_t>{3, 6, 9, 12, 15, 18, 20});
    }
    SUBCASE("no extra evaluation when the last step just evaluated, or without eval_when_finish") {
      Regression m, n;
      TrainerOptions o = base_options(dir, "{epochs: 2, batch_size: 2, optim: {type: SGD, lr: 0.01}}");
      o.evaluate_every_n_steps = 5;
      Trainer t(o);
      t.fit(m, train, val);
      CHECK(steps_of(t, "val_loss") == std::vector<int64_t>{5, 10, 15, 20});
      o.evaluate_every_n_steps = 3;
      o.eval_when_finish = false;
      Trainer u(o);
      u.fit(n, train, val);
      CHECK(steps_of(u, "val_loss") == std::vector<int64_t>{3, 6, 9, 12, 15, 18});
    }
    SUBCASE("once per epoch by default, and at the start when asked") {
      Regression m;
      TrainerOptions o = base_options(dir, "{epochs: 3, batch_size: 4, optim: {type: SGD, lr: 0.01}}");
      o.eval_when_start = true;
      o.eval_when_finish = true;  // only applies with evaluate_every_n_steps
      Trainer t(o);
      const FitResult r = t.fit(m, train, val);
      CHECK(steps_of(t, "val_loss") == std::vector<int64_t>{0, 5, 10, 15});
      CHECK(r.evaluations == 4);
    }
    SUBCASE("validation losses are the mean over the validation batches") {
      Regression m;
      TrainerOptions o = base_options(dir, "{epochs: 1, batch_size: [4, 2], optim: {type: SGD, lr: 0.01}}");
      o.eval_when_start = true;
      Trainer t(o);
      t.fit(m, train, val);
      // At step 0 the model is the untrained one: compute the 3 batch losses directly.
      Regression fresh;
      double sum = 0;
      for (int64_t i = 0; i < 6; i += 2) {
        data::Batch b{{"x", val->tensors()["x"].slice(0, i, i + 2)}, {"y", val->tensors()["y"].slice(0, i, i + 2)}};
        sum += fresh.step(b).item<double>();
      }
      REQUIRE(!t.history().empty());
      CHECK(t.history().front().name == "val_loss");
      CHECK(t.history().front().value == doctest::Approx(sum / 3).epsilon(1e-12));
    }
  }

  TEST_CASE("the train loss is logged every log_every x accumulation batches as the window's mean") {
    const std::string dir = temp_dir("logs");
    auto ds = regression_data(24);
    Regression m;
    TrainerOptions o = base_options(dir, "{epochs: 1, batch_size: 2, optim: {type: SGD, lr: 0.01}}");
    o.grad_accumulation_steps = 2;
    o.log_every = 3;  // every 6 batches
    o.train_loss_metric_name = "loss/train";
    Trainer t(o);
    t.fit(m, ds);
    REQUIRE(m.losses.size() == 12);
    std::vector<LogRecord> logged;
    for (const auto& r : t.history())
      if (r.name == "loss/train") logged.push_back(r);
    REQUIRE(logged.size() == 2);
    for (int w = 0; w < 2; ++w) {
      double mean = 0;
      for (int i = 0; i < 6; ++i) mean += m.losses[size_t(6 * w + i)] / 6;
      CHECK(logged[size_t(w)].step == 6 * (w + 1));
      CHECK(logged[size_t(w)].value == doctest::Approx(mean).epsilon(1e-12));
    }
  }

  TEST_CASE("a model is saved only when it improves and lies inside below/above") {
    const std::string dir = temp_dir("saving");
    // Validation losses follow a script: the module's validation_step returns them.
    struct Scripted : Regression {
      std::vector<double> script;
      size_t next = 0;
      ValidationOutput validation_step(data::Batch& b) override {
        (void)b;
        return ValidationOutput(full({}, script.at(next), {.dtype = DType::Float64}));
      }
    };
    Scripted m;
    m.script = {5.0, 3.0, 4.0, 1.5, 0.5, 0.7};
    auto train = regression_data(12), val = regression_data(2, 9);  // one validation batch
    TrainerOptions o = base_options(dir, "{epochs: 6, batch_size: 4, optim: {type: SGD, lr: 0.01}}");
    o.model_saving = {"best_valid_loss"};
    o.safe_serialization = true;
    o.model_saving_below = 4.5;
    o.model_saving_above = 1.0;
    Trainer t(o);
    m.on_batch = [&](int64_t n) {  // 3 batches per epoch; epoch e evaluates with script[e]
      m.next = size_t((n - 1) / 3);
    };
    const FitResult r = t.fit(m, train, val);
    // 5.0: above `below`; 3.0: saved; 4.0: worse; 1.5: saved; 0.5: below `above`; 0.7: below `above`.
    REQUIRE(r.saved.size() == 2);
    CHECK(r.saved[0] == dir + "/model/best_valid_loss");
    CHECK(fs::exists(dir + "/model/best_valid_loss/model.safetensors"));
    CHECK(fs::exists(dir + "/model/best_valid_loss/status.json"));
    // The file holds the model's parameters under their state_dict names.
    test::Fixtures saved(dir + "/model/best_valid_loss/model.safetensors");
    CHECK(saved.get("weight").sizes() == Shape{1, 3});
    CHECK(saved.get("bias").sizes() == Shape{1});
    // The saved model loads back into a fresh module.
    Regression fresh;
    fresh.model->load_state_dict(load_model_folder(dir + "/model/best_valid_loss"));
    CHECK(fresh.model->state_dict()[0].second.equal(saved.get("weight")));
  }

  TEST_CASE("safe_serialization = false saves the native format, which detects any corruption") {
    const std::string dir = temp_dir("native");
    Regression m;
    TrainerOptions o = base_options(dir, "{epochs: 2, batch_size: 4, optim: {type: SGD, lr: 0.01}}");
    o.model_saving = {"always"};
    o.safe_serialization = false;
    Trainer(o).fit(m, regression_data(8), regression_data(4, 2));
    const std::string folder = dir + "/model/always";
    REQUIRE(fs::exists(folder + "/model.accmt"));
    CHECK_FALSE(fs::exists(folder + "/model.safetensors"));
    const auto loaded = load_model_folder(folder);
    const auto state = m.model->state_dict();
    REQUIRE(loaded.size() == state.size());
    for (size_t i = 0; i < state.size(); ++i) CHECK(loaded[i].second.equal(state[i].second));
    // A flipped bit in the data (which a safetensors header check would not see).
    {
      std::fstream f(folder + "/model.accmt", std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(-1, std::ios::end);
      const char last = char(f.get());
      f.seekp(-1, std::ios::end);
      f.put(char(last ^ 1));
    }
    CHECK(contains(error_of([&] { load_model_folder(folder); }), "CRC-32"));
    CHECK(contains(error_of([&] { load_native(folder + "/status.json"); }), "not an accmt native model file"));
  }

  TEST_CASE("checkpoints are written at the checkpoint_every boundaries") {
    const std::string dir = temp_dir("ckpt");
    auto ds = regression_data(8);
    Regression m;
    TrainerOptions o = base_options(dir, "{epochs: 2, batch_size: 2, optim: {type: SGD, lr: 0.01}}");
    o.checkpoint_every = "3 steps";
    std::ostringstream out;
    o.verbose = true;
    Trainer t(o);
    t.set_output(out);
    t.fit(m, ds);
    CHECK(fs::exists(dir + "/checkpoint-model/model.safetensors"));
    CHECK(contains(out.str(), "checkpoint (3 steps) written"));
    // Steps 3 and 6 of 8.
    size_t count = 0, at = 0;
    while ((at = out.str().find("checkpoint (3 steps)", at)) != std::string::npos) ++count, ++at;
    CHECK(count == 2);
  }

  TEST_CASE("handlers: SIGINT stops after the current optimizer step with a checkpoint; errors propagate") {
    const std::string dir = temp_dir("handlers");
    auto ds = regression_data(16);
    SUBCASE("keyboard") {
      Regression m;
      m.on_batch = [](int64_t n) {
        if (n == 3) std::raise(SIGINT);
      };
      TrainerOptions o = base_options(dir, "{epochs: 2, batch_size: 2, optim: {type: SGD, lr: 0.01}}");
      o.grad_accumulation_steps = 2;
      o.handlers = {Handler::Keyboard};
      const FitResult r = Trainer(o).fit(m, ds);
      CHECK(r.interrupted);
      CHECK(r.global_step == 4);  // batch 3 began a group; the group finished first
      CHECK(r.optimizer_steps == 2);
      CHECK(fs::exists(dir + "/checkpoint-model/status.json"));
    }
    SUBCASE("any error: checkpoint, then the error reaches the caller") {
      Regression m;
      m.on_batch = [](int64_t n) {
        if (n == 5) throw Error("boom in the training step");
      };
      TrainerOptions o = base_options(dir, "{epochs: 1, batch_size: 2, optim: {type: SGD, lr: 0.01}}");
      o.handlers = {Handler::Any};
      CHECK(contains(error_of([&] { Trainer(o).fit(m, ds); }), "boom in the training step"));
      CHECK(fs::exists(dir + "/checkpoint-model/status.json"));
    }
    SUBCASE("without handlers nothing is written") {
      Regression m;
      m.on_batch = [](int64_t n) {
        if (n == 2) throw Error("boom");
      };
      TrainerOptions o = base_options(dir + "/x", "{epochs: 1, batch_size: 2, optim: {type: SGD, lr: 0.01}}");
      CHECK(contains(error_of([&] { Trainer(o).fit(m, ds); }), "boom"));
      CHECK_FALSE(fs::exists(dir + "/x/checkpoint-model"));
    }
  }

  TEST_CASE("the monitor chooses what is logged: lr, grad norm (as clip_grad_norm_ computes it), CPU use") {
    const std::string dir = temp_dir("monitor");
    auto ds = regression_data(8);
    Regression m;
    TrainerOptions o = base_options(dir, "{epochs: 1, batch_size: 2, optim: {type: SGD, lr: 0.1}}");
    o.monitor = std::string("{learning_rate: true, grad_norm: true, cpu_utilization: true, train_loss: false}");
    Trainer t(o);
    t.fit(m, ds);
    CHECK(steps_of(t, "train_loss").empty());
    CHECK(steps_of(t, "learning_rate") == std::vector<int64_t>{1, 2, 3, 4});
    CHECK(steps_of(t, "grad_norm") == std::vector<int64_t>{1, 2, 3, 4});
    CHECK(steps_of(t, "cpu_rss_mib").size() == 4);
    CHECK(steps_of(t, "cpu_percent").size() == 3);  // needs a previous sample
    // The first grad norm is the norm of the first batch's gradient at the initial weights.
    Regression fresh;
    data::Batch b{{"x", ds->tensors()["x"].slice(0, 0, 2)}, {"y", ds->tensors()["y"].slice(0, 0, 2)}};
    fresh.step(b).backward();
    const double expected = optim::clip_grad_norm_(fresh.model->parameters(), 1e9).item<double>();
    double first = -1;
    for (const auto& r : t.history())
      if (r.name == "grad_norm" && first < 0) first = r.value;
    CHECK(first == doctest::Approx(expected).epsilon(1e-12));
    for (const auto& r : t.history())
      if (r.name == "learning_rate") CHECK(r.value == doctest::Approx(0.1));
    CHECK(contains(error_of([] { Monitor::from_yaml("{grad_norms: true}"); }), "unknown key 'grad_norms'"));
    CHECK(contains(error_of([] { Monitor::from_yaml("{grad_norm: yes please}"); }), "must be true or false"));
  }

  TEST_CASE("bad options are rejected with a message naming them") {
    const std::string dir = temp_dir("bad");
    const std::string hps = "{epochs: 1, optim: {type: SGD, lr: 0.1}}";
    struct Case {
      std::function<void(TrainerOptions&)> set;
      const char* expect;
    };
    const std::vector<Case> cases = {
        {[](TrainerOptions& o) { o.model_path = ""; }, "model_path is required"},
        {[](TrainerOptions& o) { o.checkpoint_every = "2 weeks"; }, "checkpoint_every"},
        {[](TrainerOptions& o) { o.log_every = 0; }, "log_every must be >= 1"},
        {[](TrainerOptions& o) { o.grad_accumulation_steps = 0; }, "grad_accumulation_steps must be >= 1"},
        {[](TrainerOptions& o) { o.clip_grad = -1.0; }, "clip_grad must be a positive number"},
        {[](TrainerOptions& o) { o.evaluate_every_n_steps = 0; }, "evaluate_every_n_steps must be >= 1"},
        {[](TrainerOptions& o) { o.dataloader_num_workers = -1; }, "dataloader_num_workers must be >= 0"},
        {[](TrainerOptions& o) { o.max_shard_size = "10 parsecs"; }, "max_shard_size"},
        {[](TrainerOptions& o) { o.log_with = {"WandB"}; }, "WandB tracker is not supported by this build"},
        {[](TrainerOptions& o) { o.log_with = {"Tensorbored"}; }, "unknown tracker 'Tensorbored'; supported trackers: CSV, JSONL, TensorBoard"},
        {[](TrainerOptions& o) { o.model_saving_below = 1.0, o.model_saving_above = 2.0; }, "must be greater"},
        {[](TrainerOptions& o) { o.hps_config = std::string("missing.yaml"); }, "cannot read 'missing.yaml'"},
        {[](TrainerOptions& o) { o.hps_config = std::string("{epochs: 1}"); }, "missing 'optim'"},
        {[](TrainerOptions& o) { o.val_loss_metric_name = "train_loss"; }, "two different non-empty names"},
    };
    for (const Case& c : cases) {
      TrainerOptions o = base_options(dir, hps);
      c.set(o);
      const std::string msg = error_of([&] { Trainer t(o); });
      CAPTURE(msg);
      CHECK(contains(msg, c.expect));
    }
    // Errors that need the module: an unknown saving criterion, no data, no step defined.
    struct NoStep : AcceleratorModule {
      NoStep() { model = std::make_shared<nn::Linear>(3, 1); }
    };
    NoStep no_step;
    TrainerOptions o = base_options(dir, hps);
    CHECK(contains(error_of([&] { Trainer(o).fit(no_step, regression_data(4)); }), "define training_step"));
    CHECK(contains(error_of([&] { Trainer(o).fit(no_step); }), "no training data"));
    o.model_saving = {"best_f1"};
    Regression m;
    CHECK(contains(error_of([&] { Trainer(o).fit(m, regression_data(4)); }), "unknown criterion 'best_f1'"));
  }
}
