#pragma once
// nn::Module: the base of every layer and user model. Parameters, buffers and child
// modules are registered by name; names join with dots like PyTorch's
// ("encoder.layers.0.weight"), so state_dicts move between the two.
#include <functional>
#include <ostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.hpp"

namespace accmt::nn {

// name -> tensor in registration order (PyTorch's OrderedDict).
using StateDict = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;             // a copy would share parameters by accident
  Module& operator=(const Module&) = delete;
  Module(Module&&) = default;                 // register_module(name, Layer(...)) moves
  Module& operator=(Module&&) = default;

  // The single-tensor forward that containers call; layers override it. The default
  // throws an accmt::Error naming the module type.
  virtual Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }

  // ---- registration (returns the stored handle, which stays valid across to())
  Tensor register_parameter(const std::string& name, Tensor value, bool requires_grad = true);
  Tensor register_buffer(const std::string& name, Tensor value, bool persistent = true);
  template <class M> std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }
  template <class M, class = std::enable_if_t<std::is_base_of_v<Module, std::decay_t<M>>>>
  std::shared_ptr<std::decay_t<M>> register_module(const std::string& name, M&& module) {
    return register_module(name, std::make_shared<std::decay_t<M>>(std::forward<M>(module)));
  }

  // ---- access
  std::vector<Tensor> parameters(bool recurse = true) const;
  StateDict named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  StateDict named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
  // This module's descendants (pre-order, each once); the module itself is not included
  // because it is not held by a shared_ptr here.
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules() const;
  // Looks up "a.b.weight"-style names; throws accmt::Error if absent.
  Tensor parameter(const std::string& dotted_name) const;
  std::shared_ptr<Module> submodule(const std::string& dotted_name) const;
  int64_t num_parameters(bool only_trainable = false) const;

  // ---- state
  void apply(const std::function<void(Module&)>& fn);  // children first, then this
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void to(Device device);
  void to(DType dtype);  // floating parameters and buffers only, like PyTorch
  void to(Device device, DType dtype);
  void zero_grad(bool set_to_none = true);
  void requires_grad_(bool on = true);

  // Parameters and persistent buffers, detached, in registration order.
  StateDict state_dict() const;
  // Copies values in (no autograd). strict: missing or unexpected keys are an error;
  // shape mismatches are always an error. The message lists the keys.
  void load_state_dict(const StateDict& state, bool strict = true);

  // ---- printing like PyTorch: "Linear(in_features=3, out_features=4, bias=True)"
  virtual std::string type_name() const { return "Module"; }
  virtual std::string extra_repr() const { return ""; }
  // The printed tree, built like PyTorch's __repr__ (children via their own str(), so a
  // container may print its children differently, as ModuleList does).
  virtual std::string str() const;

 protected:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  // Rejects empty, dotted or already used names with an accmt::Error.
  void check_name(const std::string& name, const char* what) const;

 private:
  struct Slot {
    std::string name;
    Tensor value;  // undefined for an optional parameter set to None (e.g. bias=false)
    bool persistent = true;
  };
  std::vector<Slot> params_;
  std::vector<Slot> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

std::ostream& operator<<(std::ostream& os, const Module& m);

}  // namespace accmt::nn
