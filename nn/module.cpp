// nn::Module: registration, traversal, device/dtype moves, state_dict and printing.
#include "nn/module.hpp"

#include <sstream>
#include <unordered_set>

#include "autograd/grad_mode.hpp"
#include "nn/repr.hpp"

namespace accmt::nn {

Tensor Module::forward(const Tensor&) {
  throw Error(type_name() + ": this module has no single-tensor forward(); call its own forward method");
}

void Module::check_name(const std::string& name, const char* what) const {
  ACCMT_CHECK(!name.empty() && name.find('.') == std::string::npos, type_name(), ": invalid ", what, " name '", name,
              "' (must be non-empty and contain no '.')");
  auto taken = [&](const auto& list) {
    for (const auto& entry : list)
      if (entry.name == name) return true;
    return false;
  };
  bool child_taken = false;
  for (const auto& [n, m] : children_) child_taken = child_taken || n == name;
  ACCMT_CHECK(!taken(params_) && !taken(buffers_) && !child_taken, type_name(), ": the name '", name,
              "' is already registered");
}

Tensor Module::register_parameter(const std::string& name, Tensor value, bool requires_grad) {
  check_name(name, "parameter");
  if (value.defined()) {
    ACCMT_CHECK(value.is_floating_point() || !requires_grad, type_name(), ": parameter '", name,
                "' must be floating to require grad, got ", dtype_name(value.dtype()));
    // A parameter is a leaf: cut any history the initial value had.
    if (!value.is_leaf()) value = value.detach();
    value.requires_grad_(requires_grad);
  }
  params_.push_back({name, value, true});
  return value;
}

Tensor Module::register_buffer(const std::string& name, Tensor value, bool persistent) {
  check_name(name, "buffer");
  if (value.defined() && value.requires_grad()) value = value.detach();
  buffers_.push_back({name, value, persistent});
  return value;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_name(name, "submodule");
  ACCMT_CHECK(module != nullptr, type_name(), ": submodule '", name, "' is null");
  children_.emplace_back(name, std::move(module));
}

namespace {
std::string join(const std::string& prefix, const std::string& name) { return prefix.empty() ? name : prefix + "." + name; }
}  // namespace

StateDict Module::named_parameters(bool recurse) const {
  StateDict out;
  std::unordered_set<const TensorImpl*> seen;  // a shared parameter is listed once
  std::function<void(const Module&, const std::string&)> walk = [&](const Module& m, const std::string& prefix) {
    for (const auto& slot : m.params_)
      if (slot.value.defined() && seen.insert(slot.value.impl()).second) out.emplace_back(join(prefix, slot.name), slot.value);
    if (recurse)
      for (const auto& [name, child] : m.children_) walk(*child, join(prefix, name));
  };
  walk(*this, "");
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

StateDict Module::named_buffers(bool recurse) const {
  StateDict out;
  std::function<void(const Module&, const std::string&)> walk = [&](const Module& m, const std::string& prefix) {
    for (const auto& slot : m.buffers_)
      if (slot.value.defined()) out.emplace_back(join(prefix, slot.name), slot.value);
    if (recurse)
      for (const auto& [name, child] : m.children_) walk(*child, join(prefix, name));
  };
  walk(*this, "");
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_buffers(recurse)) out.push_back(t);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& [name, m] : children_) out.push_back(m);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const { return children_; }

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() const {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  std::unordered_set<const Module*> seen;
  std::function<void(const Module&, const std::string&)> walk = [&](const Module& m, const std::string& prefix) {
    for (const auto& [name, child] : m.children_) {
      if (!seen.insert(child.get()).second) continue;
      out.emplace_back(join(prefix, name), child);
      walk(*child, join(prefix, name));
    }
  };
  walk(*this, "");
  return out;
}

Tensor Module::parameter(const std::string& dotted) const {
  for (auto& [name, t] : named_parameters()) if (name == dotted) return t;
  throw Error(type_name() + ": no parameter named '" + dotted + "'");
}

std::shared_ptr<Module> Module::submodule(const std::string& dotted) const {
  for (auto& [name, m] : named_modules()) if (name == dotted) return m;
  throw Error(type_name() + ": no submodule named '" + dotted + "'");
}

int64_t Module::num_parameters(bool only_trainable) const {
  int64_t n = 0;
  for (const Tensor& p : parameters())
    if (!only_trainable || p.requires_grad()) n += p.numel();
  return n;
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& [name, child] : children_) child->apply(fn);
  fn(*this);
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::to(Device device, DType dtype) {
  NoGradGuard no_grad;
  auto move = [&](const Tensor& t, bool floating_only_cast) {
    if (!t.defined()) return;
    DType target = (floating_only_cast && !t.is_floating_point()) ? t.dtype() : dtype;
    if (t.device() == device && t.dtype() == target) return;
    t.set_data(t.to(device, target));
    Tensor g = t.grad();
    if (g.defined()) g.set_data(g.to(device, target));
  };
  for (auto& slot : params_) move(slot.value, true);
  for (auto& slot : buffers_) move(slot.value, true);
  for (auto& [name, child] : children_) child->to(device, dtype);
}

void Module::to(Device device) {
  NoGradGuard no_grad;
  for (auto& slot : params_)
    if (slot.value.defined()) {
      slot.value.set_data(slot.value.to(device));
      Tensor g = slot.value.grad();
      if (g.defined()) g.set_data(g.to(device));
    }
  for (auto& slot : buffers_)
    if (slot.value.defined()) slot.value.set_data(slot.value.to(device));
  for (auto& [name, child] : children_) child->to(device);
}

void Module::to(DType dtype) {
  ACCMT_CHECK(is_floating(dtype), type_name(), ".to: expected a floating dtype, got ", dtype_name(dtype),
              " (modules convert only their floating parameters and buffers)");
  NoGradGuard no_grad;
  auto cast = [&](const Tensor& t) {
    if (!t.defined() || !t.is_floating_point() || t.dtype() == dtype) return;
    t.set_data(t.to(dtype));
    Tensor g = t.grad();
    if (g.defined()) g.set_data(g.to(dtype));
  };
  for (auto& slot : params_) cast(slot.value);
  for (auto& slot : buffers_) cast(slot.value);
  for (auto& [name, child] : children_) child->to(dtype);
}

void Module::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (const Tensor& p : parameters()) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (set_to_none) p.set_grad(Tensor());
    else g.zero_();
  }
}

