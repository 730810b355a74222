#pragma once
// Builds a scheduler from the `scheduler:` map of a hyper-parameter file, by the names in
// the upstream docs (PyTorch's and HuggingFace transformers' schedulers).
#include <memory>
#include <variant>

#include "optim/lr_scheduler.hpp"

namespace accmt::optim {

using SchedulerValue = std::variant<double, std::string, bool>;

struct SchedulerConfig {
  // The scheduler's arguments by their PyTorch / transformers names (without "type").
  // Numbers may also be numeric strings ("1e-3"). Warm-up schedules take
  // num_warmup_steps (an integer, or a fraction in (0, 1) of the total) or warmup_ratio;
  // a ratio becomes round(num_training_steps * ratio) steps (Python's round: halves to even).
  std::map<std::string, SchedulerValue> options;
  int64_t steps_per_epoch = 0;
  int64_t epochs = 0;
  // Optimizer steps in the whole run; 0 means steps_per_epoch * epochs.
  int64_t num_training_steps = 0;
  int64_t total_steps() const { return num_training_steps > 0 ? num_training_steps : steps_per_epoch * epochs; }
};

// Throws accmt::Error for an unknown type (listing the known ones), an unknown option
// (listing the valid ones), a missing required option or a value of the wrong kind.
std::unique_ptr<LRScheduler> make_scheduler(const std::string& type, Optimizer& optimizer,
                                            const SchedulerConfig& config);

// The names make_scheduler accepts, in documentation order.
const std::vector<std::string>& scheduler_names();

}  // namespace accmt::optim
