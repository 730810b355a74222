#pragma once
// LRScheduler base: PyTorch's learning-rate scheduler protocol bound to an Optimizer.
// The constructor of every concrete scheduler performs PyTorch's initial step, so
// get_last_lr() right after construction matches torch; step() is called once per
// optimizer step. Like PyTorch, the first scheduler built on an optimizer records each
// group's lr as the group option "initial_lr" (later schedulers reuse it as base lr).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "optim/optimizer.hpp"

namespace accmt::optim {

// Everything a scheduler needs to resume. `scalars` holds per-scheduler values: its
// hyper-parameters (checked on load) and its mutable counters (restored on load).
// Composite schedulers keep their children's states in `children`.
struct SchedulerState {
  std::string type;
  int64_t last_epoch = -1;
  std::vector<double> base_lrs;
  std::vector<double> last_lrs;
  std::map<std::string, double> scalars;
  std::vector<SchedulerState> children;
};

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  virtual std::string name() const = 0;
  // Advances one step and writes the new lrs into the optimizer's groups.
  virtual void step();
  // The lrs set by the latest step (one per parameter group).
  const std::vector<double>& get_last_lr() const { return last_lrs_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() const { return *optimizer_; }

  SchedulerState state_dict() const;
  // Checks the type, group count and hyper-parameters, restores the counters, and writes
  // the saved lrs (and cycled momenta) back into the optimizer, so a fresh scheduler
  // continues exactly where the saved one stopped.
  void load_state_dict(const SchedulerState& state);

 protected:
  // Sets "initial_lr" in groups that lack it and takes those as base lrs.
  explicit LRScheduler(Optimizer& optimizer);

  // PyTorch's _initial_step: the last statement of every concrete constructor.
  void initial_step();
  // The new lrs for the already advanced last_epoch_.
  virtual std::vector<double> get_lr() = 0;
  // The closed form at last_epoch_, for schedulers that have one (SequentialLR uses it
  // when a scheduler takes over at a milestone).
  virtual std::optional<std::vector<double>> closed_form_lr() { return std::nullopt; }
  // Hyper-parameters saved with the state and compared on load.
  virtual std::map<std::string, double> config() const { return {}; }
  // Mutable per-scheduler values beyond last_epoch.
  virtual void save_extra(std::map<std::string, double>& /*out*/) const {}
  virtual void load_extra(const std::map<std::string, double>& /*in*/) {}
  // Composites override these three to recurse into their children.
  virtual void save_children(SchedulerState& /*out*/) const {}
  virtual void load_children(const SchedulerState& /*in*/) {}
  virtual void undo_step() { --last_epoch_; }  // SequentialLR's recursive_undo

  // Writes `lrs` into the groups and records them as the last lrs.
  void apply_lrs(const std::vector<double>& lrs);
  std::vector<double> group_lrs() const;
  size_t num_groups() const { return optimizer_->param_groups().size(); }
  // A scalar or per-group list as one value per group (PyTorch's _format_param).
  std::vector<double> per_group(const std::string& what, const std::vector<double>& values) const;
  // Throws accmt::Error prefixed with the scheduler's name.
  [[noreturn]] void fail(const std::string& message) const;

  bool is_initial_ = false;
  int64_t last_epoch_ = -1;
  std::vector<double> base_lrs_;
  std::vector<double> last_lrs_;

 private:
  friend class SequentialLR;
  friend class ChainedScheduler;
  // PyTorch's _update_lr(epoch): jump to `epoch`, closed form when available.
  void restart_at(int64_t epoch);

  Optimizer* optimizer_;
};

// Reads group option `key` of every group, for tests and composites.
std::vector<double> group_values(const Optimizer& optimizer, const std::string& key);

}  // namespace accmt::optim
