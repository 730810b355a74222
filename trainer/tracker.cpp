// The trackers of trainer/tracker.hpp: CSV, JSON lines and TensorBoard event files.
#include "trainer/tracker.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>

#include "kernels/common/error.hpp"
#include "trainer/atomic_file.hpp"
#include "trainer/safetensors.hpp"

namespace accmt {

namespace fs = std::filesystem;

uint32_t crc32c(const void* data, size_t n) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string new_run_id() {
  std::random_device rd;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x%08x%08x%08x", rd(), rd(), rd(), rd());
  return buf;
}

std::string format_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// ---------------------------------------------------------------- CSV and JSON lines
// Both keep one line per record; on resume the lines after the resume step are dropped.
class LinesTracker : public Tracker {
 public:
  explicit LinesTracker(bool json) : json_(json) {}
  std::string name() const override { return json_ ? "JSONL" : "CSV"; }
  std::string run_id() const override { return run_id_; }

  void start(const TrackerStart& s) override {
    run_id_ = s.resume_run_id.empty() ? new_run_id() : s.resume_run_id;
    dir_ = fs::path(s.logging_dir) / s.track_name / run_id_;
    make_dirs(dir_.string());
    path_ = dir_ / (json_ ? "metrics.jsonl" : "metrics.csv");
    std::string kept = json_ ? "" : "step,name,value,wall_time\n";
    if (!s.resume_run_id.empty() && fs::exists(path_)) {
      std::ifstream in(path_);
      std::string line;
      bool first = true;
      while (std::getline(in, line)) {
        if (!json_ && first) {
          first = false;
          continue;
        }
        if (step_of(line) <= s.resume_step) kept += line + "\n";
      }
    }
    write_file_atomic(path_.string(), kept);
    std::string hp = "{";
    bool first = true;
    for (const auto& [k, v] : s.hparams) {
      hp += (first ? "" : ", ") + json_quote(k) + ": " + json_quote(v);
      first = false;
    }
    write_file_atomic((dir_ / "hparams.json").string(), hp + "}\n");
    out_.open(path_, std::ios::app);
    ACCMT_CHECK(out_.good(), name(), " tracker: cannot append to '", path_.string(), "'");
  }

  void log(const std::string& metric, double value, int64_t step) override {
    if (json_)
      out_ << "{\"step\": " << step << ", \"name\": " << json_quote(metric) << ", \"value\": " << format_double(value)
           << ", \"wall_time\": " << format_double(now_seconds()) << "}\n";
    else
      out_ << step << "," << metric << "," << format_double(value) << "," << format_double(now_seconds()) << "\n";
    out_.flush();
  }

  void finish(const std::string& status) override {
    out_.close();
    write_file_atomic((dir_ / "status.txt").string(), status + "\n");
  }

