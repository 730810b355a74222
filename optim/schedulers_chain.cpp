// ChainedScheduler and SequentialLR (PyTorch's semantics, including SequentialLR's reset
// to the initial lrs and its undo of the children's construction steps).
#include "optim/schedulers_chain.hpp"

#include <algorithm>

#include "kernels/common/error.hpp"

namespace accmt::optim {

namespace {
Optimizer& first_optimizer(const std::vector<std::shared_ptr<LRScheduler>>& s) {
  ACCMT_CHECK(!s.empty() && s[0], "ChainedScheduler: expects at least one scheduler");
  return s[0]->optimizer();
}

void check_children(const char* who, const Optimizer& opt, const std::vector<std::shared_ptr<LRScheduler>>& s) {
  ACCMT_CHECK(!s.empty(), who, ": expects at least one scheduler");
  for (size_t i = 0; i < s.size(); ++i) {
    ACCMT_CHECK(s[i] != nullptr, who, ": scheduler ", i, " is null");
    ACCMT_CHECK(&s[i]->optimizer() == &opt, who, ": scheduler ", i, " (", s[i]->name(),
                ") belongs to a different optimizer; all schedulers must share one");
  }
}

bool is_composite(const LRScheduler& s) {
  return dynamic_cast<const ChainedScheduler*>(&s) || dynamic_cast<const SequentialLR*>(&s);
}
}  // namespace

// ---- ChainedScheduler
ChainedScheduler::ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers)
    : LRScheduler(first_optimizer(schedulers)), schedulers_(std::move(schedulers)) {
  check_children("ChainedScheduler", optimizer(), schedulers_);
  last_epoch_ = 0;
  last_lrs_ = group_lrs();
}

void ChainedScheduler::step() {
  for (auto& s : schedulers_) s->step();
  ++last_epoch_;
  last_lrs_ = group_lrs();
}

std::vector<double> ChainedScheduler::get_lr() { return group_lrs(); }

void ChainedScheduler::save_children(SchedulerState& out) const {
  for (const auto& s : schedulers_) out.children.push_back(s->state_dict());
}

void ChainedScheduler::load_children(const SchedulerState& in) {
  if (in.children.size() != schedulers_.size())
    fail(detail::concat("load_state_dict: the state has ", in.children.size(), " schedulers, this one ",
                        schedulers_.size()));
  for (size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state_dict(in.children[i]);
}

void ChainedScheduler::undo_step() {
  for (auto& s : schedulers_) s->undo_step();
}

// ---- SequentialLR
SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler(optimizer), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  check_children("SequentialLR", optimizer, schedulers_);
  if (milestones_.size() + 1 != schedulers_.size())
    fail(detail::concat("expects one milestone fewer than schedulers, got ", schedulers_.size(), " schedulers and ",
                        milestones_.size(), " milestones"));
  for (size_t i = 0; i < milestones_.size(); ++i)
    if (milestones_[i] <= 0 || (i > 0 && milestones_[i] <= milestones_[i - 1]))
      fail("milestones must be positive and strictly increasing");
  for (size_t i = 1; i < schedulers_.size(); ++i)
    if (is_composite(*schedulers_[i]))
      fail(detail::concat("scheduler ", i, " is a ", schedulers_[i]->name(),
                          "; only the first scheduler may be a composite (the others restart at a milestone)"));
  last_epoch_ = 0;
  // Back to the initial lrs, undo the children's construction steps, and start the first.
  auto& groups = optimizer.param_groups();
  for (auto& g : groups) g.set_lr(g.get("initial_lr"));
  for (auto& s : schedulers_) s->undo_step();
  auto& first = schedulers_[active_index(0)];
  first->initial_step();
  last_lrs_ = first->get_last_lr();
}

size_t SequentialLR::active_index(int64_t epoch) const {
  return size_t(std::upper_bound(milestones_.begin(), milestones_.end(), epoch) - milestones_.begin());
}

void SequentialLR::step() {
  ++last_epoch_;
  size_t idx = active_index(last_epoch_);
  auto& s = schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_)
    s->restart_at(0);
  else
    s->step();
  last_lrs_ = s->get_last_lr();
}

std::vector<double> SequentialLR::get_lr() { return group_lrs(); }

std::map<std::string, double> SequentialLR::config() const {
  std::map<std::string, double> c;
  for (size_t i = 0; i < milestones_.size(); ++i) c["milestone." + std::to_string(i)] = double(milestones_[i]);
  return c;
}

void SequentialLR::save_children(SchedulerState& out) const {
  for (const auto& s : schedulers_) out.children.push_back(s->state_dict());
}

void SequentialLR::load_children(const SchedulerState& in) {
  if (in.children.size() != schedulers_.size())
    fail(detail::concat("load_state_dict: the state has ", in.children.size(), " schedulers, this one ",
                        schedulers_.size()));
  for (size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state_dict(in.children[i]);
}

void SequentialLR::undo_step() {
  for (auto& s : schedulers_) s->undo_step();
}

}  // namespace accmt::optim
