// The CPU allocator reuses freed large blocks (no fresh pages, so no page faults, in a
// training loop) and hands them back to the OS on request.
#include <doctest/doctest.h>

#include "tensor/device.hpp"
#include "tensor/tensor.hpp"

using namespace accmt;

TEST_SUITE("tensor.allocator") {

TEST_CASE("a freed large block is reused for the next tensor of that size class") {
  cpu::empty_cache();
  void* first = nullptr;
  {
    Tensor a = empty({1 << 20});  // 4 MiB
    first = a.data_ptr();
  }
  Tensor b = empty({(1 << 20) - 100});  // rounds up to the same 1 MiB multiple
  CHECK(b.data_ptr() == first);
  // Reused memory is not zeroed by the allocator, so creation functions must fill it.
  b.fill_(3.0);
  b = Tensor();
  Tensor z = zeros({1 << 20});
  CHECK(z.sum().item<double>() == 0.0);
}

TEST_CASE("small blocks are not cached and empty_cache releases large ones") {
  {
    Tensor a = empty({1 << 20});
  }
  cpu::empty_cache();
  Tensor c = ones({1 << 20});
  CHECK(c.sum().item<double>() == double(1 << 20));
  Tensor small = ones({16});
  CHECK(small.sum().item<double>() == 16.0);
}

}
