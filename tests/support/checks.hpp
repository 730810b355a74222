#pragma once
// Small helpers shared by the test suites.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

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

// Folders (and files) the tests made, removed when the test program exits, so runs do not pile up
// in the temp dir (ACCMT_KEEP_TEST_DIRS=1 keeps them for a look after a failure).
class TempDirs {
 public:
  void add(const std::filesystem::path& p) {
    std::lock_guard<std::mutex> lock(mutex_);
    paths_.push_back(p);
  }
  ~TempDirs() {
    if (std::getenv("ACCMT_KEEP_TEST_DIRS") != nullptr) return;
    for (const auto& p : paths_) {
      std::error_code ignored;
      std::filesystem::remove_all(p, ignored);
    }
  }

 private:
  std::mutex mutex_;
  std::vector<std::filesystem::path> paths_;
};
inline TempDirs& temp_dirs_to_remove() {
  static TempDirs dirs;
  return dirs;
}

// An empty folder under the temp dir, unique to this process: accmt-<name>-<pid>;
// removed at exit.
inline std::string fresh_temp_dir(const std::string& name) {
  const std::filesystem::path p =
      std::filesystem::temp_directory_path() / ("accmt-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  temp_dirs_to_remove().add(p);
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
