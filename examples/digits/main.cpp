// Trains an MLP on the 8x8 digits (examples/data/digits.csv.gz, shipped with the repo)
// with accmt's Trainer: the data comes from a CsvDataset split 80/20, the hyper-parameters
// from hps.yaml beside this file, validation reports accuracy, and the best model by
// accuracy is saved under runs/digits/model/best_accuracy/. Runs on cuda:0 when a GPU is
// present, else on the CPU. Exits non-zero if the validation accuracy stays below 90%,
// so a short run doubles as a smoke test.
//
//   digits_example [--hps PATH] [--data PATH] [--out DIR] [--epochs N] [--quiet]
#include <accmt/accmt.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

using namespace accmt;

namespace {

struct Args {
  std::string hps = ACCMT_DIGITS_HPS;
  std::string data;
  std::string out = "runs/digits";
  int64_t epochs = 0;  // 0: as hps.yaml says
  bool quiet = false;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::puts("usage: digits_example [--hps PATH] [--data PATH] [--out DIR] [--epochs N] [--quiet]");
      std::exit(0);
    }
    if (flag == "--quiet") {
      a.quiet = true;
      continue;
    }
    ACCMT_CHECK(i + 1 < argc, flag, " needs a value (see --help)");
    const std::string value = argv[++i];
    if (flag == "--hps") a.hps = value;
    else if (flag == "--data") a.data = value;
    else if (flag == "--out") a.out = value;
    else if (flag == "--epochs") a.epochs = std::stoll(value);
    else throw Error("unknown option '" + flag + "' (see --help)");
  }
  return a;
}

std::string data_path(const Args& a) {
  if (!a.data.empty()) return a.data;
  const std::string local = "examples/data/digits.csv.gz";
  return std::filesystem::exists(local) ? local : ACCMT_DIGITS_PATH;
}

// 64 pixels in 0..16 -> 128 hidden units -> 10 classes.
struct DigitsModule : AcceleratorModule {
  DigitsModule() {
    model = std::make_shared<nn::Sequential>(nn::Linear(64, 128), nn::ReLU(), nn::Dropout(0.1), nn::Linear(128, 10));
  }
  Tensor logits(data::Batch& b) { return model->forward(b["features"].div(16.0)); }
  Tensor training_step(data::Batch& b) override { return nn::functional::cross_entropy(logits(b), b["label"]); }
  ValidationOutput validation_step(data::Batch& b) override {
    Tensor out = logits(b);
    ValidationOutput v(nn::functional::cross_entropy(out, b["label"]));
    v.metrics["accuracy"] = {out, b["label"]};
    return v;
  }
  std::vector<std::shared_ptr<Metric>> metrics() override { return {std::make_shared<Accuracy>()}; }
};

int run(const Args& a) {
  manual_seed(0);
  auto all = std::make_shared<data::CsvDataset>(data_path(a), data::CsvOptions{.label_column = -1});
  // A fixed 80/20 split.
  Generator split(0);
  const std::vector<int64_t> order = randperm(all->size(), {.dtype = DType::Int64}, &split).to_vector<int64_t>();
  const int64_t n_val = all->size() / 5;
  auto val = std::make_shared<data::Subset>(all, std::vector<int64_t>(order.begin(), order.begin() + n_val));
  auto train = std::make_shared<data::Subset>(all, std::vector<int64_t>(order.begin() + n_val, order.end()));

  HyperParameters hps = HyperParameters::from_file(a.hps);
  if (a.epochs > 0) hps.epochs = a.epochs;
  Trainer trainer({.hps_config = hps,
                   .model_path = a.out + "/model",
                   .model_saving = {"best_accuracy"},
                   .checkpoint_every = "epoch",
                   .verbose = !a.quiet,
                   .seed = 0});
  DigitsModule module;
  std::printf("digits: %lld training and %lld validation images; %lld parameters; on %s\n",
              (long long)train->size(), (long long)val->size(), (long long)module.num_parameters(),
              (cuda::is_available() ? "cuda:0" : "cpu"));
  const FitResult result = trainer.fit(module, train, val);

  double accuracy = 0, first_loss = -1, last_loss = -1;
  for (const LogRecord& r : trainer.history()) {
    if (r.name == "accuracy") accuracy = r.value;
    if (r.name == "train_loss") {
      if (first_loss < 0) first_loss = r.value;
      last_loss = r.value;
    }
  }
  std::printf("trained %lld steps (%lld optimizer steps); train loss %.4f -> %.4f; validation accuracy %.4f\n",
              (long long)result.global_step, (long long)result.optimizer_steps, first_loss, last_loss, accuracy);
  if (!result.saved.empty()) std::printf("best model: %s\n", result.saved.back().c_str());
  if (accuracy < 0.9) {
    std::fprintf(stderr, "digits_example: validation accuracy %.4f is below 0.9\n", accuracy);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "digits_example: %s\n", e.what());
    return 2;
  }
}
