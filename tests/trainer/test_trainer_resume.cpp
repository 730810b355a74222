// Exact resume: a run with dropout, shuffling, an LR schedule and gradient accumulation,
// stopped part-way (SIGINT under the Keyboard handler, or a crash after a mid-group step
// checkpoint) and resumed, ends bit-identical to the uninterrupted run: parameters,
// optimizer state and every logged loss. Also: corrupted checkpoints are clear errors,
// and a checkpoint left in "<dir>.old" by a kill mid-swap is found.
#include <doctest/doctest.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <accmt/accmt.hpp>
#include "tests/support/checks.hpp"
#include "trainer/checkpoint.hpp"

using namespace accmt;
using accmt::test::error_of;
namespace fs = std::filesystem;

namespace {

struct Net : AcceleratorModule {
  std::function<void(int64_t)> on_batch;
  int64_t batches = 0;
  Net() {
    manual_seed(11);
    auto seq = std::make_shared<nn::Sequential>(nn::Linear(6, 16), nn::ReLU(), nn::Dropout(0.3), nn::Linear(16, 3));
    seq->to(DType::Float64);
    model = seq;
  }
  Tensor training_step(data::Batch& b) override {
    ++batches;
    if (on_batch) on_batch(batches);
    return nn::functional::cross_entropy(model->forward(b["x"]), b["y"]);
  }
  ValidationOutput validation_step(data::Batch& b) override {
    return ValidationOutput(nn::functional::cross_entropy(model->forward(b["x"]), b["y"]));
  }
};

std::shared_ptr<data::TensorDataset> dataset(int64_t n, uint64_t seed) {
  Generator g(seed);
  Tensor x = randn({n, 6}, {.dtype = DType::Float64}, &g);
  Tensor y = randint(0, 3, {n}, {.dtype = DType::Int64}, &g);
  return std::make_shared<data::TensorDataset>(std::initializer_list<data::Batch::Item>{{"x", x}, {"y", y}});
}

TrainerOptions options(const std::string& dir) {
  TrainerOptions o;
  o.hps_config = std::string(
      "{epochs: 3, batch_size: [4, 8], optim: {type: AdamW, lr: 0.01}, "
      "scheduler: {type: CosineWithWarmup, warmup_ratio: 0.2}}");
  o.model_path = dir + "/model";
  o.grad_accumulation_steps = 2;
  o.evaluate_every_n_steps = 4;
  o.checkpoint_every = std::nullopt;
  o.model_saving = {};
  o.verbose = false;
  o.seed = 5;
  o.device = kCPU;
  return o;
}

std::string fresh_dir(const std::string& name) { return test::fresh_temp_dir("resume-" + name); }

struct Outcome {
  std::vector<LogRecord> history;
  nn::StateDict params;
  optim::OptimizerState optimizer;
};

bool same_history(const std::vector<LogRecord>& a, const std::vector<LogRecord>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].name != b[i].name || a[i].step != b[i].step || a[i].value != b[i].value) {
      MESSAGE("record ", i, ": ", a[i].name, "@", a[i].step, "=", a[i].value, " vs ", b[i].name, "@", b[i].step, "=",
              b[i].value);
      return false;
    }
  return true;
}

void check_same_params(const nn::StateDict& a, const nn::StateDict& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CAPTURE(a[i].first);
    CHECK(a[i].second.equal(b[i].second));
  }
}

Outcome straight(const std::shared_ptr<data::TensorDataset>& train, const std::shared_ptr<data::TensorDataset>& val) {
  Net net;
  Trainer t(options(fresh_dir("straight")));
  t.fit(net, train, val);
  return {t.history(), net.model->state_dict(), {}};
}

}  // namespace

