#pragma once
// HyperParameters: epochs, batch sizes, the optimizer and the LR scheduler of a run, built
// in code or read from a YAML or JSON file (or YAML text) with upstream accmt's layout:
//
//   hps:
//     epochs: 2
//     batch_size: [32, 64]        # one number, or [train, validation]
//     optim: {type: AdamW, lr: 1e-3, weight_decay: 0.01}
//     scheduler: {type: LinearWithWarmup, warmup_ratio: 0.03}
//
// The top-level `hps` key may be left out. Valid keys are exactly epochs, batch_size,
// optim and scheduler; optim.type and scheduler.type name a class (optim/optimizer_factory.hpp,
// optim/scheduler_factory.hpp) and the other keys are its arguments. Anything else is an
// accmt::Error naming the source, the key or value, and the valid choices.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "optim/lr_scheduler.hpp"
#include "optim/optimizer_factory.hpp"
#include "optim/scheduler_factory.hpp"

namespace accmt {

struct OptimizerSpec {
  std::string type;  // e.g. "AdamW" (required)
  std::map<std::string, optim::OptimizerValue> args;
};

struct SchedulerSpec {
  std::string type;  // e.g. "LinearWithWarmup"
  std::map<std::string, optim::SchedulerValue> args;
};

struct HyperParameters {
  int64_t epochs = 1;
  int64_t batch_size = 1;                         // training batch size
  std::optional<int64_t> validation_batch_size;  // defaults to batch_size
  OptimizerSpec optim;
  std::optional<SchedulerSpec> scheduler;

  // A .yaml, .yml or .json file.
  static HyperParameters from_file(const std::string& path);
  // YAML or JSON text; `source` names it in errors.
  static HyperParameters from_yaml(const std::string& text, const std::string& source = "hps_config");

  int64_t train_batch_size() const { return batch_size; }
  int64_t eval_batch_size() const { return validation_batch_size.value_or(batch_size); }

  // Checks everything that can be checked before training: positive sizes, known
  // optimizer and scheduler types and their arguments (by building them on a dummy
  // parameter). Throws accmt::Error naming the problem.
  void validate() const;

  std::unique_ptr<optim::Optimizer> make_optimizer(std::vector<Tensor> params) const;
  // nullptr when no scheduler is configured. steps_per_epoch counts optimizer steps.
  std::unique_ptr<optim::LRScheduler> make_scheduler(optim::Optimizer& optimizer, int64_t steps_per_epoch) const;

  // Flat "key: value" pairs for trackers' hyper-parameter logs (optim.lr, scheduler.type, ...).
  std::map<std::string, std::string> flatten() const;
};

}  // namespace accmt
