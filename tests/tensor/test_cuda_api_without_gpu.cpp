// The public CUDA API on a machine without a usable GPU (CI, CPU-only builds): every
// call either does nothing harmful (empty_cache, pin_memory) or raises a clear error.
#include <doctest/doctest.h>

#include <string>

#include <accmt/accmt.hpp>
#include "tests/support/checks.hpp"

using namespace accmt;
using accmt::test::error_of;

TEST_SUITE("tensor.cuda_api_without_gpu") {
  TEST_CASE("queries and streams raise a clear error without a GPU") {
    if (cuda::is_available()) return;  // covered by tests/cuda on a GPU machine
    CHECK(cuda::device_count() == 0);
    for (const std::string& msg : {error_of([] { cuda::get_device_properties(0); }),
                                   error_of([] { cuda::Stream::create(0); }),
                                   error_of([] { cuda::memory_stats(0); }),
                                   error_of([] { cuda::Graph().capture_begin(0); })}) {
      CAPTURE(msg);
      const bool explains = msg.find("no CUDA support") != std::string::npos ||
                            msg.find("no usable CUDA device") != std::string::npos;
      CHECK(explains);
    }
    const std::string tensor_msg = error_of([] { ones({2}, {.device = Device("cuda:0")}); });
    CAPTURE(tensor_msg);
    CHECK(!tensor_msg.empty());
  }

  TEST_CASE("pin_memory and empty_cache are harmless without a GPU") {
    if (cuda::is_available()) return;
    Tensor t = arange(6.0).reshape({2, 3});
    Tensor p = t.pin_memory();
    CHECK(p.is_same(t));
    CHECK(!p.is_pinned());
    CHECK_NOTHROW(cuda::empty_cache());
    CHECK_FALSE(cuda::is_current_stream_capturing(0));
    cuda::set_allow_tf32(true);
    cuda::set_allow_tf32(false);
    CHECK_FALSE(cuda::allow_tf32());
  }

  TEST_CASE("replaying a graph that was never captured is a clear error") {
    cuda::Graph g;
    CHECK(error_of([&] { g.replay(); }).find("capture the graph first") != std::string::npos);
    CHECK(error_of([&] { g.capture_end(); }).find("without capture_begin") != std::string::npos);
  }
}
