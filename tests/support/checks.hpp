#pragma once
// Small helpers shared by the test suites.
#include <doctest/doctest.h>

#include <unistd.h>

#include <exception>
#include <filesystem>
#include <string>

#include "autograd/gradcheck.hpp"
#include "kernels/common/error.hpp"

namespace accmt::test {

// The message of the accmt::Error that f throws, or "" if it throws none.
template <class F> std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// An empty folder under the temp dir, unique to this process: accmt-<name>-<pid>.
inline std::string fresh_temp_dir(const std::string& name) {
  const std::filesystem::path p =
      std::filesystem::temp_directory_path() / ("accmt-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

// gradcheck that reports the mismatch through doctest instead of throwing.
inline bool grad_ok(const autograd::GradcheckFn& fn, const std::vector<Tensor>& inputs) {
  try {
    return gradcheck(fn, inputs);
  } catch (const std::exception& e) {
    MESSAGE(std::string(e.what()));
    return false;
  }
}

}  // namespace accmt::test
