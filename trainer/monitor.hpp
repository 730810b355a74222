#pragma once
// Monitor: which values the Trainer logs (its `monitor` option), as upstream's Monitor.
// Built in code or from a YAML map ("{learning_rate: true, grad_norm: true}").
//   train_loss, validation_loss   the losses (on by default)
//   additional_metrics            the module's metrics after each evaluation (on by default)
//   learning_rate                 the first parameter group's lr, with each train-loss log
//   grad_norm                     the global L2 norm of the gradients at the last optimizer
//                                 step of each log window (before clipping)
//   gpu_utilization               the caching allocator's allocated and reserved MiB, and
//                                 the GPU's utilisation % through NVML when the driver has it
//                                 (loaded at run time; never a dependency)
//   cpu_utilization               the process's resident memory (MiB) and CPU use (% of one
//                                 core since the previous log)
// Learning rate, grad norm, GPU and CPU values are logged during training only, and only
// by the main process.
#include <string>

namespace accmt {

struct Monitor {
  bool learning_rate = false;
  bool train_loss = true;
  bool validation_loss = true;
  bool additional_metrics = true;
  bool grad_norm = false;
  bool gpu_utilization = false;
  bool cpu_utilization = false;

  // Unknown keys and non-bool values are errors naming them and the valid keys.
  static Monitor from_yaml(const std::string& text);
};

// The process's resident set size in bytes, and its CPU time (user + system) in seconds.
double process_rss_bytes();
double process_cpu_seconds();

}  // namespace accmt
