// Creation functions: empty/zeros/ones/full and *_like, arange, linspace, eye, tensor()
// from host data, scalar_tensor and from_blob (no copy, deleter, custom strides).
// Expected values come from the same calls in PyTorch.
#include <doctest/doctest.h>

#include <limits>

#include "tensor/tensor.hpp"
#include "tests/tensor/helpers.hpp"

using namespace accmt;
using accmt::tensor_test::check_close;
using accmt::tensor_test::check_error;
using accmt::tensor_test::dvals;
using accmt::tensor_test::ivals;

TEST_SUITE("tensor.creation") {

TEST_CASE("zeros, ones, full, empty and the *_like variants") {
  Tensor z = zeros({2, 3});
  CHECK(z.dtype() == DType::Float32);
  CHECK(z.device() == kCPU);
  CHECK(dvals(z) == std::vector<double>(6, 0.0));
  CHECK(dvals(ones({4}, {.dtype = DType::Int32})) == std::vector<double>(4, 1.0));
  Tensor f = full({2, 2}, 7.5, {.dtype = DType::Float64});
  CHECK(f.dtype() == DType::Float64);
  CHECK(f.to_vector<double>() == std::vector<double>(4, 7.5));
  CHECK(full({3}, true, {.dtype = DType::Bool}).to_vector<bool>() == std::vector<bool>{true, true, true});
  CHECK(full({2}, -3, {.dtype = DType::BFloat16}).to_vector<BFloat16>()[1].bits == BFloat16(-3.0f).bits);
  Tensor e = empty({5, 0, 2});
  CHECK(e.sizes() == Shape{5, 0, 2});
  CHECK(e.numel() == 0);
  Tensor s = zeros({});
  CHECK(s.dim() == 0);
  Tensor base = ones({2, 3}, {.dtype = DType::Int64});
  CHECK(zeros_like(base).dtype() == DType::Int64);
  CHECK(zeros_like(base).sizes() == Shape{2, 3});
  CHECK(ivals(ones_like(base)) == std::vector<int64_t>(6, 1));
  CHECK(ivals(full_like(base, 4)) == std::vector<int64_t>(6, 4));
  CHECK(empty_like(base).sizes() == Shape{2, 3});
  CHECK(zeros_like(base, {.dtype = DType::Float16}).dtype() == DType::Float16);
  CHECK(full_like(base, 2.5, {.dtype = DType::Float64}).to_vector<double>()[0] == 2.5);
  // *_like of a non-contiguous tensor gives a fresh, contiguous tensor.
  Tensor t = ones({2, 3}).t();
  CHECK(zeros_like(t).is_contiguous());
  CHECK(zeros_like(t).sizes() == Shape{3, 2});
  check_error([] { zeros({2, -1}); }, {"[2, -1]"}, "zeros with a negative size");
}

TEST_CASE("arange with integer and floating arguments") {
  Tensor a = arange(5);
  CHECK(a.dtype() == DType::Int64);
  CHECK(ivals(a) == std::vector<int64_t>{0, 1, 2, 3, 4});
  CHECK(ivals(arange(10, 0, -3)) == std::vector<int64_t>{10, 7, 4, 1});
  CHECK(arange(0, 0).numel() == 0);
  CHECK(arange(5.0).dtype() == DType::Float32);
  CHECK(arange(0, 5, 2.0).dtype() == DType::Float32);
  CHECK(arange(0, 1, 0.1).numel() == 10);  // torch: 10 elements, the end stays excluded
  check_close(dvals(arange(1.0, 2.0, 0.3)), {1.0, 1.3, 1.6, 1.9}, 1e-6, 0, "arange(1, 2, 0.3)");
  check_close(dvals(arange(-1.5, 1)), {-1.5, -0.5, 0.5}, 0, 0, "arange(-1.5, 1)");
  Tensor d = arange(10, 0, -3, TensorOptions{.dtype = DType::Float64});
  CHECK(d.dtype() == DType::Float64);
  CHECK(d.to_vector<double>() == std::vector<double>{10, 7, 4, 1});
  CHECK(ivals(arange(0, 7, 3, TensorOptions{.dtype = DType::Int32})) == std::vector<int64_t>{0, 3, 6});
  check_error([] { arange(0, 5, 0); }, {"arange", "step"}, "arange with step 0");
  check_error([] { arange(1, 0, 1); }, {"arange", "step"}, "arange with end < start and a positive step");
  check_error([] { arange(0, 1, -1); }, {"arange", "step"}, "arange with end > start and a negative step");
  check_error([] { arange(0.0, std::numeric_limits<double>::infinity()); }, {"arange", "finite"}, "arange to inf");
}

TEST_CASE("linspace") {
  check_close(dvals(linspace(0, 1, 5)), {0, 0.25, 0.5, 0.75, 1}, 0, 0, "linspace(0, 1, 5)");
  CHECK(dvals(linspace(-1, 1, 1)) == std::vector<double>{-1});
  CHECK(linspace(0, 1, 0).numel() == 0);
  CHECK(linspace(0, 1, 3, {.dtype = DType::Float64}).dtype() == DType::Float64);
  check_close(dvals(linspace(2, -2, 5)), {2, 1, 0, -1, -2}, 0, 0, "decreasing linspace");
  check_error([] { linspace(0, 1, -1); }, {"linspace", "-1"}, "linspace with negative steps");
  // Both endpoints are exact, as in PyTorch (which fills the upper half from the end):
  // torch.linspace(-7.31, 6.95, 4, dtype=torch.float64) == [-7.31, -2.5566..., 2.1966..., 6.95].
  std::vector<double> v = linspace(-7.31, 6.95, 4, {.dtype = DType::Float64}).to_vector<double>();
  CHECK(v.front() == -7.31);
  CHECK(v.back() == 6.95);
  check_close(v, {-7.31, -2.5566666666666666, 2.196666666666667, 6.95}, 1e-15, 0, "linspace(-7.31, 6.95, 4)");
  CHECK(linspace(-4.9, -0.09, 16, {.dtype = DType::Float64}).to_vector<double>().back() == -0.09);
}

TEST_CASE("eye") {
  CHECK(dvals(eye(3)) == std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1});
  Tensor r = eye(2, 3);
  CHECK(r.sizes() == Shape{2, 3});
  CHECK(dvals(r) == std::vector<double>{1, 0, 0, 0, 1, 0});
  CHECK(dvals(eye(3, 2)) == std::vector<double>{1, 0, 0, 1, 0, 0});
  CHECK(eye(0).sizes() == Shape{0, 0});
  CHECK(eye(2, std::nullopt, {.dtype = DType::Int64}).dtype() == DType::Int64);
  check_error([] { eye(-1); }, {"eye", "-1"}, "eye with a negative size");
}

