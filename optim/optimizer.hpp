#pragma once
// Optimizer base: parameter groups with per-group hyper-parameters, per-parameter state,
// step/zero_grad, and a state_dict that round-trips exactly.
#include <map>
#include <string>
#include <vector>

#include "tensor/tensor.hpp"

namespace accmt::optim {

// Hyper-parameters of one group by PyTorch's names ("lr", "weight_decay", "momentum",
// "beta1"/"beta2" for betas, "amsgrad" as 0/1, ...).
using Options = std::map<std::string, double>;

struct ParamGroup {
  std::vector<Tensor> params;
  Options options;
  double lr() const;
  void set_lr(double lr);
  double get(const std::string& key) const;  // throws accmt::Error naming the key
};

// Everything needed to resume: per-parameter state tensors (by the parameter's index in
// the flat order of all groups), the groups' options, and which parameter indices each
// group holds. Step counters are stored as tensors like PyTorch's "step".
struct OptimizerState {
  std::map<int64_t, std::map<std::string, Tensor>> state;
  std::vector<Options> group_options;
  std::vector<std::vector<int64_t>> group_params;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One group with `defaults`.
  Optimizer(std::vector<Tensor> params, Options defaults);
  // Several groups: each group's options override `defaults`.
  Optimizer(std::vector<ParamGroup> groups, Options defaults);

  virtual std::string name() const = 0;
  // One update from the current .grad of every parameter (parameters without a grad are
  // skipped). Runs without recording autograd.
  virtual void step() = 0;
  void zero_grad(bool set_to_none = true);

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  void add_param_group(ParamGroup group);
  const Options& defaults() const { return defaults_; }

  // ---- CUDA-graph capture (the Trainer's `compile`). A capturable optimizer keeps each
  // parameter's "step" counter on the parameter's device and reads its hyper-parameters
  // (lr, betas, eps, weight_decay, momentum, dampening) from a copy in device memory, so
  // a captured step() does no host work and replays with current values. After changing
  // a hyper-parameter (a scheduler step), call upload_hyperparameters() before replaying;
  // step() uploads them itself unless the current stream is capturing. Flags (amsgrad,
  // nesterov, maximize) are fixed at capture. Adam, AdamW and SGD support it.
  virtual bool supports_capturable() const { return false; }
  // Throws accmt::Error naming the optimizer when it does not support it.
  void set_capturable(bool on);
  bool capturable() const { return capturable_; }
  // Writes every group's current hyper-parameters to their device copies (asynchronous,
  // stream-ordered, no host sync). A no-op unless capturable.
  virtual void upload_hyperparameters() {}

  OptimizerState state_dict() const;
  // Checks group count, group sizes and parameter shapes; throws accmt::Error naming
  // the mismatch. Tensors are copied so the optimizer owns them: per-element state to the
  // parameter's device and dtype, 0-dim state to the CPU.
  void load_state_dict(const OptimizerState& state);

 protected:
  // Validates one group's merged options (derived optimizers override; add_param_group
  // calls it). Base constructors cannot reach the override, so derived constructors call
  // check_all_groups() once they are built.
  virtual void check_options(const Options& options) const { (void)options; }
  void check_all_groups() const;
  // Adds one to the parameter's "step" counter (a float32 scalar on the CPU, like
  // PyTorch's) and returns the new count.
  static double next_step(std::map<std::string, Tensor>& state, const Tensor& param);

  // Runs fn(param, grad, state) for each parameter of `group` that has a gradient, with
  // the gradient negated when the group maximizes (the common head of every update).
  template <class F> void for_each_grad(ParamGroup& group, F&& fn) {
    const bool maximize = group.options.count("maximize") && group.options.at("maximize") != 0.0;
    for (Tensor p : group.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (maximize) grad = grad.neg();
      fn(p, grad, state_of(p));
    }
  }
  // The state of one parameter (created empty on first use).
  std::map<std::string, Tensor>& state_of(const Tensor& param);
  bool has_state(const Tensor& param) const;

 private:
  std::vector<ParamGroup> groups_;
  Options defaults_;
  std::map<const void*, std::map<std::string, Tensor>> state_;  // keyed by TensorImpl*
  bool capturable_ = false;
};

}  // namespace accmt::optim
