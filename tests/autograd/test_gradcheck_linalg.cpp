// Float64 gradchecks of matmul in every rank combination (PyTorch's batching rules,
// including broadcast batch dims), mm, bmm and addmm, with transposed operands.
#include "ag_helpers.hpp"

using namespace agtest;

namespace {
// Runs a two-input product gradcheck for operand shapes sa and sb.
void check_matmul(const Shape& sa, const Shape& sb, uint64_t seed) {
  Tensor a = leaf(sa, -1, 1, seed), b = leaf(sb, -1, 1, seed + 1);
  std::string name = "matmul " + accmt::shape_str(sa) + " @ " + accmt::shape_str(sb);
  CHECK_GRAD(name, [](const Ins& in) { return in[0].matmul(in[1]); }, {a, b});
}
}  // namespace

TEST_SUITE("autograd.gradcheck_linalg") {

TEST_CASE("matmul in all rank combinations") {
  check_matmul({4}, {4}, 1);              // dot product
  check_matmul({3}, {3, 2}, 3);           // vector @ matrix
  check_matmul({2, 3}, {3}, 5);           // matrix @ vector
  check_matmul({2, 3}, {3, 4}, 7);        // matrix @ matrix
  check_matmul({2, 3, 4}, {4, 2}, 9);     // batch @ matrix (folded into one GEMM)
  check_matmul({2, 3, 4}, {4}, 11);       // batch @ vector
  check_matmul({3}, {2, 3, 2}, 13);       // vector @ batch
  check_matmul({2, 3}, {2, 3, 2}, 15);    // matrix @ batch (matrix broadcast over the batch)
  check_matmul({2, 2, 3}, {2, 3, 2}, 17); // batch @ batch
  check_matmul({2, 1, 2, 3}, {3, 3, 2}, 19);    // 4-D with broadcast batch dims
  check_matmul({1, 2, 2, 3}, {2, 1, 3, 2}, 21); // both batch shapes broadcast
}

TEST_CASE("matmul with transposed and sliced operands") {
  Tensor a = leaf({3, 2}, -1, 1, 31), b = leaf({4, 3}, -1, 1, 32);
  CHECK_GRAD("a.t() @ b.t()", [](const Ins& in) { return in[0].t().matmul(in[1].t()); }, {a, b});
  Tensor a3 = leaf({2, 4, 3}, -1, 1, 33), b3 = leaf({2, 4, 2}, -1, 1, 34);
  CHECK_GRAD("batched a.mT() @ b", [](const Ins& in) { return in[0].mT().matmul(in[1]); }, {a3, b3});
  CHECK_GRAD("3-D transposed @ 2-D", [](const Ins& in) { return in[0].transpose(1, 2).matmul(in[1][0]); }, {a3, b3});
  Tensor wide = leaf({2, 6}, -1, 1, 35), m = leaf({3, 2}, -1, 1, 36);
  CHECK_GRAD("strided slice @ matrix", [](const Ins& in) { return in[0].slice(1, 0, 6, 2).matmul(in[1]); }, {wide, m});
}

TEST_CASE("mm and bmm") {
  Tensor a = leaf({2, 3}, -1, 1, 41), b = leaf({3, 4}, -1, 1, 42);
  CHECK_GRAD("mm", [](const Ins& in) { return accmt::mm(in[0], in[1]); }, {a, b});
  CHECK_GRAD("mm transposed operands", [](const Ins& in) { return in[1].t().mm(in[0].t()); }, {a, b});
  Tensor p = leaf({2, 2, 3}, -1, 1, 43), q = leaf({2, 3, 2}, -1, 1, 44);
  CHECK_GRAD("bmm", [](const Ins& in) { return accmt::bmm(in[0], in[1]); }, {p, q});
  CHECK_GRAD("bmm transposed operands", [](const Ins& in) { return in[1].mT().bmm(in[0].mT()); }, {p, q});
}

TEST_CASE("addmm with beta and alpha") {
  using accmt::addmm;
  Tensor input = leaf({2, 4}, -1, 1, 51), row = leaf({4}, -1, 1, 52);
  Tensor m1 = leaf({2, 3}, -1, 1, 53), m2 = leaf({3, 4}, -1, 1, 54);
  CHECK_GRAD("addmm default", [](const Ins& in) { return addmm(in[0], in[1], in[2]); }, {input, m1, m2});
  CHECK_GRAD("addmm beta=0.5 alpha=-2", [](const Ins& in) { return addmm(in[0], in[1], in[2], 0.5, -2.0); },
             {input, m1, m2});
  CHECK_GRAD("addmm broadcast bias [4]", [](const Ins& in) { return addmm(in[0], in[1], in[2], 1.5, 0.25); },
             {row, m1, m2});
  CHECK_GRAD("addmm beta=0 ignores input", [](const Ins& in) { return addmm(in[0], in[1], in[2], 0.0, 3.0); },
             {input, m1, m2});
  Tensor m1t = leaf({3, 2}, -1, 1, 55);
  CHECK_GRAD("addmm transposed m1", [](const Ins& in) { return addmm(in[0], in[1].t(), in[2], 2.0, 1.0); },
             {input, m1t, m2});
}

}  // TEST_SUITE
