// CUDA device plumbing against the CPU: host<->device round trips, fill and copy_cast on
// the device (contiguous, strided, broadcast, large), and clear errors for bad devices.
// Inputs are random and nonzero; outputs are poisoned first where the test owns them.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <accmt/accmt.hpp>
#include "tests/support/checks.hpp"

using accmt::test::error_of;

using accmt::Device;
using accmt::DType;
using accmt::Shape;
using accmt::Tensor;

namespace {

const Device kCuda("cuda:0");
const std::vector<DType> kAllDTypes = {DType::Bool,    DType::UInt8,    DType::Int32,   DType::Int64,
                                       DType::Float16, DType::BFloat16, DType::Float32, DType::Float64};

// Positive values 1..99 (fractional for floats) survive every cast, including to uint8.
Tensor random_positive(const Shape& shape, DType dtype, accmt::Generator& gen) {
  if (dtype == DType::Bool) return accmt::rand(shape, {}, &gen).gt(0.5);
  if (accmt::is_floating(dtype))
    return accmt::rand(shape, {.dtype = DType::Float64}, &gen).mul(98.0).add(1.0).to(dtype);
  return accmt::randint(1, 100, shape, {.dtype = dtype}, &gen);
}

// Values of either sign and wide range where the dtype allows (for copies without casts).
Tensor random_any(const Shape& shape, DType dtype, accmt::Generator& gen) {
  switch (dtype) {
    case DType::Bool: return accmt::rand(shape, {}, &gen).gt(0.5);
    case DType::UInt8: return accmt::randint(0, 256, shape, {.dtype = dtype}, &gen);
    case DType::Int32:
    case DType::Int64: return accmt::randint(-100000, 100000, shape, {.dtype = dtype}, &gen);
    default: return accmt::randn(shape, {.dtype = DType::Float64}, &gen).mul(1000.0).to(dtype);
  }
}

// A value no kernel under test writes, to show which elements a kernel missed.
accmt::Scalar poison(DType dtype) { return dtype == DType::Bool ? accmt::Scalar(true) : accmt::Scalar(77); }

void check_same(const Tensor& got, const Tensor& expected) {
  INFO("got ", got.dtype(), " ", accmt::shape_str(got.sizes()), " on ", got.device(), ", expected ",
       expected.dtype(), " ", accmt::shape_str(expected.sizes()));
  REQUIRE(got.device() == accmt::kCPU);
  REQUIRE(got.dtype() == expected.dtype());
  REQUIRE(got.sizes() == expected.sizes());
  CHECK(got.equal(expected));
}

}  // namespace

