// The Trainer's `compile` controller (trainer/compiled_step.hpp) on the CPU, with a
// recording graph standing in for CUDA graphs: capture keeps the region without running
// it, replay runs it again on the buffers the region closed over. The fit must give
// exactly the losses, logged values and weights of the eager fit, while the replays do
// the work: warm-up, capture at a group start, static batch buffers, gradient buffers
// kept across steps, eager micro-steps for other batch shapes and short trailing groups,
// capturable optimizer hyper-parameters after scheduler steps, and the fallbacks.
#include <doctest/doctest.h>

#include <sstream>

#include <accmt/accmt.hpp>
#include "tests/support/checks.hpp"
#include "autograd/grad_mode.hpp"
#include "trainer/compiled_step.hpp"

using namespace accmt;

namespace {

struct Counts {
  int captures = 0, replays = 0;
};

// A CUDA capture records the region's kernels in the state it runs in (autograd on or
// off); replaying them later does not look at the caller's state. So the fake records
// the grad mode at capture and replays under it.
class RecordingGraph final : public StepGraph {
 public:
  explicit RecordingGraph(Counts& counts) : counts_(counts) {}
  void capture(const std::function<void()>& region) override {
    region_ = region;
    grad_mode_ = autograd::GradMode::is_enabled();
    ++counts_.captures;
  }
  void replay() override {
    REQUIRE(region_);
    ++counts_.replays;
    const bool caller = autograd::GradMode::is_enabled();
    autograd::GradMode::set_enabled(grad_mode_);
    try {
      region_();
    } catch (...) {
      autograd::GradMode::set_enabled(caller);
      throw;
    }
    autograd::GradMode::set_enabled(caller);
  }

 private:
  Counts& counts_;
  std::function<void()> region_;
  bool grad_mode_ = true;
};

// Installs the recording graph for one scope.
struct FakeGraphs {
  Counts counts;
  explicit FakeGraphs(int64_t warmup) {
    detail::set_step_graph_factory_for_tests(
        [this](const Device&) { return std::make_unique<RecordingGraph>(counts); }, warmup);
  }
  ~FakeGraphs() { detail::set_step_graph_factory_for_tests(nullptr, 3); }
};

struct Classifier : AcceleratorModule {
  Classifier() {
    manual_seed(5);
    auto net = std::make_shared<nn::Sequential>(nn::Linear(6, 16), nn::GELU(), nn::Linear(16, 3));
    net->to(DType::Float64);
    model = net;
  }
  Tensor training_step(data::Batch& b) override {
    return nn::functional::cross_entropy(model->forward(b["x"]), b["y"]);
  }
  ValidationOutput validation_step(data::Batch& b) override {
    return ValidationOutput(nn::functional::cross_entropy(model->forward(b["x"]), b["y"]));
  }
};

std::shared_ptr<data::TensorDataset> make_data(int64_t n, uint64_t seed) {
  Generator g(seed);
  Tensor x = randn({n, 6}, {.dtype = DType::Float64}, &g);
  Tensor y = x.slice(1, 0, 3).argmax(1);
  return std::make_shared<data::TensorDataset>(std::initializer_list<data::Batch::Item>{{"x", x}, {"y", y}});
}

struct Outcome {
  std::vector<LogRecord> history;
  std::vector<Tensor> params;
  FitResult result;
  std::string printed;
};

Outcome fit(bool compile, const std::string& hps, int64_t accumulation, bool set_to_none, int64_t examples) {
  const std::string dir = test::fresh_temp_dir("trainer-compile");
  TrainerOptions o;
  o.hps_config = hps;
  o.model_path = dir + "/model";
  o.checkpoint_every = std::nullopt;
  o.model_saving = {};
  o.device = kCPU;
  o.seed = 11;
  o.grad_accumulation_steps = accumulation;
  o.clip_grad = 0.5;
  o.set_to_none = set_to_none;
  o.evaluate_every_n_steps = 5;
  o.monitor = std::string("{grad_norm: true, learning_rate: true}");
  o.compile = compile;
  Trainer t(o);
  std::ostringstream out;
  t.set_output(out);
  Classifier module;
  Outcome r;
  r.result = t.fit(module, make_data(examples, 1), make_data(20, 2));
  r.history = t.history();
  for (const Tensor& p : module.model->parameters()) r.params.push_back(p.detach().clone());
  r.printed = out.str();
  return r;
}

void check_same(const Outcome& eager, const Outcome& compiled) {
  REQUIRE(eager.history.size() == compiled.history.size());
  for (size_t i = 0; i < eager.history.size(); ++i) {
    CAPTURE(eager.history[i].name);
    CAPTURE(eager.history[i].step);
    CHECK(compiled.history[i].name == eager.history[i].name);
    CHECK(compiled.history[i].step == eager.history[i].step);
    CHECK(compiled.history[i].value == eager.history[i].value);
  }
  REQUIRE(eager.params.size() == compiled.params.size());
  for (size_t i = 0; i < eager.params.size(); ++i) CHECK(eager.params[i].equal(compiled.params[i]));
}

const char* kAdamW =
    "{epochs: 3, batch_size: 8, optim: {type: AdamW, lr: 0.02, weight_decay: 0.1}, "
    "scheduler: {type: LinearWithWarmup, warmup_ratio: 0.2}}";

}  // namespace

