#pragma once
// Chaining, as PyTorch allows it: ChainedScheduler steps several schedulers of one
// optimizer together (their factors multiply through the group lrs); SequentialLR hands
// over from one scheduler to the next at milestones.
#include <memory>

#include "optim/lr_scheduler.hpp"

namespace accmt::optim {

class ChainedScheduler final : public LRScheduler {
 public:
  // All schedulers must share one optimizer (at least one scheduler).
  explicit ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers);
  std::string name() const override { return "ChainedScheduler"; }
  void step() override;
  const std::vector<std::shared_ptr<LRScheduler>>& schedulers() const { return schedulers_; }

 protected:
  std::vector<double> get_lr() override;
  void save_children(SchedulerState& out) const override;
  void load_children(const SchedulerState& in) override;
  void undo_step() override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
};

class SequentialLR final : public LRScheduler {
 public:
  // schedulers[i] runs from milestones[i - 1] (0 for the first) until milestones[i];
  // milestones are strictly increasing and positive, one fewer than the schedulers.
  // Only the first scheduler may be a composite (the others restart at their milestone).
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<int64_t> milestones);
  std::string name() const override { return "SequentialLR"; }
  void step() override;
  const std::vector<std::shared_ptr<LRScheduler>>& schedulers() const { return schedulers_; }

 protected:
  std::vector<double> get_lr() override;
  std::map<std::string, double> config() const override;
  void save_children(SchedulerState& out) const override;
  void load_children(const SchedulerState& in) override;
  void undo_step() override;

 private:
  size_t active_index(int64_t epoch) const;

  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

}  // namespace accmt::optim
