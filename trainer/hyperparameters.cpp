// HyperParameters: reading the hps file (yaml-cpp parses both YAML and JSON), validation,
// and building the optimizer and scheduler.
#include "trainer/hyperparameters.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "kernels/common/error.hpp"
#include "optim/number_text.hpp"
#include "tensor/tensor.hpp"

namespace accmt {

namespace {

const char* const kKeys = "epochs, batch_size, optim, scheduler";

std::string where(const std::string& source, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return source;
  return detail::concat(source, " (line ", mark.line + 1, ")");
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}


std::optional<bool> parse_bool(const std::string& text) {
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  return std::nullopt;
}

int64_t positive_int(const YAML::Node& node, const std::string& what, const std::string& source) {
  const std::optional<double> v = node.IsScalar() ? parse_number(node.Scalar()) : std::nullopt;
  ACCMT_CHECK(v && *v >= 1 && std::floor(*v) == *v && *v < 9.2e18, where(source, node), ": ", what,
              " must be a positive integer, got ", node.IsScalar() ? "'" + node.Scalar() + "'" : std::string("a ") +
              (node.IsSequence() ? "list" : "map"));
  return static_cast<int64_t>(*v);
}

// Scalars become bool, number or string, in that order of preference; lists of numbers
// become vectors (optimizer pairs such as betas).
optim::OptimizerValue optimizer_value(const YAML::Node& node, const std::string& key, const std::string& source) {
  if (node.IsSequence()) {
    std::vector<double> out;
    for (const YAML::Node& item : node) {
      const auto v = item.IsScalar() ? parse_number(item.Scalar()) : std::nullopt;
      ACCMT_CHECK(v.has_value(), where(source, item), ": optim.", key, " must be a list of numbers");
      out.push_back(*v);
    }
    return out;
  }
  ACCMT_CHECK(node.IsScalar(), where(source, node), ": optim.", key, " must be a number, a bool or a list of numbers");
  if (auto b = parse_bool(node.Scalar())) return *b;
  if (auto d = parse_number(node.Scalar())) return *d;
  return node.Scalar();
}

optim::SchedulerValue scheduler_value(const YAML::Node& node, const std::string& key, const std::string& source) {
  ACCMT_CHECK(node.IsScalar(), where(source, node), ": scheduler.", key, " must be a number, a bool or a string");
  if (auto b = parse_bool(node.Scalar())) return *b;
  if (auto d = parse_number(node.Scalar())) return *d;
  return node.Scalar();
}

// The `type` of an optim/scheduler map, and its other keys through `add`.
template <class Add>
std::string read_typed_map(const YAML::Node& node, const char* section, const std::string& source, Add&& add) {
  ACCMT_CHECK(node.IsMap(), where(source, node), ": ", section, " must be a map with a 'type' key, e.g. ", section,
              ": {type: ", std::string(section) == "optim" ? "AdamW, lr: 0.001}" : "LinearWithWarmup, warmup_ratio: 0.1}");
  std::string type;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (key == "type") {
      ACCMT_CHECK(kv.second.IsScalar() && !kv.second.Scalar().empty(), where(source, kv.second), ": ", section,
                  ".type must be a class name");
      type = kv.second.Scalar();
      continue;
    }
    if (kv.second.IsNull()) continue;  // `lr: null` is Python's None: the argument's default
    add(key, kv.second);
  }
  ACCMT_CHECK(!type.empty(), where(source, node), ": ", section, " needs a 'type' key naming the class");
  return type;
}

std::string format_number(double v) {
  std::ostringstream os;
  os.precision(12);
  os << v;
  return os.str();
}

}  // namespace

HyperParameters HyperParameters::from_file(const std::string& path) {
  ACCMT_CHECK(ends_with(path, ".yaml") || ends_with(path, ".yml") || ends_with(path, ".json"), "hps_config: '", path,
              "' is not a hyper-parameter file: expected a .yaml, .yml or .json path");
  std::ifstream in(path, std::ios::binary);
  ACCMT_CHECK(in.good(), "hps_config: cannot read '", path, "' (missing or unreadable)");
  std::stringstream text;
  text << in.rdbuf();
  return from_yaml(text.str(), path);
}

