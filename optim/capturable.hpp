#pragma once
// What the capturable optimizers (Adam, AdamW, SGD) share: the float64 device copies of
// each group's hyper-parameters, the device-resident step counters, and the check for a
// CUDA graph capture in progress (see Optimizer's capturable contract).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "optim/optimizer.hpp"

namespace accmt::optim::capture {

// Whether the current stream of any CUDA device holding a parameter is capturing.
bool capturing(const std::vector<ParamGroup>& groups);

// One float64 tensor per (group, device of its parameters), allocated once so a captured
// graph keeps reading the same memory, and rewritten in place by upload().
class HyperCopies {
 public:
  // Writes values(group) to the group's copy on each device of its parameters, with one
  // fill kernel per value (asynchronous, no host sync).
  template <class Values> void upload(const std::vector<ParamGroup>& groups, Values&& values) {
    copies_.resize(groups.size());
    for (size_t g = 0; g < groups.size(); ++g) write(g, groups[g], values(groups[g]));
  }
  // The copy of group `group` on `device`; throws accmt::Error naming `opt` when none was
  // uploaded (a capture started before any eager step or upload_hyperparameters()).
  const Tensor& at(size_t group, const Device& device, const std::string& opt) const;

 private:
  void write(size_t group, const ParamGroup& g, const std::vector<double>& values);
  std::vector<std::vector<std::pair<Device, Tensor>>> copies_;
};

// The parameter's "step" counter for a capturable update: a float32 0-dim tensor on the
// parameter's device, created at 0 or moved there from the CPU (a loaded state_dict or
// an earlier non-capturable step).
Tensor device_step(std::map<std::string, Tensor>& state, const Tensor& param);

// Throws accmt::Error naming `opt` when state must be created during a capture (its
// initialisation would be recorded and repeated by every replay).
void check_warm(bool capturing, bool has_state, const std::string& opt);

}  // namespace accmt::optim::capture
