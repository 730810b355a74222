// str() and operator<< print tensors the way PyTorch does. Every expected string is
// repr(str(t)) of the same tensor in PyTorch 2.x.
#include <doctest/doctest.h>

#include <limits>
#include <sstream>

#include "tensor/tensor.hpp"

using namespace accmt;

TEST_SUITE("tensor.printing") {

TEST_CASE("1-D and 2-D float32 tensors") {
  // Values align to a common width, four decimals unless every value is an integer.
  CHECK(tensor({1.5, -2.25, 3.0}).str() == "tensor([ 1.5000, -2.2500,  3.0000])");
  CHECK(tensor({1.0, 2.0, -3.0}).str() == "tensor([ 1.,  2., -3.])");
  CHECK(tensor({{1.0, 2.5}, {3.0, 4.0}}).str() == "tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]])");
  CHECK(tensor({{1.0, 2.0}, {3.0, 4.0}}).str() == "tensor([[1., 2.],\n        [3., 4.]])");
  CHECK(arange(8.0).reshape({2, 2, 2}).str() ==
        "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])");
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  CHECK(tensor({1.5, nan, inf}).str() == "tensor([1.5000,    nan,    inf])");
  CHECK(zeros({0}).str() == "tensor([])");
  // A transposed view prints its logical order.
  CHECK(tensor({{1.0, 2.0}, {3.0, 4.0}}).t().str() == "tensor([[1., 3.],\n        [2., 4.]])");
}

TEST_CASE("integer and bool tensors") {
  CHECK(tensor(std::vector<int64_t>{1, -20, 300}).str() == "tensor([  1, -20, 300])");
  CHECK(tensor(std::vector<int64_t>{1, 2, 30, 4}, Shape{2, 2}).str() == "tensor([[ 1,  2],\n        [30,  4]])");
  CHECK(tensor(std::vector<bool>{true, false, true}).str() == "tensor([ True, False,  True])");
}

TEST_CASE("non-default dtypes get a dtype=torch.xxx suffix") {
  CHECK(tensor(std::vector<double>{1.5, 2.0}).str() == "tensor([1.5000, 2.0000], dtype=torch.float64)");
  CHECK(tensor(std::vector<int32_t>{1, 2}).str() == "tensor([1, 2], dtype=torch.int32)");
  CHECK(tensor(std::vector<uint8_t>{1, 2}).str() == "tensor([1, 2], dtype=torch.uint8)");
  CHECK(tensor({0.5, 1.25}).to(DType::Float16).str() == "tensor([0.5000, 1.2500], dtype=torch.float16)");
}

TEST_CASE("scalars") {
  CHECK(scalar_tensor(3.5).str() == "tensor(3.5000)");
  CHECK(scalar_tensor(7, {.dtype = DType::Int64}).str() == "tensor(7)");
  CHECK(scalar_tensor(false, {.dtype = DType::Bool}).str() == "tensor(False)");
  CHECK(scalar_tensor(2.0, {.dtype = DType::Float64}).str() == "tensor(2., dtype=torch.float64)");
}

TEST_CASE("operator<< prints str()") {
  std::ostringstream os;
  Tensor t = tensor({1.0, 2.0});
  os << t;
  CHECK(os.str() == t.str());
}

}  // TEST_SUITE