void Module::requires_grad_(bool on) {
  for (const Tensor& p : parameters()) {
    Tensor handle = p;
    handle.requires_grad_(on);
  }
}

StateDict Module::state_dict() const {
  StateDict out;
  std::function<void(const Module&, const std::string&)> walk = [&](const Module& m, const std::string& prefix) {
    for (const auto& slot : m.params_)
      if (slot.value.defined()) out.emplace_back(join(prefix, slot.name), slot.value.detach());
    for (const auto& slot : m.buffers_)
      if (slot.value.defined() && slot.persistent) out.emplace_back(join(prefix, slot.name), slot.value.detach());
    for (const auto& [name, child] : m.children_) walk(*child, join(prefix, name));
  };
  walk(*this, "");
  return out;
}

void Module::load_state_dict(const StateDict& state, bool strict) {
  StateDict mine = state_dict();
  std::vector<std::string> missing, unexpected, mismatched;
  for (const auto& [name, target] : mine) {
    const Tensor* source = nullptr;
    for (const auto& [n, t] : state)
      if (n == name) source = &t;
    if (!source) {
      missing.push_back(name);
      continue;
    }
    if (source->sizes() != target.sizes())
      mismatched.push_back(name + ": checkpoint " + shape_str(source->sizes()) + " vs model " + shape_str(target.sizes()));
  }
  for (const auto& [name, t] : state) {
    bool known = false;
    for (const auto& [n, target] : mine) known = known || n == name;
    if (!known) unexpected.push_back(name);
  }
  auto list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  std::string problems;
  if (!mismatched.empty()) problems += " size mismatch for " + list(mismatched) + ".";
  if (strict && !missing.empty()) problems += " Missing keys: " + list(missing) + ".";
  if (strict && !unexpected.empty()) problems += " Unexpected keys: " + list(unexpected) + ".";
  if (!problems.empty()) throw Error(type_name() + ".load_state_dict:" + problems);
  NoGradGuard no_grad;
  for (const auto& [name, target] : mine)
    for (const auto& [n, t] : state)
      if (n == name) {
        Tensor dst = target;
        dst.copy_(t);
      }
}

std::string Module::str() const {
  std::vector<std::string> lines;
  std::string extra = extra_repr();
  if (!extra.empty()) {
    std::istringstream in(extra);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
  }
  size_t extra_lines = lines.size();
  for (const auto& [name, child] : children_) lines.push_back("(" + name + "): " + add_indent(child->str(), 2));
  std::string out = type_name() + "(";
  if (extra_lines == 1 && children_.empty()) {
    out += lines[0];
  } else if (!lines.empty()) {
    out += "\n";
    for (const auto& line : lines) out += "  " + line + "\n";
  }
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Module& m) { return os << m.str(); }

}  // namespace accmt::nn