TEST_CASE("tensor() from vectors and initializer lists") {
  Tensor a = tensor(std::vector<float>{1, 2, 3, 4, 5, 6}, Shape{2, 3});
  CHECK(a.sizes() == Shape{2, 3});
  CHECK(a.dtype() == DType::Float32);
  CHECK(a.select(1, 2).to_vector<float>() == std::vector<float>{3, 6});
  CHECK(tensor(std::vector<int64_t>{1, 2}).dtype() == DType::Int64);
  CHECK(tensor(std::vector<int32_t>{1, 2}).dtype() == DType::Int32);
  CHECK(tensor(std::vector<uint8_t>{1, 2}).dtype() == DType::UInt8);
  CHECK(tensor(std::vector<double>{1, 2}).dtype() == DType::Float64);
  Tensor b = tensor(std::vector<bool>{true, false, true});
  CHECK(b.dtype() == DType::Bool);
  CHECK(b.to_vector<bool>() == std::vector<bool>{true, false, true});
  // The options convert.
  Tensor c = tensor(std::vector<double>{1.5, -2.5}, std::nullopt, TensorOptions{.dtype = DType::Int32});
  CHECK(c.dtype() == DType::Int32);
  CHECK(c.to_vector<int32_t>() == std::vector<int32_t>{1, -2});
  Tensor empty1 = tensor(std::vector<float>{});
  CHECK(empty1.sizes() == Shape{0});
  Tensor il = tensor({1.0, 2.0, 3.0});
  CHECK(il.dtype() == DType::Float32);  // like torch.tensor([1., 2., 3.])
  CHECK(il.sizes() == Shape{3});
  Tensor il2 = tensor({{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}, {.dtype = DType::Float64});
  CHECK(il2.sizes() == Shape{3, 2});
  CHECK(il2.dtype() == DType::Float64);
  CHECK(il2.to_vector<double>() == std::vector<double>{1, 2, 3, 4, 5, 6});
  check_error([] { tensor(std::vector<float>{1, 2, 3}, Shape{2, 2}); }, {"tensor", "[2, 2]", "3"},
              "tensor with a shape that does not match the data");
  check_error([] { tensor({{1.0, 2.0}, {3.0}}); }, {"tensor", "2", "1"}, "tensor from ragged rows");
}

TEST_CASE("scalar_tensor") {
  Tensor s = scalar_tensor(2.5);
  CHECK(s.dim() == 0);
  CHECK(s.dtype() == DType::Float32);
  CHECK(s.item<double>() == 2.5);
  Tensor i = scalar_tensor(int64_t(1) << 60, {.dtype = DType::Int64});
  CHECK(i.item<int64_t>() == (int64_t(1) << 60));  // int64 stays exact
}

TEST_CASE("from_blob wraps memory without copying and runs the deleter once") {
  std::vector<float> buf = {1, 2, 3, 4, 5, 6};
  int deleted = 0;
  void* seen = nullptr;
  {
    Tensor t = from_blob(buf.data(), {2, 3}, {}, [&](void* p) {
      ++deleted;
      seen = p;
    });
    CHECK(t.data_ptr() == buf.data());
    CHECK(t.to_vector<float>() == buf);
    // Writes go both ways.
    buf[4] = 50;
    CHECK(t.select(0, 1).to_vector<float>() == std::vector<float>{4, 50, 6});
    t.select(1, 0).fill_(-1);
    CHECK(buf[0] == -1);
    CHECK(buf[3] == -1);
    Tensor view = t.slice(1, 1, 3);
    t = Tensor();  // the view still holds the storage
    CHECK(deleted == 0);
    CHECK(view.to_vector<float>() == std::vector<float>{2, 3, 50, 6});
  }
  CHECK(deleted == 1);
  CHECK(seen == buf.data());
}

TEST_CASE("from_blob with custom strides and dtypes") {
  // A column-major 2x3 buffer viewed as a row-major-indexed tensor.
  std::vector<double> colmajor = {1, 4, 2, 5, 3, 6};
  Tensor t = from_blob(colmajor.data(), {2, 3}, {.dtype = DType::Float64}, {}, Shape{1, 2});
  CHECK(t.strides() == Shape{1, 2});
  CHECK_FALSE(t.is_contiguous());
  CHECK(dvals(t) == std::vector<double>{1, 2, 3, 4, 5, 6});
  // Every second element of an int buffer.
  std::vector<int32_t> ints = {10, -1, 20, -1, 30};
  Tensor s = from_blob(ints.data(), {3}, {.dtype = DType::Int32}, {}, Shape{2});
  CHECK(s.to_vector<int32_t>() == std::vector<int32_t>{10, 20, 30});
  s.fill_(7);
  CHECK(ints == std::vector<int32_t>{7, -1, 7, -1, 7});
  check_error([&] { from_blob(ints.data(), {3}, {.dtype = DType::Int32}, {}, Shape{1, 1}); }, {"from_blob"},
              "from_blob with mismatched strides");
}

}  // TEST_SUITE
