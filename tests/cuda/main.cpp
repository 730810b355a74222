// doctest runner for the CUDA tests. Without a usable GPU it exits with 77, which CTest
// reports as skipped (SKIP_RETURN_CODE in tests/CMakeLists.txt) rather than passed.
// Listing and help options still work everywhere, so test discovery needs no GPU.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <exception>
#include <string>

#include "kernels/cuda/runtime.hpp"
#include "tensor/device.hpp"

namespace {

// doctest options that only print information: -ltc, --list-test-cases, --dt-help, ...
bool only_lists(int argc, char** argv) {
  static const char* const kInfo[] = {"list-test-cases", "ltc", "list-test-suites", "lts", "list-reporters", "lr",
                                      "count", "c", "help", "h", "?", "version", "v"};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("-", 0) != 0) continue;
    arg.erase(0, arg.find_first_not_of('-'));
    if (arg.rfind("dt-", 0) == 0) arg.erase(0, 3);
    arg = arg.substr(0, arg.find('='));
    for (const char* name : kInfo)
      if (arg == name) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (!only_lists(argc, argv)) {
    int devices = 0;
    try {
      devices = accmt::cuda::device_count();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "CUDA tests: cannot count the CUDA devices: %s\n", e.what());
      return 1;
    }
    if (devices == 0) {
      std::printf("CUDA tests skipped: no usable CUDA device on this machine\n");
      return 77;
    }
    // Fresh CUDA blocks start as NaN / -1, so a kernel that misses an element fails.
    accmt::kernels::cuda::set_allocation_poison(true);
  }
  doctest::Context context(argc, argv);
  return context.run();
}
