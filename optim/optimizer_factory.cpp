// make_optimizer: optimizer names and argument maps (YAML `optim:`) to optimizer objects.
// Arguments become the optimizer's group options (optim/optimizer.hpp): pairs such as
// betas split into beta1/beta2, bools become 0/1.
#include "optim/optimizer_factory.hpp"

#include <cmath>
#include <functional>
#include <limits>

#include "kernels/common/error.hpp"
#include "optim/number_text.hpp"
#include "optim/optim.hpp"

namespace accmt::optim {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// How one argument maps onto group option keys: one key, or a pair of keys.
struct Argument {
  std::string name;
  std::vector<std::string> keys;  // 1 (number or bool) or 2 (a pair of numbers)
};

using Builder = std::function<std::unique_ptr<Optimizer>(std::vector<ParamGroup>)>;

struct Kind {
  std::string type;
  std::vector<Argument> arguments;
  Builder build;
};

Argument one(const std::string& name) { return {name, {name}}; }
Argument pair(const std::string& name, const std::string& a, const std::string& b) { return {name, {a, b}}; }

template <class T> Builder builder() {
  return [](std::vector<ParamGroup> groups) -> std::unique_ptr<Optimizer> { return std::make_unique<T>(std::move(groups)); };
}

const std::vector<Kind>& kinds() {
  static const std::vector<Kind> table = {
      {"SGD", {one("lr"), one("momentum"), one("dampening"), one("weight_decay"), one("nesterov"), one("maximize")},
       builder<SGD>()},
      {"Adam",
       {one("lr"), pair("betas", "beta1", "beta2"), one("eps"), one("weight_decay"), one("amsgrad"), one("maximize"),
        one("decoupled_weight_decay")},
       builder<Adam>()},
      {"AdamW",
       {one("lr"), pair("betas", "beta1", "beta2"), one("eps"), one("weight_decay"), one("amsgrad"), one("maximize")},
       builder<AdamW>()},
      {"Adagrad",
       {one("lr"), one("lr_decay"), one("weight_decay"), one("initial_accumulator_value"), one("eps"),
        one("maximize")},
       builder<Adagrad>()},
      {"Adadelta", {one("lr"), one("rho"), one("eps"), one("weight_decay"), one("maximize")}, builder<Adadelta>()},
      {"Adamax", {one("lr"), pair("betas", "beta1", "beta2"), one("eps"), one("weight_decay"), one("maximize")},
       builder<Adamax>()},
      {"NAdam",
       {one("lr"), pair("betas", "beta1", "beta2"), one("eps"), one("weight_decay"), one("momentum_decay"),
        one("decoupled_weight_decay"), one("maximize")},
       builder<NAdam>()},
      {"RAdam",
       {one("lr"), pair("betas", "beta1", "beta2"), one("eps"), one("weight_decay"), one("decoupled_weight_decay"),
        one("maximize")},
       builder<RAdam>()},
      {"RMSprop",
       {one("lr"), one("alpha"), one("eps"), one("weight_decay"), one("momentum"), one("centered"), one("maximize")},
       builder<RMSprop>()},
      {"Rprop",
       {one("lr"), pair("etas", "etaminus", "etaplus"), pair("step_sizes", "step_size_min", "step_size_max"),
        one("maximize")},
       builder<Rprop>()},
      {"ASGD", {one("lr"), one("lambd"), one("alpha"), one("t0"), one("weight_decay"), one("maximize")},
       builder<ASGD>()},
      {"Adafactor",
       {one("lr"), pair("eps", "eps1", "eps2"), one("clip_threshold"), one("decay_rate"), one("beta1"),
        one("weight_decay"), one("scale_parameter"), one("relative_step"), one("warmup_init")},
       builder<Adafactor>()},
      {"SparseAdam",
       {one("lr"), pair("betas", "beta1", "beta2"), one("eps"), one("maximize")},
       [](std::vector<ParamGroup> groups) -> std::unique_ptr<Optimizer> {
         std::vector<Tensor> params;
         for (auto& g : groups) params.insert(params.end(), g.params.begin(), g.params.end());
         return std::make_unique<SparseAdam>(params);  // throws, explaining why
       }},
  };
  return table;
}

const Kind& kind_of(const std::string& type) {
  for (const Kind& k : kinds())
    if (k.type == type) return k;
  throw Error(detail::concat("optimizer: unknown type '", type, "'; valid types: ", join(optimizer_names())));
}

double number_of(const std::string& type, const std::string& name, const OptimizerValue& value) {
  if (const auto* d = std::get_if<double>(&value)) return *d;
  if (const auto* b = std::get_if<bool>(&value)) return *b ? 1.0 : 0.0;
  if (const auto* s = std::get_if<std::string>(&value)) {
    const std::optional<double> v = parse_number(*s);
    ACCMT_CHECK(v.has_value(), "optimizer ", type, ": argument '", name, "' must be a number, got '", *s, "'");
    return *v;
  }
  throw Error(detail::concat("optimizer ", type, ": argument '", name, "' must be a single number, got a list"));
}

}  // namespace

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const Kind& k : kinds()) out.push_back(k.type);
    return out;
  }();
  return names;
}

const std::vector<std::string>& optimizer_arguments(const std::string& type) {
  static const std::map<std::string, std::vector<std::string>> by_type = [] {
    std::map<std::string, std::vector<std::string>> out;
    for (const Kind& k : kinds())
      for (const Argument& a : k.arguments) out[k.type].push_back(a.name);
    return out;
  }();
  (void)kind_of(type);
  return by_type.at(type);
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& type, std::vector<Tensor> params,
                                          const std::map<std::string, OptimizerValue>& options) {
  const Kind& kind = kind_of(type);
  Options group;
  for (const auto& [name, value] : options) {
    if (name == "type") continue;
    const Argument* arg = nullptr;
    for (const Argument& a : kind.arguments)
      if (a.name == name) arg = &a;
    ACCMT_CHECK(arg != nullptr, "optimizer ", type, ": unknown argument '", name, "'; valid arguments: ",
                join(optimizer_arguments(type)));
    if (arg->keys.size() == 1) {
      group[arg->keys[0]] = number_of(type, name, value);
      continue;
    }
    const auto* list = std::get_if<std::vector<double>>(&value);
    ACCMT_CHECK(list != nullptr && list->size() == 2, "optimizer ", type, ": argument '", name,
                "' must be a list of two numbers, e.g. ", name, ": [", name == "betas" ? "0.9, 0.999" : "0.5, 1.2", "]");
    group[arg->keys[0]] = (*list)[0];
    group[arg->keys[1]] = (*list)[1];
  }
  std::vector<ParamGroup> groups;
  groups.push_back(ParamGroup{std::move(params), group});
  return kind.build(std::move(groups));
}

}  // namespace accmt::optim