TEST_SUITE("trainer.resume") {
  TEST_CASE("stopped by SIGINT mid-epoch and resumed: bit-identical parameters, optimizer state and logs") {
    auto train = dataset(40, 1), val = dataset(16, 2);  // 10 batches per epoch, 30 in all
    const Outcome full = straight(train, val);
    for (int64_t stop_at : {3, 10, 17}) {
      CAPTURE(stop_at);
      const std::string dir = fresh_dir("sigint" + std::to_string(stop_at));
      Net first;
      first.on_batch = [&](int64_t n) {
        if (n == stop_at) std::raise(SIGINT);
      };
      TrainerOptions o = options(dir);
      o.handlers = {Handler::Keyboard};
      Trainer t1(o);
      const FitResult r1 = t1.fit(first, train, val);
      REQUIRE(r1.interrupted);
      REQUIRE(checkpoint_exists(dir + "/checkpoint-model"));

      Net second;  // a fresh process would build the module again
      o.resume = true;
      Trainer t2(o);
      const FitResult r2 = t2.fit(second, train, val);
      CHECK_FALSE(r2.interrupted);
      CHECK(r2.global_step == 30);
      std::vector<LogRecord> joined = t1.history();
      joined.insert(joined.end(), t2.history().begin(), t2.history().end());
      CHECK(same_history(joined, full.history));
      check_same_params(second.model->state_dict(), full.params);
    }
  }

  TEST_CASE("a crash after a mid-group step checkpoint resumes from it, gradients included") {
    auto train = dataset(40, 1), val = dataset(16, 2);
    const Outcome full = straight(train, val);
    const std::string dir = fresh_dir("crash");
    Net first;
    first.on_batch = [](int64_t n) {
      if (n == 8) throw Error("simulated crash");
    };
    TrainerOptions o = options(dir);
    o.checkpoint_every = "5 steps";  // step 5 is the middle of an accumulation group
    Trainer t1(o);
    CHECK(error_of([&] { t1.fit(first, train, val); }) == "simulated crash");
    const CheckpointData ck = read_checkpoint(dir + "/checkpoint-model");
    CHECK_FALSE(ck.grads.empty());
    CHECK(ck.train_loader.batches_seen == 5);

    Net second;
    o.resume = true;
    Trainer t2(o);
    t2.fit(second, train, val);
    std::vector<LogRecord> joined;
    for (const LogRecord& r : t1.history())
      if (r.step <= 5) joined.push_back(r);
    joined.insert(joined.end(), t2.history().begin(), t2.history().end());
    CHECK(same_history(joined, full.history));
    check_same_params(second.model->state_dict(), full.params);
  }

  TEST_CASE("optimizer and scheduler state survive a checkpoint round trip exactly") {
    auto train = dataset(40, 1), val = dataset(16, 2);
    const std::string dir = fresh_dir("state");
    Net net;
    TrainerOptions o = options(dir);
    o.checkpoint_every = "epoch";
    Trainer t(o);
    t.fit(net, train, val);
    const CheckpointData ck = read_checkpoint(dir + "/checkpoint-model");
    REQUIRE(ck.scheduler.has_value());
    CHECK(ck.scheduler->last_epoch == 15);  // 3 epochs x 5 optimizer steps
    CHECK(ck.optimizer.state.size() == 4);
    CHECK(ck.optimizer.state.at(0).count("exp_avg") == 1);
    check_same_params(ck.model, net.model->state_dict());
    CHECK(ck.train_loader.epoch == 3);
    CHECK(ck.train_loader.batches_seen == 0);
  }

  TEST_CASE("corrupted or half-swapped checkpoints") {
    auto train = dataset(16, 1);
    const std::string dir = fresh_dir("corrupt");
    Net net;
    TrainerOptions o = options(dir);
    o.checkpoint_every = "epoch";
    o.evaluate_every_n_steps = std::nullopt;
    Trainer(o).fit(net, train);
    const std::string ck = dir + "/checkpoint-model";
    REQUIRE(checkpoint_exists(ck));

    SUBCASE("a kill between the two renames leaves <dir>.old, which is found") {
      fs::rename(ck, ck + ".old");
      CHECK(checkpoint_exists(ck));
      CHECK_NOTHROW(read_checkpoint(ck));
    }
    SUBCASE("a truncated file") {
      fs::resize_file(ck + "/model.safetensors", fs::file_size(ck + "/model.safetensors") - 3);
      CHECK(error_of([&] { read_checkpoint(ck); }).find("model.safetensors is") != std::string::npos);
    }
    SUBCASE("a flipped byte") {
      std::fstream f(ck + "/optimizer.safetensors", std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(-2, std::ios::end);
      f.put('\x7f');
      f.close();
      CHECK(error_of([&] { read_checkpoint(ck); }).find("CRC-32") != std::string::npos);
    }
    SUBCASE("a missing file") {
      fs::remove(ck + "/loader.json");
      CHECK(error_of([&] { read_checkpoint(ck); }).find("loader.json is missing") != std::string::npos);
    }
    SUBCASE("resume refuses a checkpoint whose position does not fit the data any more") {
      const std::string dir2 = fresh_dir("batchsize");
      Net a, b;
      TrainerOptions mid = options(dir2);
      mid.checkpoint_every = "5 steps";  // last at step 10: batch 2 of the third epoch (4 per epoch)
      mid.evaluate_every_n_steps = std::nullopt;
      Trainer(mid).fit(a, train);
      mid.resume = true;
      mid.hps_config = std::string(
          "{epochs: 3, batch_size: 8, optim: {type: AdamW, lr: 0.01}, "
          "scheduler: {type: CosineWithWarmup, warmup_ratio: 0.2}}");  // 2 batches per epoch
      const std::string msg = error_of([&] { Trainer(mid).fit(b, train); });
      CAPTURE(msg);
      // The scheduler's step count or the batch position gives it away, whichever is checked first.
      const bool explained = msg.find("batch size changed") != std::string::npos ||
                             msg.find("num_training_steps") != std::string::npos;
      CHECK(explained);
    }
  }
}
