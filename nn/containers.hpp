#pragma once
// Containers: Sequential (chains single-tensor forwards), ModuleList (indexed children
// "0", "1", ...) and ModuleDict (children by string key), with PyTorch's names so their
// parameters come out as "layers.0.weight".
#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nn/module.hpp"

namespace accmt::nn {

namespace detail {
// A module value (moved into a shared_ptr) or a shared_ptr to a module.
template <class T>
concept ModuleValue = std::is_base_of_v<Module, std::remove_cvref_t<T>> && !std::is_lvalue_reference_v<T>;
template <class T> struct is_module_ptr : std::false_type {};
template <class M> struct is_module_ptr<std::shared_ptr<M>> : std::is_base_of<Module, M> {};
template <class T>
concept ModulePtr = is_module_ptr<std::remove_cvref_t<T>>::value;
template <class T>
concept ModuleArg = ModuleValue<T> || ModulePtr<T>;

template <ModuleArg T> std::shared_ptr<Module> to_module_ptr(T&& m) {
  if constexpr (ModulePtr<T>) return std::forward<T>(m);
  else return std::make_shared<std::remove_cvref_t<T>>(std::forward<T>(m));
}

// Python-style index (negative counts from the end), checked against size.
size_t checked_index(const char* container, int64_t index, size_t size);
}  // namespace detail

// Runs its children in order, each taking the previous one's output.
class Sequential : public Module {
 public:
  Sequential() = default;
  // Sequential(Linear(3, 4), ReLU(), std::make_shared<Linear>(4, 2)): values are moved
  // into shared_ptrs, shared_ptrs are kept (so one module may appear in two places).
  // A lone Sequential argument is a move, not nesting: nest with a shared_ptr.
  template <class First, class... Rest>
    requires(detail::ModuleArg<First> && (detail::ModuleArg<Rest> && ...) &&
             !(sizeof...(Rest) == 0 && std::is_same_v<std::remove_cvref_t<First>, Sequential>))
  explicit Sequential(First&& first, Rest&&... rest) {
    push_back(std::forward<First>(first));
    (push_back(std::forward<Rest>(rest)), ...);
  }
  // Named children, like Sequential(OrderedDict(...)).
  explicit Sequential(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named);

  template <detail::ModuleArg M> void push_back(M&& module) { append(detail::to_module_ptr(std::forward<M>(module))); }
  // Adds a child under an explicit name.
  void push_back(const std::string& name, std::shared_ptr<Module> module);

  Tensor forward(const Tensor& input) override;
  // Negative indices count from the end; out of range raises accmt::Error.
  std::shared_ptr<Module> operator[](int64_t index) const;
  // The child at index as type M; raises accmt::Error if it is another type.
  template <class M> std::shared_ptr<M> at(int64_t index) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[index]);
    if (!m) throw Error("Sequential.at: child " + std::to_string(index) + " is a " + (*this)[index]->type_name() +
                        ", not the requested type");
    return m;
  }
  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

  std::string type_name() const override { return "Sequential"; }

 private:
  void append(std::shared_ptr<Module> module);
  std::vector<std::shared_ptr<Module>> modules_;
};

// Holds children by index; they are registered as "0", "1", ... It has no forward: the
// owner iterates it.
class ModuleList : public Module {
 public:
  ModuleList() = default;
  template <class First, class... Rest>
    requires(detail::ModuleArg<First> && (detail::ModuleArg<Rest> && ...) &&
             !(sizeof...(Rest) == 0 && std::is_same_v<std::remove_cvref_t<First>, ModuleList>))
  explicit ModuleList(First&& first, Rest&&... rest) {
    push_back(std::forward<First>(first));
    (push_back(std::forward<Rest>(rest)), ...);
  }
  explicit ModuleList(const std::vector<std::shared_ptr<Module>>& modules);

  template <detail::ModuleArg M> void push_back(M&& module) { append(detail::to_module_ptr(std::forward<M>(module))); }
  void extend(const std::vector<std::shared_ptr<Module>>& modules);

  std::shared_ptr<Module> operator[](int64_t index) const;
  template <class M> std::shared_ptr<M> at(int64_t index) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[index]);
    if (!m) throw Error("ModuleList.at: child " + std::to_string(index) + " is a " + (*this)[index]->type_name() +
                        ", not the requested type");
    return m;
  }
  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

  std::string type_name() const override { return "ModuleList"; }
  // PyTorch's ModuleList printing: runs of identical children collapse to
  // "(0-2): 3 x Linear(...)".
  std::string str() const override;

 private:
  void append(std::shared_ptr<Module> module);
  std::vector<std::shared_ptr<Module>> modules_;
};

// Holds children by string key, in insertion order. Keys follow the registration rules
// (non-empty, no '.'); inserting an existing key raises accmt::Error.
class ModuleDict : public Module {
 public:
  ModuleDict() = default;
  explicit ModuleDict(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& items);

  template <detail::ModuleArg M> void insert(const std::string& key, M&& module) {
    insert_ptr(key, detail::to_module_ptr(std::forward<M>(module)));
  }
  // Raises accmt::Error naming the key and the known keys if absent.
  std::shared_ptr<Module> operator[](const std::string& key) const;
  template <class M> std::shared_ptr<M> at(const std::string& key) const {
    auto m = std::dynamic_pointer_cast<M>((*this)[key]);
    if (!m) throw Error("ModuleDict.at: entry '" + key + "' is a " + (*this)[key]->type_name() +
                        ", not the requested type");
    return m;
  }
  bool contains(const std::string& key) const;
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  std::vector<std::string> keys() const;
  // (key, module) pairs in insertion order.
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& items() const { return items_; }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

  std::string type_name() const override { return "ModuleDict"; }

 private:
  void insert_ptr(const std::string& key, std::shared_ptr<Module> module);
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> items_;
};

}  // namespace accmt::nn
