#pragma once
// Numbers written as text ("3", "1e-3", "-0.5") in option maps and files: the whole text
// must be the number, so "1e-3x" or "" are not numbers.
#include <optional>
#include <string>

namespace accmt {

inline std::optional<double> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != text.size()) return std::nullopt;
  return v;
}

}  // namespace accmt
