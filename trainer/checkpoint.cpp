#include "trainer/checkpoint.hpp"

#include <yaml-cpp/yaml.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kernels/common/error.hpp"
#include "optim/number_text.hpp"
#include "trainer/atomic_file.hpp"
#include "trainer/safetensors.hpp"

namespace accmt {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "accmt-checkpoint-1";

// Doubles exactly (17 significant digits); JSON has no NaN or infinities, so those are strings.
std::string json_number(double v) {
  if (std::isnan(v)) return "\"nan\"";
  if (std::isinf(v)) return v > 0 ? "\"inf\"" : "\"-inf\"";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

double read_number(const YAML::Node& n, const std::string& what) {
  ACCMT_CHECK(n && n.IsScalar(), "checkpoint: ", what, " is missing or not a number");
  const std::string s = n.Scalar();
  if (s == "nan") return std::nan("");
  if (s == "inf") return INFINITY;
  if (s == "-inf") return -INFINITY;
  const std::optional<double> v = parse_number(s);
  ACCMT_CHECK(v.has_value(), "checkpoint: ", what, " is not a number: '", s, "'");
  return *v;
}

std::string json_list(const std::vector<double>& values) {
  std::string s = "[";
  for (size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + json_number(values[i]);
  return s + "]";
}

std::string json_map(const std::map<std::string, double>& values) {
  std::string s = "{";
  bool first = true;
  for (const auto& [k, v] : values) {
    s += (first ? "" : ", ") + json_quote(k) + ": " + json_number(v);
    first = false;
  }
  return s + "}";
}

std::string scheduler_json(const optim::SchedulerState& st) {
  std::string s = "{\"type\": " + json_quote(st.type) + ", \"last_epoch\": " + std::to_string(st.last_epoch) +
                  ", \"base_lrs\": " + json_list(st.base_lrs) + ", \"last_lrs\": " + json_list(st.last_lrs) +
                  ", \"scalars\": " + json_map(st.scalars) + ", \"children\": [";
  for (size_t i = 0; i < st.children.size(); ++i) s += (i ? ", " : "") + scheduler_json(st.children[i]);
  return s + "]}";
}

optim::SchedulerState scheduler_from(const YAML::Node& n) {
  ACCMT_CHECK(n.IsMap(), "checkpoint: scheduler.json is not an object");
  optim::SchedulerState st;
  st.type = n["type"].as<std::string>();
  st.last_epoch = n["last_epoch"].as<int64_t>();
  for (const auto& v : n["base_lrs"]) st.base_lrs.push_back(read_number(v, "scheduler base_lrs"));
  for (const auto& v : n["last_lrs"]) st.last_lrs.push_back(read_number(v, "scheduler last_lrs"));
  for (const auto& kv : n["scalars"]) st.scalars[kv.first.as<std::string>()] = read_number(kv.second, "scheduler scalar");
  for (const auto& c : n["children"]) st.children.push_back(scheduler_from(c));
  return st;
}

std::string optimizer_json(const optim::OptimizerState& st) {
  std::string s = "{\"groups\": [";
  for (size_t g = 0; g < st.group_options.size(); ++g) {
    s += (g ? ", " : "") + std::string("{\"options\": ") + json_map(st.group_options[g]) + ", \"params\": [";
    const auto& params = g < st.group_params.size() ? st.group_params[g] : std::vector<int64_t>{};
    for (size_t i = 0; i < params.size(); ++i) s += (i ? ", " : "") + std::to_string(params[i]);
    s += "]}";
  }
  return s + "]}";
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  ACCMT_CHECK(in.good(), "checkpoint: cannot read '", path.string(), "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

YAML::Node parse_json(const fs::path& path) {
  try {
    return YAML::Load(read_text(path));
  } catch (const YAML::Exception& e) {
    throw Error("checkpoint: '" + path.string() + "' is not valid JSON: " + e.what());
  }
}

uint32_t crc_of(const std::string& bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  size_t done = 0;
  while (done < bytes.size()) {  // zlib takes 32-bit lengths
    const uInt chunk = uInt(std::min<size_t>(bytes.size() - done, size_t(1) << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + done), chunk);
    done += chunk;
  }
  return uint32_t(crc);
}

// The folder to read: dir, or the previous checkpoint a kill mid-swap left in dir.old.
fs::path readable_dir(const std::string& dir) {
  if (fs::exists(fs::path(dir) / "manifest.json")) return dir;
  const fs::path old = dir + ".old";
  if (fs::exists(old / "manifest.json")) return old;
  throw Error("checkpoint: no checkpoint in '" + dir + "' (no manifest.json there or in '" + old.string() + "')");
}

}  // namespace

bool checkpoint_exists(const std::string& dir) {
  return fs::exists(fs::path(dir) / "manifest.json") || fs::exists(fs::path(dir + ".old") / "manifest.json");
}

void write_checkpoint(const std::string& dir, const CheckpointData& data) {
  const fs::path final_dir(dir), tmp(dir + ".tmp"), old(dir + ".old");
  if (final_dir.has_parent_path()) make_dirs(final_dir.parent_path().string());
  fs::remove_all(tmp);
  make_dirs(tmp.string());
  std::map<std::string, std::string> files;
  files["model.safetensors"] = safetensors_bytes(data.model);
  std::vector<std::pair<std::string, Tensor>> opt_tensors;
  for (const auto& [index, state] : data.optimizer.state)
    for (const auto& [name, t] : state) opt_tensors.emplace_back("state." + std::to_string(index) + "." + name, t);
  files["optimizer.safetensors"] = safetensors_bytes(opt_tensors);
  files["optimizer.json"] = optimizer_json(data.optimizer) + "\n";
  files["scheduler.json"] = (data.scheduler ? scheduler_json(*data.scheduler) : std::string("null")) + "\n";
  files["rng.safetensors"] = safetensors_bytes({{"default", data.rng}});
  files["grads.safetensors"] = safetensors_bytes(data.grads);
  files["loader.json"] = data.train_loader.to_string() + "\n";
  files["status.json"] = data.status;
  std::string manifest = "{\"format\": \"" + std::string(kFormat) + "\", \"files\": {";
  bool first = true;
  for (const auto& [name, bytes] : files) {
    write_file_atomic((tmp / name).string(), bytes);
    manifest += (first ? "" : ", ") + json_quote(name) + ": {\"size\": " + std::to_string(bytes.size()) +
                ", \"crc32\": " + std::to_string(crc_of(bytes)) + "}";
    first = false;
  }
  write_file_atomic((tmp / "manifest.json").string(), manifest + "}}\n");
  sync_dir(tmp.string());
  // The swap: at every moment one complete checkpoint exists under dir or dir.old.
  fs::remove_all(old);
  if (fs::exists(final_dir)) fs::rename(final_dir, old);
  fs::rename(tmp, final_dir);
  sync_dir(final_dir.has_parent_path() ? final_dir.parent_path().string() : ".");
  fs::remove_all(old);
}

CheckpointData read_checkpoint(const std::string& dir) {
  const fs::path d = readable_dir(dir);
  const YAML::Node manifest = parse_json(d / "manifest.json");
  ACCMT_CHECK(manifest.IsMap() && manifest["format"] && manifest["format"].as<std::string>() == kFormat,
              "checkpoint '", d.string(), "': manifest.json is not an ", kFormat, " manifest");
  for (const char* name : {"model.safetensors", "optimizer.safetensors", "optimizer.json", "scheduler.json",
                           "rng.safetensors", "grads.safetensors", "loader.json", "status.json"}) {
    const YAML::Node entry = manifest["files"][name];
    ACCMT_CHECK(entry && entry["size"] && entry["crc32"], "checkpoint '", d.string(), "': manifest.json lists no ", name);
    ACCMT_CHECK(fs::exists(d / name), "checkpoint '", d.string(), "': ", name, " is missing");
    const std::string bytes = read_text(d / name);
    ACCMT_CHECK(bytes.size() == entry["size"].as<uint64_t>(), "checkpoint '", d.string(), "': ", name, " is ",
                bytes.size(), " bytes, the manifest says ", entry["size"].as<uint64_t>(), " (truncated or replaced)");
    ACCMT_CHECK(crc_of(bytes) == entry["crc32"].as<uint32_t>(), "checkpoint '", d.string(), "': ", name,
                " fails its CRC-32 check (corrupted)");
  }
  CheckpointData out;
  out.model = load_safetensors((d / "model.safetensors").string());
  for (auto& [key, t] : load_safetensors((d / "optimizer.safetensors").string())) {
    // "state.<index>.<name>"
    const size_t a = key.find('.'), b = key.find('.', a + 1);
    ACCMT_CHECK(key.rfind("state.", 0) == 0 && b != std::string::npos, "checkpoint: unexpected optimizer entry '", key, "'");
    out.optimizer.state[std::stoll(key.substr(a + 1, b - a - 1))][key.substr(b + 1)] = t;
  }
  const YAML::Node opt = parse_json(d / "optimizer.json");
  for (const auto& g : opt["groups"]) {
    optim::Options options;
    for (const auto& kv : g["options"]) options[kv.first.as<std::string>()] = read_number(kv.second, "optimizer option");
    std::vector<int64_t> params;
    for (const auto& p : g["params"]) params.push_back(p.as<int64_t>());
    out.optimizer.group_options.push_back(options);
    out.optimizer.group_params.push_back(params);
  }
  const YAML::Node sched = parse_json(d / "scheduler.json");
  if (!sched.IsNull()) out.scheduler = scheduler_from(sched);
  const auto rng = load_safetensors((d / "rng.safetensors").string());
  ACCMT_CHECK(rng.size() == 1 && rng[0].first == "default", "checkpoint: rng.safetensors has no 'default' state");
  out.rng = rng[0].second;
  out.grads = load_safetensors((d / "grads.safetensors").string());
  out.train_loader = data::LoaderState::from_string(read_text(d / "loader.json"));
  out.status = read_text(d / "status.json");
  return out;
}

}  // namespace accmt
