// Optimizer base: groups, per-parameter state, zero_grad, state_dict round trips.
#include "optim/optimizer.hpp"

#include "autograd/grad_mode.hpp"

namespace accmt::optim {

double ParamGroup::get(const std::string& key) const {
  auto it = options.find(key);
  ACCMT_CHECK(it != options.end(), "optimizer: parameter group has no option '", key, "'");
  return it->second;
}
double ParamGroup::lr() const { return get("lr"); }
void ParamGroup::set_lr(double lr) { options["lr"] = lr; }

Optimizer::Optimizer(std::vector<Tensor> params, Options defaults) : defaults_(std::move(defaults)) {
  add_param_group({std::move(params), {}});
}

Optimizer::Optimizer(std::vector<ParamGroup> groups, Options defaults) : defaults_(std::move(defaults)) {
  ACCMT_CHECK(!groups.empty(), "optimizer: got an empty list of parameter groups");
  for (auto& g : groups) add_param_group(std::move(g));
}

void Optimizer::add_param_group(ParamGroup group) {
  ACCMT_CHECK(!group.params.empty(), "optimizer: a parameter group has no parameters");
  for (const Tensor& p : group.params) {
    ACCMT_CHECK(p.defined() && p.is_leaf(), "optimizer: can only optimize defined leaf tensors");
    ACCMT_CHECK(p.is_floating_point(), "optimizer: can only optimize floating tensors, got ", dtype_name(p.dtype()));
    for (const auto& g : groups_)
      for (const Tensor& q : g.params)
        ACCMT_CHECK(!q.is_same(p), "optimizer: a parameter appears in more than one parameter group");
  }
  for (const auto& [key, value] : group.options)
    ACCMT_CHECK(defaults_.count(key), "optimizer: unknown option '", key, "' in a parameter group");
  for (const auto& [key, value] : defaults_) group.options.emplace(key, value);
  check_options(group.options);
  groups_.push_back(std::move(group));
}

void Optimizer::check_all_groups() const {
  for (const auto& g : groups_) check_options(g.options);
}

double Optimizer::next_step(std::map<std::string, Tensor>& state, const Tensor& param) {
  Tensor& step = state["step"];
  // On the CPU, like PyTorch's non-capturable "step": reading it is not a device sync.
  if (!step.defined()) step = zeros({}, TensorOptions{.dtype = DType::Float32, .device = kCPU});
  // Left on the device by a capturable step: one copy back (a sync) when the mode changes.
  if (!step.device().is_cpu()) step = step.to(kCPU, DType::Float32, /*copy=*/true);
  step.add_(1);
  return step.item<double>();
}

void Optimizer::set_capturable(bool on) {
  ACCMT_CHECK(!on || supports_capturable(), name(),
              " has no capturable step (its update reads host-side step counts); Adam, AdamW and SGD do");
  capturable_ = on;
}

void Optimizer::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (auto& g : groups_)
    for (const Tensor& p : g.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (set_to_none) p.set_grad(Tensor());
      else grad.zero_();
    }
}

std::map<std::string, Tensor>& Optimizer::state_of(const Tensor& param) { return state_[param.impl()]; }

bool Optimizer::has_state(const Tensor& param) const { return state_.count(param.impl()) > 0; }

OptimizerState Optimizer::state_dict() const {
  OptimizerState out;
  int64_t index = 0;
  for (const auto& g : groups_) {
    out.group_options.push_back(g.options);
    std::vector<int64_t> ids;
    for (const Tensor& p : g.params) {
      auto it = state_.find(p.impl());
      if (it != state_.end()) {
        auto& slot = out.state[index];
        for (const auto& [name, t] : it->second) slot[name] = t.detach().clone();
      }
      ids.push_back(index++);
    }
    out.group_params.push_back(std::move(ids));
  }
  return out;
}

void Optimizer::load_state_dict(const OptimizerState& st) {
  ACCMT_CHECK(st.group_options.size() == groups_.size() && st.group_params.size() == groups_.size(),
              name(), ".load_state_dict: the state has ", st.group_options.size(), " parameter groups, the optimizer ",
              groups_.size());
  std::map<int64_t, const Tensor*> by_index;
  for (size_t g = 0; g < groups_.size(); ++g) {
    ACCMT_CHECK(st.group_params[g].size() == groups_[g].params.size(), name(), ".load_state_dict: group ", g,
                " has ", st.group_params[g].size(), " parameters in the state, ", groups_[g].params.size(),
                " in the optimizer");
    for (size_t i = 0; i < groups_[g].params.size(); ++i) by_index[st.group_params[g][i]] = &groups_[g].params[i];
  }
  std::map<const void*, std::map<std::string, Tensor>> fresh;
  for (const auto& [index, entries] : st.state) {
    auto it = by_index.find(index);
    ACCMT_CHECK(it != by_index.end(), name(), ".load_state_dict: state for parameter index ", index,
                " which no group holds");
    const Tensor& p = *it->second;
    auto& slot = fresh[p.impl()];
    for (const auto& [key, t] : entries) {
      ACCMT_CHECK(t.defined(), name(), ".load_state_dict: state '", key, "' of parameter ", index, " is undefined");
      bool per_element = t.dim() > 0;
      ACCMT_CHECK(!per_element || t.sizes() == p.sizes() || key.find("factored") != std::string::npos ||
                      key.rfind("exp_avg_sq_", 0) == 0,
                  name(), ".load_state_dict: state '", key, "' of parameter ", index, " has shape ",
                  shape_str(t.sizes()), " but the parameter has shape ", shape_str(p.sizes()));
      // Floating state follows the parameter's dtype (like PyTorch); step counters keep theirs.
      DType dt = (t.is_floating_point() && key != "step") ? p.dtype() : t.dtype();
      // Scalar state (step counters, NAdam's mu_product, ASGD's eta and mu) stays on the CPU,
      // where the optimizers read it without a device sync.
      Device dev = t.dim() == 0 ? kCPU : p.device();
      slot[key] = t.to(dev, dt, /*copy=*/true).detach();
    }
  }
  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options = st.group_options[g];
  state_ = std::move(fresh);
}

}  // namespace accmt::optim
