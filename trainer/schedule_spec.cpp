#include "trainer/schedule_spec.hpp"

#include <algorithm>
#include <cctype>

#include "kernels/common/error.hpp"

namespace accmt {

EverySpec EverySpec::parse(const std::string& text, const std::string& option) {
  auto bad = [&](const std::string& why) {
    return Error(option + ": cannot read '" + text + "': " + why +
                 "; expected an optional count and a unit, e.g. \"epoch\", \"2 epochs\", \"30ep\", \"50 steps\", "
                 "\"eval\" or \"3 evaluations\" (units: epoch|ep|epochs|eps, step|st|steps|sts, "
                 "evaluation|eval|evaluations|evals)");
  };
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  const size_t digits_begin = i;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  EverySpec spec;
  if (i > digits_begin) {
    if (i - digits_begin > 15) throw bad("the count is too large");
    spec.count = std::stoll(text.substr(digits_begin, i - digits_begin));
    if (spec.count == 0) throw bad("the count must be at least 1");
  }
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  std::string unit = text.substr(i);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.pop_back();
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char c) { return std::tolower(c); });
  if (unit == "epoch" || unit == "ep" || unit == "epochs" || unit == "eps") spec.unit = Unit::Epochs;
  else if (unit == "step" || unit == "st" || unit == "steps" || unit == "sts") spec.unit = Unit::Steps;
  else if (unit == "evaluation" || unit == "eval" || unit == "evaluations" || unit == "evals")
    spec.unit = Unit::Evaluations;
  else if (unit.empty()) throw bad("the unit is missing");
  else throw bad("unknown unit '" + unit + "'");
  return spec;
}

std::string EverySpec::str() const {
  const char* name = unit == Unit::Steps ? "steps" : unit == Unit::Epochs ? "epochs" : "evaluations";
  return std::to_string(count) + " " + name;
}

}  // namespace accmt