TEST_SUITE("trainer.compile") {
  TEST_CASE("replayed steps equal the eager fit: AdamW, a schedule, accumulation, a short trailing group") {
    // 52 examples in batches of 8: 6 full batches and one of 4 per epoch; groups of 2, so
    // the 7th batch is a trailing group of one (eager, its loss scale differs).
    const Outcome eager = fit(false, kAdamW, 2, true, 52);
    FakeGraphs fake(2);
    const Outcome compiled = fit(true, kAdamW, 2, true, 52);
    check_same(eager, compiled);
    CHECK(compiled.result.compile_fallback.empty());
    // One capture of each half. 3 epochs x 4 groups = 12 updates, 2 of them warm-up: 10
    // update replays (the trailing group's too: the update does not depend on the group's
    // size); micro-steps: the 3rd group of epoch 1 onwards, 2 + 6 + 6 = 14 replays.
    CHECK(fake.counts.captures == 2);
    CHECK(fake.counts.replays == 24);
    CHECK(compiled.result.compile_replays == 24);
    CHECK(compiled.printed.find("compile: captured the training step") != std::string::npos);
  }

  TEST_CASE("replayed steps equal the eager fit: SGD with momentum, set_to_none false, another batch shape") {
    const char* sgd =
        "{epochs: 2, batch_size: 8, optim: {type: SGD, lr: 0.05, momentum: 0.9, nesterov: true}, "
        "scheduler: {type: StepLR, step_size: 3, gamma: 0.5}}";
    // 30 examples: batches 8, 8, 8, 6; the batch of 6 does not match the captured shape.
    const Outcome eager = fit(false, sgd, 1, false, 30);
    FakeGraphs fake(1);
    const Outcome compiled = fit(true, sgd, 1, false, 30);
    check_same(eager, compiled);
    CHECK(compiled.result.compile_fallback.empty());
    // 8 steps, 1 warm-up; the capture is at step 2; the two batches of 6 run eagerly:
    // 5 micro replays and 7 update replays (the update does not depend on the shape).
    CHECK(fake.counts.replays == 12);
  }

  TEST_CASE("the capture waits for a batch of the usual shape, not a short last batch") {
    const char* sgd = "{epochs: 2, batch_size: 8, optim: {type: SGD, lr: 0.05, momentum: 0.9}}";
    // Batches 8, 8, 8, 6 per epoch; 3 warm-up steps end right before the batch of 6.
    const Outcome eager = fit(false, sgd, 1, true, 30);
    FakeGraphs fake(3);
    const Outcome compiled = fit(true, sgd, 1, true, 30);
    check_same(eager, compiled);
    // Step 4 (6 rows) and step 5 (8 rows after 6) run eagerly; step 6 is captured. Micro
    // replays: steps 6 and 7; update replays: steps 6, 7 and 8 (8 has 6 rows: eager micro).
    CHECK(fake.counts.captures == 2);
    CHECK(fake.counts.replays == 5);
  }

  TEST_CASE("an optimizer without a capturable step runs eagerly and says why") {
    const char* rms = "{epochs: 1, batch_size: 8, optim: {type: RMSprop, lr: 0.01}}";
    const Outcome eager = fit(false, rms, 1, true, 24);
    FakeGraphs fake(1);
    const Outcome compiled = fit(true, rms, 1, true, 24);
    check_same(eager, compiled);
    CHECK(fake.counts.captures == 0);
    CHECK(compiled.result.compile_fallback.find("RMSprop has no capturable step") != std::string::npos);
    CHECK(compiled.printed.find("compile: RMSprop has no capturable step") != std::string::npos);
  }

  TEST_CASE("compile has no effect on the CPU and says so") {
    const Outcome eager = fit(false, kAdamW, 1, true, 24);
    const Outcome compiled = fit(true, kAdamW, 1, true, 24);
    check_same(eager, compiled);
    CHECK(compiled.result.compile_replays == 0);
    CHECK(compiled.printed.find("compile: no effect on the CPU") != std::string::npos);
  }
}
