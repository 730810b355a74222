// LRScheduler base: initial lrs, stepping, state_dict round trips.
#include "optim/lr_scheduler.hpp"


#include "kernels/common/error.hpp"

namespace accmt::optim {

std::vector<double> group_values(const Optimizer& optimizer, const std::string& key) {
  std::vector<double> out;
  for (const auto& g : optimizer.param_groups()) out.push_back(g.get(key));
  return out;
}

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(&optimizer) {
  for (auto& g : optimizer.param_groups()) g.options.emplace("initial_lr", g.lr());
  base_lrs_ = group_values(optimizer, "initial_lr");
}

void LRScheduler::initial_step() {
  is_initial_ = true;
  try {
    step();
  } catch (...) {
    is_initial_ = false;
    throw;
  }
  is_initial_ = false;
}

void LRScheduler::step() {
  ++last_epoch_;
  apply_lrs(get_lr());
}

void LRScheduler::restart_at(int64_t epoch) {
  last_epoch_ = epoch;
  auto closed = closed_form_lr();
  apply_lrs(closed ? *closed : get_lr());
}

void LRScheduler::apply_lrs(const std::vector<double>& lrs) {
  auto& groups = optimizer_->param_groups();
  if (lrs.size() != groups.size())
    fail(detail::concat("computed ", lrs.size(), " learning rates but the optimizer has ", groups.size(),
                        " parameter groups (were groups added after the scheduler was created?)"));
  for (size_t i = 0; i < lrs.size(); ++i) groups[i].set_lr(lrs[i]);
  last_lrs_ = group_lrs();
}

std::vector<double> LRScheduler::group_lrs() const { return group_values(*optimizer_, "lr"); }

std::vector<double> LRScheduler::per_group(const std::string& what, const std::vector<double>& values) const {
  size_t n = num_groups();
  if (values.size() == 1) return std::vector<double>(n, values[0]);
  if (values.size() != n)
    fail(detail::concat(what, " has ", values.size(), " values but the optimizer has ", n,
                        " parameter groups (give one value, or one per group)"));
  return values;
}

void LRScheduler::fail(const std::string& message) const { throw Error(name() + ": " + message); }

SchedulerState LRScheduler::state_dict() const {
  SchedulerState s;
  s.type = name();
  s.last_epoch = last_epoch_;
  s.base_lrs = base_lrs_;
  s.last_lrs = last_lrs_;
  s.scalars = config();
  save_extra(s.scalars);
  save_children(s);
  return s;
}

void LRScheduler::load_state_dict(const SchedulerState& s) {
  if (s.type != name()) fail(detail::concat("load_state_dict: the state was saved by a ", s.type, " scheduler"));
  size_t n = num_groups();
  if (s.last_lrs.size() != n || s.base_lrs.size() != base_lrs_.size())
    fail(detail::concat("load_state_dict: the state has ", s.last_lrs.size(), " learning rates, the optimizer ", n,
                        " parameter groups"));
  for (const auto& [key, value] : config()) {
    auto it = s.scalars.find(key);
    if (it == s.scalars.end()) fail(detail::concat("load_state_dict: the state has no '", key, "'"));
    if (!(it->second == value))
      fail(detail::concat("load_state_dict: the state was saved with ", key, "=", it->second,
                          " but this scheduler has ", key, "=", value));
  }
  load_extra(s.scalars);
  load_children(s);
  last_epoch_ = s.last_epoch;
  base_lrs_ = s.base_lrs;
  auto& groups = optimizer_->param_groups();
  for (size_t i = 0; i < n; ++i) groups[i].set_lr(s.last_lrs[i]);
  last_lrs_ = s.last_lrs;
}

}  // namespace accmt::optim
