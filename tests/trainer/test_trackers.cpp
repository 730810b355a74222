// Trackers: the CRC-32C of TensorBoard's framing against the known vector, our event
// files read back record by record (and by TensorBoard's own reader when Python has it),
// CSV/JSONL logs, and a resumed run that continues the same run without duplicated steps.
#include <doctest/doctest.h>

#include <algorithm>
#include <csignal>
#include <tuple>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <accmt/accmt.hpp>
#include "tests/support/checks.hpp"

using namespace accmt;
using accmt::test::error_of;
namespace fs = std::filesystem;

namespace {

std::string fresh_dir(const std::string& name) { return test::fresh_temp_dir("trk-" + name); }

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

uint32_t le32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | uint8_t(s[at + size_t(i)]);
  return v;
}

uint32_t masked(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + 0xa282ead8u; }

// The records of an event file, checking both CRCs of each.
std::vector<std::string> records(const std::string& bytes) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < bytes.size()) {
    REQUIRE(at + 12 <= bytes.size());
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | uint8_t(bytes[at + size_t(i)]);
    CHECK(le32(bytes, at + 8) == masked(crc32c(bytes.data() + at, 8)));
    REQUIRE(at + 12 + n + 4 <= bytes.size());
    const std::string data = bytes.substr(at + 12, n);
    CHECK(le32(bytes, at + 12 + n) == masked(crc32c(data.data(), data.size())));
    out.push_back(data);
    at += 12 + n + 4;
  }
  return out;
}

struct Tiny : AcceleratorModule {
  std::function<void(int64_t)> on_batch;
  int64_t n = 0;
  Tiny() {
    manual_seed(2);
    auto lin = std::make_shared<nn::Linear>(2, 1);
    lin->to(DType::Float64);
    model = lin;
  }
  Tensor step(data::Batch& b) override {
    if (on_batch) on_batch(++n);
    return (model->forward(b["x"]).reshape({-1}) - b["y"]).pow(2.0).mean();
  }
};

std::shared_ptr<data::TensorDataset> tiny_data() {
  Generator g(1);
  return std::make_shared<data::TensorDataset>(std::initializer_list<data::Batch::Item>{
      {"x", randn({16, 2}, {.dtype = DType::Float64}, &g)}, {"y", randn({16}, {.dtype = DType::Float64}, &g)}});
}

}  // namespace

