// The CUDA runtime layer on a real device: the caching allocator (reuse, statistics,
// empty_cache, out-of-memory retry), streams and events, pinned host memory, CUDA graph
// capture and replay, and kernel-side index errors raised at the next synchronisation.
#include <doctest/doctest.h>

#include <string>

#include <accmt/accmt.hpp>
#include "tests/cuda/parity.hpp"
#include "tests/support/checks.hpp"

using namespace accmt;
using accmt::test::error_of;
using accmt::test::cuda::kCuda;

TEST_SUITE("cuda.runtime") {
  TEST_CASE("device properties describe a real GPU") {
    const cuda::DeviceProperties p = cuda::get_device_properties(0);
    MESSAGE("cuda:0 is ", p.name, " (sm_", p.major, p.minor, ", ", p.multiprocessor_count, " SMs, ",
            p.total_memory >> 30, " GiB)");
    CHECK(!p.name.empty());
    CHECK(p.major >= 7);
    CHECK(p.total_memory > (size_t(1) << 30));
  }

  TEST_CASE("the caching allocator reuses freed blocks and counts bytes") {
    cuda::synchronize();
    cuda::empty_cache();
    const auto before = cuda::memory_stats();
    void* first = nullptr;
    {
      Tensor t = empty({1 << 20}, {.device = kCuda});  // 4 MiB
      first = t.data_ptr();
      CHECK(cuda::memory_allocated() - before.allocated_bytes == int64_t(4) << 20);
      CHECK(cuda::memory_reserved() >= cuda::memory_allocated());
    }
    CHECK(cuda::memory_allocated() == before.allocated_bytes);
    const int64_t mallocs = cuda::memory_stats().device_allocs;
    Tensor again = empty({1 << 20}, {.device = kCuda});
    CHECK(again.data_ptr() == first);                      // the cached block came back
    CHECK(cuda::memory_stats().device_allocs == mallocs);  // without a cudaMalloc
    CHECK(cuda::max_memory_allocated() >= before.allocated_bytes + (int64_t(4) << 20));
    again = Tensor();
    cuda::empty_cache();
    CHECK(cuda::memory_reserved() <= before.reserved_bytes);
  }

  TEST_CASE("running out of memory flushes the cache, retries, then names the sizes") {
    cuda::empty_cache();
    const size_t total = cuda::get_device_properties(0).total_memory;
    // Fill most of the card with cached (freed) blocks, then ask for more than fits next
    // to them: the retry after flushing must succeed.
    const int64_t chunk = int64_t(total / 8 / 4);  // float32 elements of 1/8 of the card
    {
      std::vector<Tensor> hold;
      for (int i = 0; i < 5; ++i) hold.push_back(empty({chunk}, {.device = kCuda}));
    }
    const int64_t retries = cuda::memory_stats().alloc_retries;
    Tensor big = empty({chunk * 6}, {.device = kCuda});
    CHECK(cuda::memory_stats().alloc_retries == retries + 1);
    big = Tensor();
    const std::string oom = error_of([&] { empty({int64_t(total)}, {.device = kCuda}); });
    CAPTURE(oom);
    CHECK(oom.find("out of memory") != std::string::npos);
    CHECK(oom.find("cudaMalloc") != std::string::npos);
    CHECK(oom.find("cuda:0") != std::string::npos);
    cuda::empty_cache();
  }

  TEST_CASE("ops run on the current stream; events order and time them") {
    cuda::Stream side = cuda::Stream::create(0);
    Tensor x = randn({1 << 20}).to(kCuda);
    cuda::synchronize();  // the side stream does not wait for the default stream's upload
    Tensor y;
    cuda::Event start(0, true), stop(0, true);
    {
      cuda::StreamGuard guard(side);
      CHECK(cuda::Stream::current(0) == side);
      start.record();
      y = x.mul(2.0).add(1.0);
      stop.record();
    }
    CHECK(!(cuda::Stream::current(0) == side));
    stop.synchronize();
    CHECK(stop.query());
    CHECK(start.elapsed_time(stop) >= 0.0f);
    CHECK(y.cpu().equal(x.cpu().mul(2.0).add(1.0)));
  }

  TEST_CASE("pinned host tensors copy to the device and back") {
    Tensor host = randn({1000, 37});
    Tensor pinned = host.pin_memory();
    CHECK(pinned.is_pinned());
    CHECK(!host.is_pinned());
    CHECK(pinned.equal(host));
    Tensor dev = pinned.to(kCuda);
    CHECK(dev.cpu().equal(host));
    CHECK_THROWS_AS(dev.pin_memory(), Error);
  }

  TEST_CASE("a captured graph replays the recorded ops on new input values") {
    Tensor w = randn({64, 64}).to(kCuda);
    Tensor input = zeros({8, 64}, {.device = kCuda});
    Tensor output;
    cuda::Graph graph;
    // Warm up outside the capture, as one should before capturing.
    (void)input.matmul(w).relu().sum({1});
    cuda::synchronize();
    graph.capture_begin();
    output = input.matmul(w).relu().sum({1});
    graph.capture_end();
    for (int round = 0; round < 3; ++round) {
      Tensor values = randn({8, 64});
      input.copy_(values.to(kCuda));
      graph.replay();
      const Tensor expected = values.matmul(w.cpu()).relu().sum({1});
      CHECK(accmt::test::check_close(output.cpu(), expected, 1e-4, 1e-4, "graph replay " + std::to_string(round)));
    }
  }

  TEST_CASE("a host synchronisation inside a capture is a clear error") {
    Tensor x = ones({4}, {.device = kCuda});
    REQUIRE(x.sum().item<float>() == 4.0f);  // works outside a capture
    cuda::Graph graph;
    graph.capture_begin();
    const std::string msg = error_of([&] {
      (void)x.sum().item<float>();
    });
    std::string end_msg;
    try {
      graph.capture_end();
    } catch (const Error& e) {
      end_msg = e.what();
    }
    CAPTURE(msg);
    CAPTURE(end_msg);
    // The host wait fails inside the capture, and ending the capture says why.
    CHECK(!msg.empty());
    CHECK(end_msg.find("capture") != std::string::npos);
    // The device is usable afterwards.
    CHECK(ones({3}, {.device = kCuda}).sum().item<float>() == 3.0f);
  }

  TEST_CASE("an index out of range inside a kernel is raised at the next synchronisation") {
    Tensor table = randn({10, 4}).to(kCuda);
    Tensor bad = tensor(std::vector<int64_t>{1, 2, 57}).to(kCuda);
    const std::string msg = error_of([&] {
      Tensor rows = table.index_select(0, bad);
      (void)rows.cpu();
    });
    CAPTURE(msg);
    CHECK(msg.find("57") != std::string::npos);
    CHECK(msg.find("10") != std::string::npos);
    // Reported once; later work is unaffected.
    Tensor good = tensor(std::vector<int64_t>{0, 9}).to(kCuda);
    CHECK(table.index_select(0, good).cpu().equal(table.cpu().index_select(0, good.cpu())));
  }
}
