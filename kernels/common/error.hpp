#pragma once
// accmt::Error is what every layer throws for bad input and failed runtime calls.
#include <sstream>
#include <stdexcept>
#include <string>

namespace accmt {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Raised when a tensor saved for backward was changed in place afterwards.
class AutogradError : public Error {
 public:
  using Error::Error;
};

namespace detail {
template <class... Args> std::string concat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail

}  // namespace accmt

// ACCMT_CHECK(cond, "op: message ", value, ...) throws accmt::Error with the parts joined.
#define ACCMT_CHECK(cond, ...)                                          \
  do {                                                                  \
    if (!(cond)) throw ::accmt::Error(::accmt::detail::concat(__VA_ARGS__)); \
  } while (0)
