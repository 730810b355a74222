// A whole Trainer::fit on cuda:0 against the same fit on the CPU: an MLP classifier with
// dropout, AdamW, a warm-up schedule, gradient accumulation, clipping and evaluations with
// an accuracy metric. The runs draw the same dropout masks and batches, so the logged
// losses and the final weights agree (float64) to near rounding.
#include <doctest/doctest.h>

#include <filesystem>

#include <accmt/accmt.hpp>
#include "tests/cuda/parity.hpp"

using namespace accmt;
using accmt::test::cuda::kCuda;

namespace {

struct Classifier : AcceleratorModule {
  explicit Classifier(double dropout = 0.2) {
    manual_seed(3);
    auto net =
        std::make_shared<nn::Sequential>(nn::Linear(10, 32), nn::GELU(), nn::Dropout(dropout), nn::Linear(32, 4));
    net->to(DType::Float64);
    model = net;
  }
  Tensor training_step(data::Batch& b) override {
    return nn::functional::cross_entropy(model->forward(b["x"]), b["y"]);
  }
  ValidationOutput validation_step(data::Batch& b) override {
    Tensor logits = model->forward(b["x"]);
    ValidationOutput out(nn::functional::cross_entropy(logits, b["y"]));
    out.metrics["accuracy"] = {logits, b["y"]};
    return out;
  }
  std::vector<std::shared_ptr<Metric>> metrics() override { return {std::make_shared<Accuracy>()}; }
};

std::shared_ptr<data::TensorDataset> make_data(int64_t n, uint64_t seed) {
  Generator g(seed);
  Tensor x = randn({n, 10}, {.dtype = DType::Float64}, &g);
  Tensor y = x.slice(1, 0, 4).argmax(1);  // a learnable rule
  return std::make_shared<data::TensorDataset>(std::initializer_list<data::Batch::Item>{{"x", x}, {"y", y}});
}

// The logged values (names, steps, values) and the final weights of two fits agree.
void check_same_fit(const std::vector<LogRecord>& cpu_log, const std::vector<LogRecord>& cuda_log,
                    const Classifier& on_cpu, const Classifier& on_cuda) {
  REQUIRE(cpu_log.size() == cuda_log.size());
  for (size_t i = 0; i < cpu_log.size(); ++i) {
    CAPTURE(cpu_log[i].name);
    CAPTURE(cpu_log[i].step);
    CHECK(cuda_log[i].name == cpu_log[i].name);
    CHECK(cuda_log[i].step == cpu_log[i].step);
    CHECK(cuda_log[i].value == doctest::Approx(cpu_log[i].value).epsilon(1e-8));
  }
  CHECK(on_cuda.device() == kCuda);
  const auto a = on_cpu.model->named_parameters(), b = on_cuda.model->named_parameters();
  for (size_t i = 0; i < a.size(); ++i)
    CHECK(accmt::test::check_close(b[i].second.cpu(), a[i].second, 1e-6, 1e-8, a[i].first));
}

// compile: the same fit with the step captured as CUDA graphs after warm-up. 100
// examples in batches of 8 leave a short last batch (eager) and groups of 2 a trailing
// group of one (eager); the logged values and weights match the CPU's eager fit.
std::pair<std::vector<LogRecord>, FitResult> compiled_fit(Device device, Classifier& module, bool compile,
                                                          const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("accmt-cuda-compile-" + name);
  std::filesystem::remove_all(dir);
  TrainerOptions o;
  o.hps_config = std::string(
      "{epochs: 3, batch_size: [8, 16], optim: {type: AdamW, lr: 0.01, weight_decay: 0.05}, "
      "scheduler: {type: LinearWithWarmup, warmup_ratio: 0.1}}");
  o.model_path = (dir / "model").string();
  o.grad_accumulation_steps = 2;
  o.clip_grad = 1.0;
  o.evaluate_every_n_steps = 10;
  o.checkpoint_every = std::nullopt;
  o.monitor = std::string("{grad_norm: true}");
  o.verbose = false;
  o.seed = 17;
  o.device = device;
  o.compile = compile;
  Trainer t(o);
  const FitResult r = t.fit(module, make_data(100, 1), make_data(32, 2));
  return {t.history(), r};
}

}  // namespace

TEST_SUITE("cuda.trainer") {
  TEST_CASE("fit on cuda:0 matches fit on the CPU") {
    const auto dir = std::filesystem::temp_directory_path() / "accmt-cuda-trainer";
    std::filesystem::remove_all(dir);
    auto train = make_data(96, 1), val = make_data(32, 2);
    auto run = [&](Device device, Classifier& module) {
      TrainerOptions o;
      o.hps_config = std::string(
          "{epochs: 4, batch_size: [8, 16], optim: {type: AdamW, lr: 0.01}, "
          "scheduler: {type: LinearWithWarmup, warmup_ratio: 0.1}}");
      o.model_path = (dir / device.str() / "model").string();
      o.grad_accumulation_steps = 2;
      o.clip_grad = 1.0;
      o.evaluate_every_n_steps = 10;
      o.checkpoint_every = std::nullopt;
      o.verbose = false;
      o.seed = 17;
      o.device = device;
      Trainer t(o);
      t.fit(module, train, val);
      return t.history();
    };
    Classifier on_cpu, on_cuda;
    const auto cpu_log = run(kCPU, on_cpu);
    const auto cuda_log = run(kCuda, on_cuda);
    check_same_fit(cpu_log, cuda_log, on_cpu, on_cuda);
  }

  TEST_CASE("fit with compile on cuda:0 replays CUDA graphs and matches the eager CPU fit") {
    Classifier on_cpu(0.0), on_cuda(0.0);
    const auto [cpu_log, cpu_result] = compiled_fit(kCPU, on_cpu, false, "cpu");
    const auto [cuda_log, cuda_result] = compiled_fit(kCuda, on_cuda, true, "cuda");
    CHECK(cuda_result.compile_fallback == "");
    // 13 batches per epoch: 6 full groups and a trailing one, 7 updates; 3 warm-up
    // updates, then 18 update replays and 6 + 12 + 12 micro-step replays.
    CHECK(cuda_result.compile_replays == 48);
    check_same_fit(cpu_log, cuda_log, on_cpu, on_cuda);
  }

  TEST_CASE("fit with compile and dropout runs eagerly (a replay would repeat the masks) and still matches") {
    Classifier on_cpu(0.2), on_cuda(0.2);
    const auto [cpu_log, cpu_result] = compiled_fit(kCPU, on_cpu, false, "cpu-dropout");
    const auto [cuda_log, cuda_result] = compiled_fit(kCuda, on_cuda, true, "cuda-dropout");
    CHECK(cuda_result.compile_fallback.find("draws random numbers") != std::string::npos);
    CHECK(cuda_result.compile_replays == 0);
    check_same_fit(cpu_log, cuda_log, on_cpu, on_cuda);
  }
}