TEST_SUITE("trainer.trackers") {
  TEST_CASE("CRC-32C matches the known vector") {
    CHECK(crc32c("123456789", 9) == 0xE3069283u);
    CHECK(crc32c("", 0) == 0u);
  }

  TEST_CASE("a fit logs to CSV, JSONL and TensorBoard at once; resume continues the same run") {
    const std::string dir = fresh_dir("fit");
    TrainerOptions o;
    o.hps_config = std::string("{epochs: 2, batch_size: 2, optim: {type: SGD, lr: 0.05}}");
    o.model_path = dir + "/models/tiny";
    o.logging_dir = dir + "/logs";
    o.log_with = {"CSV", "jsonl", "TensorBoard", "DVCLive", "MLflow"};
    o.checkpoint_every = "3 steps";
    o.model_saving = {};
    o.verbose = false;
    o.shuffle_train = false;
    o.device = kCPU;
    Tiny first;
    first.on_batch = [](int64_t k) {
      if (k == 5) throw Error("crash");  // steps 1..4 are logged; the last checkpoint is at 3
    };
    Trainer t1(o);
    CHECK(error_of([&] { t1.fit(first, tiny_data()); }) == "crash");
    CHECK(t1.history().back().step == 4);
    Tiny second;
    o.resume = true;
    Trainer t2(o);
    t2.fit(second, tiny_data());

    // CSV: one run folder (the same id both times), steps 1..16 once each.
    const fs::path track = fs::path(dir) / "logs" / "tiny";
    std::vector<fs::path> runs;
    for (const auto& e : fs::directory_iterator(track))
      if (e.is_directory() && e.path().filename() != "dvclive") runs.push_back(e.path());
    REQUIRE(runs.size() == 2);  // the CSV and the JSONL run folders
    for (const fs::path& run : runs) {
      const bool csv = fs::exists(run / "metrics.csv");
      std::istringstream lines(read_all(run / (csv ? "metrics.csv" : "metrics.jsonl")));
      std::string line;
      std::vector<int64_t> steps;
      if (csv) std::getline(lines, line);  // header
      while (std::getline(lines, line)) {
        CHECK(line.find("train_loss") != std::string::npos);
        steps.push_back(csv ? std::atoll(line.c_str()) : std::atoll(line.c_str() + line.find(':') + 1));
      }
      std::vector<int64_t> want;
      for (int64_t s = 1; s <= 16; ++s) want.push_back(s);
      CHECK(steps == want);
      CHECK(read_all(run / "status.txt") == "FINISHED\n");
      CHECK(read_all(run / "hparams.json").find("\"optim.type\": \"SGD\"") != std::string::npos);
    }
    // DVCLive: the latest values nested by "/", one TSV per metric with steps 1..16 once.
    const std::string metrics_json = read_all(track / "dvclive" / "metrics.json");
    CHECK(metrics_json.find("\"train_loss\": ") != std::string::npos);
    CHECK(metrics_json.find("\"step\": 16}") != std::string::npos);
    std::istringstream tsv(read_all(track / "dvclive" / "plots" / "metrics" / "train_loss.tsv"));
    std::string row;
    std::getline(tsv, row);
    CHECK(row == "step\ttrain_loss");
    std::vector<int64_t> tsv_steps;
    while (std::getline(tsv, row)) tsv_steps.push_back(std::atoll(row.c_str()));
    CHECK(tsv_steps.size() == 16);
    CHECK(tsv_steps.back() == 16);
    CHECK(read_all(track / "dvclive" / "params.yaml").find("optim.type: \"SGD\"") != std::string::npos);
    // TensorBoard: event files (one per start, or the same one appended when the name
    // repeats within a second in one process), valid framing.
    std::vector<fs::path> events;
    for (const auto& e : fs::directory_iterator(track))
      if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0) events.push_back(e.path());
    REQUIRE(!events.empty());
    size_t scalar_records = 0;
    for (const auto& e : events)
      for (const std::string& r : records(read_all(e))) scalar_records += r.find("train_loss") != std::string::npos;
    CHECK(scalar_records == 16 + 1);  // step 4 twice: the SessionLog START at step 4 drops the first
    // MLflow's file store: one run (the same id after resume), steps 1..16 once, FINISHED.
    const fs::path mlruns = fs::path(dir) / "logs" / "mlruns";
    size_t mlflow_runs = 0;
    for (const auto& e : fs::recursive_directory_iterator(mlruns))
      if (e.path().filename() == "meta.yaml" && fs::exists(e.path().parent_path() / "metrics")) {
        ++mlflow_runs;
        CHECK(read_all(e.path()).find("status: 3\n") != std::string::npos);
        std::istringstream ml(read_all(e.path().parent_path() / "metrics" / "train_loss"));
        std::string ml_line;
        int64_t ml_count = 0;
        while (std::getline(ml, ml_line)) ++ml_count;
        CHECK(ml_count == 16);
      }
    CHECK(mlflow_runs == 1);
    // The real readers (TensorBoard's EventAccumulator, MLflow's client) must give back
    // every logged scalar with its tag, step and value: the first run's records up to the
    // checkpoint (step 3) and all of the resumed run's.
    std::vector<std::tuple<std::string, int64_t, double>> expected;
    for (const LogRecord& r : t1.history())
      if (r.step <= 3) expected.emplace_back(r.name, r.step, r.value);
    for (const LogRecord& r : t2.history()) expected.emplace_back(r.name, r.step, r.value);
    std::sort(expected.begin(), expected.end());
    const char* python = std::getenv("ACCMT_PYTHON");
    const char* source = std::getenv("ACCMT_SOURCE_DIR");
    const std::string refdir = std::string(source ? source : ACCMT_SOURCE_DIR) + "/tests/reference/";
    const bool required = std::getenv("ACCMT_REQUIRE_PYTHON_INTEROP") != nullptr;
    struct Reader {
      const char* name;
      std::string command;
      bool float32;  // TensorBoard stores float32 values
    };
    const std::vector<Reader> readers = {
        {"tensorboard", "check_tensorboard.py " + track.string() + " " + dir + "/tb.tsv", true},
        {"mlflow", "check_mlflow.py " + mlruns.string() + " tiny " + dir + "/mlflow.tsv", false}};
    for (const Reader& reader : readers) {
      CAPTURE(reader.name);
      const std::string out = dir + "/" + (std::string(reader.name) == "tensorboard" ? "tb.tsv" : "mlflow.tsv");
      const std::string log = dir + "/" + reader.name + ".log";
      const int rc = std::system((std::string(python ? python : "python3") + " " + refdir + reader.command + " > " +
                                  log + " 2>&1")
                                     .c_str());
      if (WEXITSTATUS(rc) == 3 && !required) {
        MESSAGE("python3 lacks ", reader.name, ": its reader was not run here (CI runs it)");
        continue;
      }
      INFO(read_all(log));
      REQUIRE(WEXITSTATUS(rc) == 0);
      std::istringstream rows(read_all(out));
      std::vector<std::tuple<std::string, int64_t, double>> got;
      std::string tag, step, value;
      while (std::getline(rows, tag, '\t') && std::getline(rows, step, '\t') && std::getline(rows, value))
        got.emplace_back(tag, std::atoll(step.c_str()), std::strtod(value.c_str(), nullptr));
      REQUIRE(got.size() == expected.size());
      for (size_t i = 0; i < got.size(); ++i) {
        CHECK(std::get<0>(got[i]) == std::get<0>(expected[i]));
        CHECK(std::get<1>(got[i]) == std::get<1>(expected[i]));
        const double want = reader.float32 ? double(float(std::get<2>(expected[i]))) : std::get<2>(expected[i]);
        CHECK(std::get<2>(got[i]) == want);
      }
    }
  }
}
