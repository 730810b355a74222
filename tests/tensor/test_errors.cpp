// Bad arguments raise accmt::Error whose message names the op and the shapes involved
// (issue 2, "Done when"): mismatched shapes and dtypes, dims and indices out of range,
// item()/to_vector misuse and undefined tensors. Device mismatches need a GPU; here only
// the CPU-side check that an absent device is refused runs.
#include <doctest/doctest.h>

#include <limits>

#include "tensor/tensor.hpp"
#include "tests/tensor/helpers.hpp"

using namespace accmt;
using accmt::tensor_test::check_error;

namespace {
Tensor idx(std::vector<int64_t> v, std::optional<Shape> shape = std::nullopt) { return tensor(v, shape); }
}  // namespace

TEST_SUITE("tensor.errors") {

TEST_CASE("mismatched shapes") {
  Tensor a23 = zeros({2, 3}), a4 = zeros({4}), a45 = zeros({4, 5});
  check_error([&] { a23 + a4; }, {"add", "[2, 3]", "[4]"}, "add");
  check_error([&] { a23.mul(a4); }, {"mul", "[2, 3]", "[4]"}, "mul");
  check_error([&] { a23 < a4; }, {"[2, 3]", "[4]"}, "lt");
  check_error([&] { mm(a23, a45); }, {"mm", "[2, 3]", "[4, 5]"}, "mm inner sizes");
  check_error([&] { mm(a23, a4); }, {"mm", "[2, 3]", "[4]"}, "mm with a 1-D operand");
  check_error([&] { a23.matmul(a45); }, {"mm", "[2, 3]", "[4, 5]"}, "matmul 2-D");
  check_error([&] { zeros({2, 2, 3}).matmul(zeros({2, 4, 5})); }, {"matmul", "[2, 2, 3]", "[2, 4, 5]"},
              "matmul batched inner sizes");
  check_error([&] { zeros({2, 2, 3}).matmul(zeros({3, 3, 5})); }, {"matmul", "[2]", "[3]"}, "matmul batch dims");
  check_error([&] { zeros({3}).matmul(zeros({4})); }, {"matmul", "3", "4"}, "matmul 1-D lengths");
  check_error([&] { bmm(zeros({2, 3, 4}), zeros({3, 4, 5})); }, {"bmm", "[2, 3, 4]", "[3, 4, 5]"}, "bmm batch");
  check_error([&] { bmm(zeros({2, 3, 4}), zeros({2, 5, 6})); }, {"bmm", "[2, 3, 4]", "[2, 5, 6]"}, "bmm inner");
  check_error([&] { bmm(a23, a45); }, {"bmm", "[2, 3]", "[4, 5]"}, "bmm with 2-D operands");
  check_error([&] { cat({a23, zeros({2, 4})}, 0); }, {"cat", "[2, 3]", "[2, 4]"}, "cat sizes");
  check_error([&] { cat({a23, zeros({2, 3, 1})}, 0); }, {"cat", "[2, 3]", "[2, 3, 1]"}, "cat ranks");
  check_error([&] { stack({zeros({2}), zeros({3})}); }, {"stack", "[2]", "[3]"}, "stack");
  check_error([&] { a23.gather(1, idx({0, 1})); }, {"gather", "[2, 3]", "[2]"}, "gather ranks");
  check_error([&] { a23.gather(1, idx({0, 0, 0}, Shape{3, 1})); }, {"gather", "[2, 3]", "[3, 1]"}, "gather sizes");
  check_error([&] { zeros({3, 2}).index_add(0, idx({0, 1}), zeros({2, 3})); }, {"index_add", "[3, 2]", "[2, 3]"},
              "index_add source shape");
  check_error([&] { zeros({2, 3}).scatter(1, idx({0, 1, 0}, Shape{1, 3}), zeros({1, 2})); },
              {"scatter", "[1, 3]", "[1, 2]"}, "scatter src smaller than index");
  check_error([&] { zeros({2, 3}).copy_(zeros({3, 2})); }, {"copy_", "[3, 2]", "[2, 3]"}, "copy_");
  check_error([&] { where(tensor(std::vector<bool>{true, false, true}), zeros({2}), zeros({2})); },
              {"where", "[3]", "[2]"}, "where");
}

TEST_CASE("mismatched dtypes") {
  check_error([] { mm(zeros({2, 3}), zeros({3, 4}, {.dtype = DType::Float64})); },
              {"mm", "float32", "float64", "[2, 3]", "[3, 4]"}, "mm with float32 and float64");
  check_error([] { bmm(zeros({1, 2, 3}, {.dtype = DType::Float16}), zeros({1, 3, 4})); },
              {"bmm", "float16", "float32", "[1, 2, 3]", "[1, 3, 4]"}, "bmm with float16 and float32");
  check_error([] { zeros({2}).gather(0, zeros({2})); }, {"gather", "float32"}, "gather with a float index");
  check_error([] { zeros({2}).index_select(0, zeros({1})); }, {"index_select", "float32"},
              "index_select with a float index");
  check_error([] { where(zeros({2}), zeros({2}), zeros({2})); }, {"where", "float32"}, "where with a float condition");
}

TEST_CASE("devices") {
  // Without a GPU, moving to one is refused with the device named.
  if (!cuda::is_available()) {
    check_error([] { zeros({2, 3}).to(Device("cuda:0")); }, {"to", "cuda:0"}, "to(cuda:0) without a GPU");
  }
  check_error([] { zeros({2}).to(Device("cuda:7")).sum(); }, {"cuda:7"}, "to(cuda:7)");
}

TEST_CASE("dims out of range") {
  Tensor x = zeros({2, 3});
  check_error([&] { x.sum({2}); }, {"sum", "2", "[2, 3]"}, "sum dim 2");
  check_error([&] { x.sum({-3}); }, {"sum", "-3", "[2, 3]"}, "sum dim -3");
  check_error([&] { x.softmax(5); }, {"softmax", "5", "[2, 3]"}, "softmax dim 5");
  check_error([&] { x.log_softmax(-3); }, {"log_softmax", "-3", "[2, 3]"}, "log_softmax dim -3");
  check_error([&] { x.select(2, 0); }, {"select", "2", "[2, 3]"}, "select dim 2");
  check_error([&] { x.transpose(0, 3); }, {"transpose", "3", "[2, 3]"}, "transpose dim 3");
  check_error([&] { x.permute({0, 5}); }, {"permute", "5", "[2, 3]"}, "permute dim 5");
  check_error([&] { x.argmax(2); }, {"argmax", "2", "[2, 3]"}, "argmax dim 2");
  check_error([&] { x.max(-4); }, {"max", "-4", "[2, 3]"}, "max dim -4");
  check_error([&] { x.mean({3}); }, {"mean", "3", "[2, 3]"}, "mean dim 3");
  check_error([&] { cat({x, x}, 2); }, {"cat", "2", "[2, 3]"}, "cat dim 2");
  check_error([&] { x.size(2); }, {"size", "2", "[2, 3]"}, "size(2)");
}

TEST_CASE("indices out of range") {
  Tensor x = zeros({2, 3});
  check_error([&] { x.gather(1, idx({0, 5}, Shape{2, 1})); }, {"gather", "5", "[2, 3]"}, "gather index 5");
  check_error([&] { x.gather(0, idx({-1, 0, 0}, Shape{1, 3})); }, {"gather", "-1", "[2, 3]"}, "gather index -1");
  check_error([&] { x.index_select(1, idx({0, 3})); }, {"index_select", "3", "[2, 3]"}, "index_select index 3");
  check_error([&] { embedding(zeros({4, 2}), idx({1, 10})); }, {"embedding", "10", "[4, 2]"}, "embedding index 10");
  check_error([&] { one_hot(idx({0, 7}), 5); }, {"one_hot", "7", "5", "[2]"}, "one_hot class 7 of 5");
  check_error([&] { one_hot(idx({-1, 0}), 3); }, {"one_hot", "-1", "[2]"}, "one_hot class -1");
  check_error([&] { x.scatter(0, idx({0, 2}, Shape{1, 2}), 1.0); }, {"scatter", "2", "[2, 3]"}, "scatter index 2");
  check_error([&] { x.scatter_add(1, idx({3}, Shape{1, 1}), ones({1, 1})); }, {"scatter_add", "3", "[2, 3]"},
              "scatter_add index 3");
  check_error([&] { zeros({3, 2}).index_add(0, idx({3}), ones({1, 2})); }, {"index_add", "3", "[3, 2]"},
              "index_add index 3");
  check_error([&] { x.topk(4, 1); }, {"topk", "4", "[2, 3]"}, "topk k > size");
}

TEST_CASE("integer division by zero") {
  // PyTorch raises ZeroDivisionError for integer floor_divide/remainder by zero.
  Tensor a = idx({7, 8}), z = idx({2, 0});
  check_error([&] { a.floor_divide(z); }, {"floor_divide", "division by zero", "[2]"}, "floor_divide by zero");
  check_error([&] { a.remainder(z); }, {"remainder", "division by zero"}, "remainder by zero");
  // Floating division by zero is IEEE arithmetic, not an error.
  CHECK(tensor({1.0}).floor_divide(tensor({0.0})).item<double>() == std::numeric_limits<double>::infinity());
}

TEST_CASE("item, to_vector and undefined tensors") {
  check_error([] { zeros({2, 3}).item(); }, {"item", "[2, 3]"}, "item of 6 elements");
  check_error([] { zeros({0}).item(); }, {"item", "[0]"}, "item of an empty tensor");
  CHECK(zeros({1, 1}).item<double>() == 0.0);  // one element of any rank is fine
  check_error([] { zeros({2}).to_vector<double>(); }, {"to_vector", "float32"}, "to_vector<double> of float32");
  check_error([] { zeros({2}, {.dtype = DType::Int32}).to_vector<int64_t>(); }, {"to_vector", "int32"},
              "to_vector<int64_t> of int32");
  check_error([] { zeros({2}).to_vector<bool>(); }, {"to_vector", "float32"}, "to_vector<bool> of float32");
  Tensor u;
  CHECK_FALSE(u.defined());
  CHECK(u.str() == "tensor(undefined)");
  check_error([&] { u.sizes(); }, {"undefined"}, "sizes of an undefined tensor");
  check_error([&] { u + ones({2}); }, {"add", "undefined"}, "add with an undefined tensor");
  check_error([&] { ones({2}) * u; }, {"mul", "undefined"}, "mul with an undefined tensor");
  check_error([&] { u.sum(); }, {"sum", "undefined"}, "sum of an undefined tensor");
  check_error([&] { u.item(); }, {"item", "undefined"}, "item of an undefined tensor");
  check_error([&] { u.view({2}); }, {"view", "undefined"}, "view of an undefined tensor");
  check_error([&] { mm(u, ones({2, 2})); }, {"mm", "undefined"}, "mm with an undefined tensor");
  check_error([&] { cat({ones({2}), u}); }, {"cat", "undefined"}, "cat with an undefined tensor");
  check_error([&] { ones({2}).copy_(u); }, {"copy_", "undefined"}, "copy_ from an undefined tensor");
}

}  // TEST_SUITE
