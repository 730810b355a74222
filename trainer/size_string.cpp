#include "trainer/size_string.hpp"

#include <cctype>
#include <cmath>

#include "kernels/common/error.hpp"

namespace accmt {

int64_t parse_size(const std::string& text, const std::string& option) {
  auto bad = [&] {
    return Error(option + ": cannot read '" + text +
                 "' as a size; expected a number and a unit: B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, "
                 "TiB (powers of 1024), e.g. \"10GB\" or \"500MiB\"");
  };
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) throw bad();
  double number = 0;
  try {
    size_t used = 0;
    number = std::stod(text.substr(0, i), &used);
    if (used != i) throw bad();
  } catch (const std::exception&) {
    throw bad();
  }
  std::string unit = text.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  double scale = 0;
  if (unit.empty() || unit == "B") scale = 1;
  else if (unit == "KB") scale = 1e3;
  else if (unit == "MB") scale = 1e6;
  else if (unit == "GB") scale = 1e9;
  else if (unit == "TB") scale = 1e12;
  else if (unit == "KiB") scale = 1024.0;
  else if (unit == "MiB") scale = 1024.0 * 1024;
  else if (unit == "GiB") scale = 1024.0 * 1024 * 1024;
  else if (unit == "TiB") scale = 1024.0 * 1024 * 1024 * 1024;
  else throw bad();
  const double bytes = std::floor(number * scale);
  ACCMT_CHECK(bytes >= 1 && bytes < 9e18, option, ": '", text, "' must be at least 1 byte");
  return static_cast<int64_t>(bytes);
}

}  // namespace accmt