TEST_SUITE("cuda.basics") {
  TEST_CASE("devices are counted and selectable") {
    CHECK(accmt::cuda::device_count() > 0);
    CHECK(accmt::cuda::is_available());
    CHECK_NOTHROW(accmt::cuda::synchronize(0));
  }

  TEST_CASE("round trip CPU -> CUDA -> CPU keeps every dtype exactly") {
    accmt::Generator gen(11);
    for (DType dtype : kAllDTypes) {
      CAPTURE(dtype);
      const Tensor x = random_any({37, 53}, dtype, gen);
      REQUIRE(x.ne(accmt::zeros_like(x)).any().item<bool>());
      const Tensor g = x.to(kCuda);
      CHECK(g.device() == kCuda);
      CHECK(g.dtype() == dtype);
      check_same(g.cpu(), x);
    }
  }

  TEST_CASE("empty and single-element tensors cross the device boundary") {
    const Tensor none = accmt::empty({0, 3}).to(kCuda);
    CHECK(none.numel() == 0);
    CHECK(none.cpu().numel() == 0);
    const Tensor one = accmt::full({1}, 2.5).to(kCuda);
    check_same(one.cpu(), accmt::full({1}, 2.5));
  }

  TEST_CASE("fill writes every element, and only the selected ones in a view") {
    for (DType dtype : kAllDTypes) {
      CAPTURE(dtype);
      const accmt::Scalar value = dtype == DType::Bool ? accmt::Scalar(false) : accmt::Scalar(5);
      Tensor g = accmt::empty({13, 17}, {.dtype = dtype, .device = kCuda});
      g.fill_(poison(dtype));
      check_same(g.cpu(), accmt::full({13, 17}, poison(dtype), {.dtype = dtype}));

      // Strided view: every third column of rows 2..10.
      Tensor expected = accmt::full({13, 17}, poison(dtype), {.dtype = dtype});
      expected.slice(0, 2, 11).slice(1, 0, std::nullopt, 3).fill_(value);
      g.slice(0, 2, 11).slice(1, 0, std::nullopt, 3).fill_(value);
      check_same(g.cpu(), expected);

      // Transposed view.
      g.t().fill_(value);
      check_same(g.cpu(), accmt::full({13, 17}, value, {.dtype = dtype}));
    }
  }

  TEST_CASE("copy_cast between every pair of dtypes matches the CPU") {
    accmt::Generator gen(12);
    for (DType from : kAllDTypes) {
      const Tensor x = random_positive({29, 31}, from, gen);
      const Tensor g = x.to(kCuda);
      for (DType to : kAllDTypes) {
        CAPTURE(from);
        CAPTURE(to);
        const Tensor expected = x.to(to);
        check_same(g.to(to).cpu(), expected);  // fresh output

        Tensor dst = accmt::full({29, 31}, poison(to), {.dtype = to, .device = kCuda});
        dst.copy_(g);  // into an existing, poisoned output
        check_same(dst.cpu(), expected);
      }
    }
  }

  TEST_CASE("non-contiguous copies: transposes, permutes, steps and broadcasts") {
    accmt::Generator gen(13);
    const Tensor x = random_any({6, 9}, DType::Float32, gen);
    const Tensor g = x.to(kCuda);

    SUBCASE("transposed source") { check_same(g.t().contiguous().cpu(), x.t().contiguous()); }
    SUBCASE("transposed source to the host directly") { check_same(g.t().cpu(), x.t().contiguous()); }
    SUBCASE("transposed destination on the device") {
      Tensor dst = accmt::full({9, 6}, 77.0, {.device = kCuda});
      dst.t().copy_(g);
      check_same(dst.cpu(), x.t().contiguous());
    }
    SUBCASE("transposed destination, source on the host") {
      Tensor dst = accmt::full({9, 6}, 77.0, {.device = kCuda});
      dst.t().copy_(x);
      check_same(dst.cpu(), x.t().contiguous());
    }
    SUBCASE("transposed destination on the host, source on the device") {
      Tensor dst = accmt::full({9, 6}, 77.0);
      dst.t().copy_(g);
      check_same(dst, x.t().contiguous());
    }
    SUBCASE("permuted 3-d with a cast") {
      const Tensor x3 = random_any({4, 5, 7}, DType::Int32, gen);
      const Tensor g3 = x3.to(kCuda);
      check_same(g3.permute({2, 0, 1}).to(DType::Float64).cpu(), x3.permute({2, 0, 1}).to(DType::Float64));
      check_same(g3.permute({1, 2, 0}).to(DType::BFloat16).cpu(), x3.permute({1, 2, 0}).to(DType::BFloat16));
    }
    SUBCASE("stepped slice") {
      check_same(g.slice(1, 1, 9, 3).contiguous().cpu(), x.slice(1, 1, 9, 3).contiguous());
      check_same(g.slice(0, 5, std::nullopt, 1).slice(1, 0, std::nullopt, 2).to(DType::Float16).cpu(),
                 x.slice(0, 5, std::nullopt, 1).slice(1, 0, std::nullopt, 2).to(DType::Float16));
    }
    SUBCASE("broadcast (stride 0) source") {
      check_same(g.unsqueeze(0).expand({3, 6, 9}).contiguous().cpu(), x.unsqueeze(0).expand({3, 6, 9}).contiguous());
      Tensor dst = accmt::full({6, 9}, 77.0, {.dtype = DType::Float64, .device = kCuda});
      dst.copy_(g.select(0, 2));  // one row broadcast over all rows
      check_same(dst.cpu(), x.select(0, 2).unsqueeze(0).expand({6, 9}).to(DType::Float64));
    }
  }

  TEST_CASE("large tensors need more blocks than one grid holds") {
    accmt::Generator gen(14);
    const int64_t n = (int64_t(1) << 24) + 12345;  // beyond 65536 blocks x 256 threads
    const Tensor x = accmt::rand({n}, {}, &gen);
    const Tensor g = x.to(kCuda);
    check_same(g.to(DType::Float64).cpu(), x.to(DType::Float64));
    check_same(g.slice(0, 1, std::nullopt, 3).to(DType::BFloat16).cpu(), x.slice(0, 1, std::nullopt, 3).to(DType::BFloat16));
    Tensor filled = accmt::empty({n}, {.dtype = DType::Int32, .device = kCuda});
    filled.fill_(-3);
    CHECK(filled.cpu().eq(-3).all().item<bool>());
  }

  TEST_CASE("bad devices and impossible allocations raise accmt::Error") {
    const int count = accmt::cuda::device_count();
    const std::string missing = error_of([&] { accmt::empty({2}, {.device = Device(accmt::DeviceType::CUDA, count)}); });
    CAPTURE(missing);
    CHECK(missing.find("cuda:" + std::to_string(count)) != std::string::npos);
    CHECK(missing.find("does not exist") != std::string::npos);

    // 2^50 float32 elements = 4 PiB: more than any device holds.
    const std::string oom = error_of([] { accmt::empty({int64_t(1) << 50}, {.device = kCuda}); });
    CAPTURE(oom);
    CHECK(oom.find("cudaMalloc") != std::string::npos);
    // The failure leaves the device usable.
    check_same(accmt::full({3}, 4.0).to(kCuda).cpu(), accmt::full({3}, 4.0));
  }
}
