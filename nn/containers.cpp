// Sequential, ModuleList and ModuleDict.
#include "nn/containers.hpp"

#include "nn/repr.hpp"

namespace accmt::nn {

size_t detail::checked_index(const char* container, int64_t index, size_t size) {
  int64_t n = static_cast<int64_t>(size);
  int64_t i = index < 0 ? index + n : index;
  ACCMT_CHECK(i >= 0 && i < n, container, ": index ", index, " is out of range for ", n, " modules");
  return static_cast<size_t>(i);
}

// ---- Sequential

Sequential::Sequential(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named) {
  for (const auto& [name, module] : named) push_back(name, module);
}

void Sequential::append(std::shared_ptr<Module> module) { push_back(std::to_string(modules_.size()), std::move(module)); }

void Sequential::push_back(const std::string& name, std::shared_ptr<Module> module) {
  add_child(name, module);
  modules_.push_back(std::move(module));
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& m : modules_) x = m->forward(x);
  return x;
}

std::shared_ptr<Module> Sequential::operator[](int64_t index) const {
  return modules_[detail::checked_index("Sequential", index, modules_.size())];
}

// ---- ModuleList

ModuleList::ModuleList(const std::vector<std::shared_ptr<Module>>& modules) { extend(modules); }

void ModuleList::append(std::shared_ptr<Module> module) {
  add_child(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

void ModuleList::extend(const std::vector<std::shared_ptr<Module>>& modules) {
  for (const auto& m : modules) append(m);
}

std::shared_ptr<Module> ModuleList::operator[](int64_t index) const {
  return modules_[detail::checked_index("ModuleList", index, modules_.size())];
}

std::string ModuleList::str() const {
  if (modules_.empty()) return type_name() + "()";
  // Group consecutive children whose printed form is identical.
  struct Run {
    size_t first, last;
    std::string text;
  };
  std::vector<Run> runs;
  for (size_t i = 0; i < modules_.size(); ++i) {
    std::string text = modules_[i]->str();
    if (!runs.empty() && runs.back().text == text) runs.back().last = i;
    else runs.push_back({i, i, std::move(text)});
  }
  std::string out = type_name() + "(\n";
  for (const auto& run : runs) {
    // Built by appending: GCC 12 reports a false -Wrestrict for "literal" + std::string&&.
    std::string line = "(";
    line += std::to_string(run.first);
    if (run.first != run.last) {
      line += '-';
      line += std::to_string(run.last);
      line += "): ";
      line += std::to_string(run.last - run.first + 1);
      line += " x ";
    } else {
      line += "): ";
    }
    line += run.text;
    out += "  " + add_indent(line, 2) + "\n";
  }
  return out + ")";
}

// ---- ModuleDict

ModuleDict::ModuleDict(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& items) {
  for (const auto& [key, module] : items) insert_ptr(key, module);
}

void ModuleDict::insert_ptr(const std::string& key, std::shared_ptr<Module> module) {
  add_child(key, module);
  items_.emplace_back(key, std::move(module));
}

bool ModuleDict::contains(const std::string& key) const {
  for (const auto& [k, m] : items_)
    if (k == key) return true;
  return false;
}

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, m] : items_) out.push_back(k);
  return out;
}

std::shared_ptr<Module> ModuleDict::operator[](const std::string& key) const {
  for (const auto& [k, m] : items_)
    if (k == key) return m;
  std::string known;
  for (const auto& [k, m] : items_) known += (known.empty() ? "'" : ", '") + k + "'";
  throw Error("ModuleDict: no module with key '" + key + "' (keys: " + (known.empty() ? "none" : known) + ")");
}

}  // namespace accmt::nn