 private:
  int64_t step_of(const std::string& line) const {
    const size_t at = json_ ? line.find("\"step\": ") : 0;
    if (at == std::string::npos) return 0;
    return std::atoll(line.c_str() + at + (json_ ? 8 : 0));
  }
  bool json_;
  std::string run_id_;
  fs::path dir_, path_;
  std::ofstream out_;
};

// ---------------------------------------------------------------- TensorBoard
// Protocol-buffer encoding of the few Event fields TensorBoard needs.
void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += char((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += char(v);
}
void put_tag(std::string& out, int field, int wire) { put_varint(out, uint64_t(field) << 3 | uint64_t(wire)); }
void put_bytes(std::string& out, int field, const std::string& bytes) {
  put_tag(out, field, 2);
  put_varint(out, bytes.size());
  out += bytes;
}
template <class T> void put_fixed(std::string& out, int field, T v) {
  put_tag(out, field, sizeof(T) == 8 ? 1 : 5);
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

std::string event(double wall_time, int64_t step) {
  std::string e;
  put_fixed(e, 1, wall_time);
  put_tag(e, 2, 0);
  put_varint(e, uint64_t(step));
  return e;
}

uint32_t masked_crc(const std::string& bytes) {
  const uint32_t crc = crc32c(bytes.data(), bytes.size());
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

class TensorBoardTracker : public Tracker {
 public:
  std::string name() const override { return "TensorBoard"; }
  std::string run_id() const override { return run_id_; }

  void start(const TrackerStart& s) override {
    run_id_ = s.resume_run_id.empty() ? new_run_id() : s.resume_run_id;
    const fs::path dir = fs::path(s.logging_dir) / s.track_name;
    make_dirs(dir.string());
    char host[256] = "localhost";
    ::gethostname(host, sizeof host - 1);
    char name[512];
    std::snprintf(name, sizeof name, "events.out.tfevents.%010lld.%s.%d.%s", (long long)now_seconds(), host,
                  int(::getpid()), run_id_.substr(0, 8).c_str());
    out_.open(dir / name, std::ios::binary | std::ios::app);
    ACCMT_CHECK(out_.good(), "TensorBoard tracker: cannot create '", (dir / name).string(), "'");
    std::string version = event(now_seconds(), 0);
    put_bytes(version, 3, "brain.Event:2");
    write_record(version);
    if (!s.resume_run_id.empty()) {
      // Event.session_log (field 7) = SessionLog{status: START} at the first step not yet
      // covered: TensorBoard drops the events from that step on that the interrupted run
      // wrote.
      std::string session;
      put_tag(session, 1, 0);
      put_varint(session, 1);
      std::string e = event(now_seconds(), s.resume_step + 1);
      put_bytes(e, 7, session);
      write_record(e);
    } else if (!s.hparams.empty()) {
      std::string table = "| hyper-parameter | value |\n| --- | --- |\n";
      for (const auto& [k, v] : s.hparams) table += "| " + k + " | " + v + " |\n";
      write_text("hparams", table, 0);
    }
  }

  void log(const std::string& metric, double value, int64_t step) override {
    std::string v;
    put_bytes(v, 1, metric);
    put_fixed(v, 2, float(value));
    std::string summary;
    put_bytes(summary, 1, v);
    std::string e = event(now_seconds(), step);
    put_bytes(e, 5, summary);
    write_record(e);
  }

  void finish(const std::string&) override { out_.close(); }

 private:
  // A text summary (the text plugin): a string tensor with plugin metadata "text".
  void write_text(const std::string& tag, const std::string& text, int64_t step) {
    std::string shape;  // TensorShapeProto with one dim of size 1
    std::string dim;
    put_tag(dim, 1, 0);
    put_varint(dim, 1);
    put_bytes(shape, 2, dim);
    std::string tensor;
    put_tag(tensor, 1, 0);
    put_varint(tensor, 7);  // DT_STRING
    put_bytes(tensor, 2, shape);
    put_bytes(tensor, 8, text);
    std::string plugin;
    put_bytes(plugin, 1, "text");
    std::string metadata;
    put_bytes(metadata, 1, plugin);
    std::string v;
    put_bytes(v, 1, tag);
    put_bytes(v, 8, tensor);
    put_bytes(v, 9, metadata);
    std::string summary;
    put_bytes(summary, 1, v);
    std::string e = event(now_seconds(), step);
    put_bytes(e, 5, summary);
    write_record(e);
  }

  void write_record(const std::string& data) {
    std::string len(8, '\0');
    const uint64_t n = data.size();
    for (int i = 0; i < 8; ++i) len[size_t(i)] = char((n >> (8 * i)) & 0xff);
    std::string rec = len;
    const uint32_t lc = masked_crc(len), dc = masked_crc(data);
    for (int i = 0; i < 4; ++i) rec += char((lc >> (8 * i)) & 0xff);
    rec += data;
    for (int i = 0; i < 4; ++i) rec += char((dc >> (8 * i)) & 0xff);
    out_.write(rec.data(), std::streamsize(rec.size()));
    out_.flush();
  }

  std::string run_id_;
  std::ofstream out_;
};

// ---------------------------------------------------------------- DVCLive
// dvclive/metrics.json (latest values, nested by "/", plus "step"),
// dvclive/plots/metrics/<name>.tsv ("step\t<basename>" then one line per log) and
// dvclive/params.yaml, under {logging_dir}/{track_name}/.
class DvcLiveTracker : public Tracker {
 public:
  std::string name() const override { return "DVCLive"; }
  std::string run_id() const override { return run_id_; }

  void start(const TrackerStart& s) override {
    run_id_ = s.resume_run_id.empty() ? new_run_id() : s.resume_run_id;
    root_ = fs::path(s.logging_dir) / s.track_name / "dvclive";
    make_dirs((root_ / "plots" / "metrics").string());
    if (!s.resume_run_id.empty()) {
      // Keep what was logged up to the resume step; drop the rest.
      for (const auto& e : fs::recursive_directory_iterator(root_ / "plots" / "metrics")) {
        if (!e.is_regular_file() || e.path().extension() != ".tsv") continue;
        std::ifstream in(e.path());
        std::string line, kept;
        bool header = true;
        while (std::getline(in, line)) {
          if (header || std::atoll(line.c_str()) <= s.resume_step) kept += line + "\n";
          header = false;
        }
        in.close();
        write_file_atomic(e.path().string(), kept);
      }
    } else {
      fs::remove_all(root_ / "plots" / "metrics");
      make_dirs((root_ / "plots" / "metrics").string());
    }
    std::string params;
    for (const auto& [k, v] : s.hparams) params += k + ": " + json_quote(v) + "\n";  // JSON strings are YAML
    write_file_atomic((root_ / "params.yaml").string(), params);
  }

  void log(const std::string& metric, double value, int64_t step) override {
    const fs::path tsv = root_ / "plots" / "metrics" / (metric + ".tsv");
    if (tsv.has_parent_path()) make_dirs(tsv.parent_path().string());
    const bool fresh = !fs::exists(tsv);
    std::ofstream out(tsv, std::ios::app);
    if (fresh) out << "step\t" << fs::path(metric).filename().string() << "\n";
    out << step << "\t" << format_double(value) << "\n";
    latest_[metric] = value;
    step_ = step;
    write_metrics_json();
  }

  void finish(const std::string&) override {}

 private:
  // {"loss": {"train": 0.5}, "step": 12}: names split at "/" into nested objects.
  void write_metrics_json() {
    struct Node {
      std::map<std::string, Node> children;
      std::string value;
    } root;
    for (const auto& [name, v] : latest_) {
      Node* n = &root;
      std::stringstream parts(name);
      std::string part;
      std::vector<std::string> path;
      while (std::getline(parts, part, '/')) path.push_back(part);
      for (size_t i = 0; i < path.size(); ++i) n = &n->children[path[i]];
      n->value = format_double(v);
    }
    std::function<std::string(const Node&)> render = [&](const Node& n) {
      if (n.children.empty()) return n.value;
      std::string out = "{";
      bool first = true;
      for (const auto& [k, child] : n.children) {
        out += (first ? "" : ", ") + json_quote(k) + ": " + render(child);
        first = false;
      }
      return out + "}";
    };
    std::string body = render(root);
    body.insert(body.size() - 1, std::string(latest_.empty() ? "" : ", ") + "\"step\": " + std::to_string(step_));
    write_file_atomic((root_ / "metrics.json").string(), body + "\n");
  }

  std::string run_id_;
  fs::path root_;
  std::map<std::string, double> latest_;
  int64_t step_ = 0;
};

// ---------------------------------------------------------------- MLflow (file store)
// {logging_dir}/mlruns/<experiment id>/<run id>/ with meta.yaml, metrics/<name> lines
// "<ms> <value> <step>", params/<name>, tags/<name>; the experiment (named track_name)
// has its own meta.yaml. `mlflow ui --backend-store-uri {logging_dir}/mlruns` reads it
// (recent MLflow versions want MLFLOW_ALLOW_FILE_STORE=true for file stores).
class MlflowTracker : public Tracker {
 public:
  std::string name() const override { return "MLflow"; }
  std::string run_id() const override { return run_id_; }

  void start(const TrackerStart& s) override {
    const fs::path root = fs::absolute(fs::path(s.logging_dir) / "mlruns");
    make_dirs(root.string());
    ensure_experiment(root, "0", "Default");
    const std::string experiment = find_or_create_experiment(root, s.track_name);
    run_id_ = s.resume_run_id.empty() ? new_run_id() : s.resume_run_id;
    experiment_id_ = experiment;
    run_dir_ = root / experiment / run_id_;
    run_name_ = s.options.count("run_name") ? s.options.at("run_name") : s.track_name;
    make_dirs((run_dir_ / "metrics").string());
    make_dirs((run_dir_ / "params").string());
    make_dirs((run_dir_ / "tags").string());
    make_dirs((run_dir_ / "artifacts").string());
    const bool resumed = !s.resume_run_id.empty() && fs::exists(run_dir_ / "meta.yaml");
    if (resumed) {
      for (const auto& e : fs::recursive_directory_iterator(run_dir_ / "metrics")) {
        if (!e.is_regular_file()) continue;
        std::ifstream in(e.path());
        std::string line, kept;
        while (std::getline(in, line)) {
          const size_t last = line.rfind(' ');
          if (last != std::string::npos && std::atoll(line.c_str() + last + 1) <= s.resume_step) kept += line + "\n";
        }
        in.close();
        write_file_atomic(e.path().string(), kept);
      }
    } else {
      start_ms_ = now_ms();
      for (const auto& [k, v] : s.hparams) write_file_atomic((run_dir_ / "params" / k).string(), v);
      write_file_atomic((run_dir_ / "tags" / "mlflow.runName").string(), run_name_);
      write_file_atomic((run_dir_ / "tags" / "mlflow.source.name").string(), "accmt");
      for (const auto& [k, v] : s.options)
        if (k != "run_name") write_file_atomic((run_dir_ / "tags" / k).string(), v);
    }
    if (resumed) start_ms_ = read_start_ms();
    write_meta(1, "null");  // RUNNING
  }

  void log(const std::string& metric, double value, int64_t step) override {
    const fs::path file = run_dir_ / "metrics" / metric;
    make_dirs(file.parent_path().string());
    std::ofstream out(file, std::ios::app);
    out << now_ms() << " " << format_double(value) << " " << step << "\n";
  }

  void finish(const std::string& status) override {
    const int code = status == "FINISHED" ? 3 : status == "KILLED" ? 5 : 4;
    write_meta(code, std::to_string(now_ms()));
  }

 private:
  static long long now_ms() { return (long long)(now_seconds() * 1000.0); }

  static void ensure_experiment(const fs::path& root, const std::string& id, const std::string& name) {
    const fs::path meta = root / id / "meta.yaml";
    if (fs::exists(meta)) return;
    make_dirs((root / id).string());
    const std::string t = std::to_string(now_ms());
    write_file_atomic(meta.string(), "artifact_location: file://" + (root / id).string() + "\ncreation_time: " + t +
                                         "\nexperiment_id: '" + id + "'\nlast_update_time: " + t +
                                         "\nlifecycle_stage: active\nname: " + json_quote(name) + "\n");
  }

  // The experiment named `name` (matched in the meta.yaml files), or a new one.
  static std::string find_or_create_experiment(const fs::path& root, const std::string& name) {
    const std::string wanted = "name: " + json_quote(name);
    for (const auto& e : fs::directory_iterator(root)) {
      if (!e.is_directory() || !fs::exists(e.path() / "meta.yaml")) continue;
      std::ifstream in(e.path() / "meta.yaml");
      std::string line;
      while (std::getline(in, line))
        if (line == wanted || line == "name: " + name) return e.path().filename().string();
    }
    std::random_device rd;
    std::string id = std::to_string(1 + rd() % 9);
    while (id.size() < 18) id += char('0' + rd() % 10);
    ensure_experiment(root, id, name);
    return id;
  }

  long long read_start_ms() const {
    std::ifstream in(run_dir_ / "meta.yaml");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("start_time: ", 0) == 0) return std::atoll(line.c_str() + 12);
    return now_ms();
  }

  void write_meta(int status, const std::string& end_time) {
    write_file_atomic((run_dir_ / "meta.yaml").string(),
                      "artifact_uri: file://" + (run_dir_ / "artifacts").string() + "\nend_time: " + end_time +
                          "\nentry_point_name: ''\nexperiment_id: '" + experiment_id_ +
                          "'\nlifecycle_stage: active\nrun_id: " + run_id_ + "\nrun_name: " + json_quote(run_name_) +
                          "\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: " +
                          std::to_string(start_ms_) + "\nstatus: " + std::to_string(status) +
                          "\ntags: []\nuser_id: accmt\n");
  }

  std::string run_id_, experiment_id_, run_name_;
  fs::path run_dir_;
  long long start_ms_ = 0;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

const std::vector<std::string>& supported_trackers() {
  static const std::vector<std::string> names = {"CSV", "JSONL", "TensorBoard", "DVCLive", "MLflow"};
  return names;
}

std::unique_ptr<Tracker> make_tracker(const std::string& name) {
  const std::string n = lower(name);
  if (n == "csv") return std::make_unique<LinesTracker>(false);
  if (n == "jsonl" || n == "json") return std::make_unique<LinesTracker>(true);
  if (n == "tensorboard") return std::make_unique<TensorBoardTracker>();
  if (n == "dvclive") return std::make_unique<DvcLiveTracker>();
  if (n == "mlflow") return std::make_unique<MlflowTracker>();
  std::string list;
  for (const auto& s : supported_trackers()) list += (list.empty() ? "" : ", ") + s;
  if (n == "wandb" || n == "cometml" || n == "aim" || n == "clearml")
    throw Error(detail::concat("log_with: the ", name,
                               " tracker is not supported by this build of accmt (it needs its vendor's SDK or "
                               "server); supported trackers: ",
                               list));
  throw Error(detail::concat("log_with: unknown tracker '", name, "'; supported trackers: ", list));
}

}  // namespace accmt