HyperParameters HyperParameters::from_yaml(const std::string& text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(detail::concat(source, ": not valid YAML or JSON: ", e.what()));
  }
  ACCMT_CHECK(root.IsMap(), source, ": expected a map of hyper-parameters (", kKeys, "), optionally under 'hps'");
  YAML::Node hps = root;
  if (root["hps"]) {
    ACCMT_CHECK(root.size() == 1, where(source, root), ": next to 'hps' no other top-level key is allowed");
    hps = root["hps"];
    ACCMT_CHECK(hps.IsMap(), where(source, hps), ": 'hps' must be a map of ", kKeys);
  }
  HyperParameters out;
  bool have_optim = false;
  try {
    for (const auto& kv : hps) {
      const std::string key = kv.first.as<std::string>();
      const YAML::Node& value = kv.second;
      if (key == "epochs") {
        out.epochs = positive_int(value, "epochs", source);
      } else if (key == "batch_size") {
        if (value.IsSequence()) {
          ACCMT_CHECK(value.size() == 2, where(source, value),
                      ": batch_size must be one number or [train, validation], got a list of ", value.size());
          out.batch_size = positive_int(value[0], "batch_size[0] (train)", source);
          out.validation_batch_size = positive_int(value[1], "batch_size[1] (validation)", source);
        } else {
          out.batch_size = positive_int(value, "batch_size", source);
        }
      } else if (key == "optim") {
        have_optim = true;
        out.optim.type = read_typed_map(value, "optim", source, [&](const std::string& k, const YAML::Node& v) {
          out.optim.args[k] = optimizer_value(v, k, source);
        });
      } else if (key == "scheduler") {
        if (value.IsNull()) continue;
        SchedulerSpec spec;
        spec.type = read_typed_map(value, "scheduler", source, [&](const std::string& k, const YAML::Node& v) {
          spec.args[k] = scheduler_value(v, k, source);
        });
        out.scheduler = spec;
      } else {
        throw Error(detail::concat(where(source, kv.first), ": unknown key '", key, "'; valid keys: ", kKeys));
      }
    }
  } catch (const YAML::Exception& e) {
    throw Error(detail::concat(source, ": unexpected structure: ", e.what()));
  }
  ACCMT_CHECK(have_optim, source, ": missing 'optim' (e.g. optim: {type: AdamW, lr: 0.001})");
  try {
    out.validate();
  } catch (const Error& e) {
    throw Error(detail::concat(source, ": ", e.what()));
  }
  return out;
}

void HyperParameters::validate() const {
  ACCMT_CHECK(epochs >= 1, "epochs must be >= 1, got ", epochs);
  ACCMT_CHECK(batch_size >= 1, "batch_size must be >= 1, got ", batch_size);
  ACCMT_CHECK(!validation_batch_size || *validation_batch_size >= 1, "the validation batch size must be >= 1, got ",
              validation_batch_size.value_or(0));
  ACCMT_CHECK(!optim.type.empty(), "optim.type is required; valid types: ", [] {
    std::string s;
    for (const auto& n : optim::optimizer_names()) s += (s.empty() ? "" : ", ") + n;
    return s;
  }());
  // Building both on a dummy parameter checks names, arguments and values now rather
  // than after the data is loaded.
  auto opt = make_optimizer({zeros({1}).requires_grad_()});
  (void)make_scheduler(*opt, 1);
}

std::unique_ptr<optim::Optimizer> HyperParameters::make_optimizer(std::vector<Tensor> params) const {
  return optim::make_optimizer(optim.type, std::move(params), optim.args);
}

std::unique_ptr<optim::LRScheduler> HyperParameters::make_scheduler(optim::Optimizer& optimizer,
                                                                    int64_t steps_per_epoch) const {
  if (!scheduler) return nullptr;
  optim::SchedulerConfig config;
  config.options = scheduler->args;
  config.steps_per_epoch = steps_per_epoch;
  config.epochs = epochs;
  return optim::make_scheduler(scheduler->type, optimizer, config);
}

std::map<std::string, std::string> HyperParameters::flatten() const {
  std::map<std::string, std::string> out;
  out["epochs"] = std::to_string(epochs);
  out["batch_size"] = std::to_string(batch_size);
  out["validation_batch_size"] = std::to_string(eval_batch_size());
  out["optim.type"] = optim.type;
  for (const auto& [k, v] : optim.args) {
    if (const auto* d = std::get_if<double>(&v)) out["optim." + k] = format_number(*d);
    else if (const auto* b = std::get_if<bool>(&v)) out["optim." + k] = *b ? "true" : "false";
    else if (const auto* s = std::get_if<std::string>(&v)) out["optim." + k] = *s;
    else {
      std::string list;
      for (double x : std::get<std::vector<double>>(v)) list += (list.empty() ? "" : ", ") + format_number(x);
      out["optim." + k] = "[" + list + "]";
    }
  }
  if (scheduler) {
    out["scheduler.type"] = scheduler->type;
    for (const auto& [k, v] : scheduler->args) {
      if (const auto* d = std::get_if<double>(&v)) out["scheduler." + k] = format_number(*d);
      else if (const auto* b = std::get_if<bool>(&v)) out["scheduler." + k] = *b ? "true" : "false";
      else out["scheduler." + k] = std::get<std::string>(v);
    }
  }
  return out;
}

}  // namespace accmt
