// Matrix-product front-ends: pick transposition flags from strides so transposed views
// need no copy, and hand a batched GEMM to the backend.
#include "tensor/native.hpp"

namespace accmt::native {

namespace {
// How a [rows, cols] matrix with the given strides is read by GEMM: row-major with
// leading dim ld, or the transpose of a row-major matrix. False if neither fits.
bool gemm_layout(int64_t rows, int64_t cols, int64_t s_row, int64_t s_col, bool& trans, int64_t& ld) {
  if ((s_col == 1 || cols == 1) && s_row >= std::max<int64_t>(cols, 1)) {
    trans = false;
    ld = std::max<int64_t>(s_row, std::max<int64_t>(cols, 1));
    return true;
  }
  if ((s_row == 1 || rows == 1) && s_col >= std::max<int64_t>(rows, 1)) {
    trans = true;
    ld = std::max<int64_t>(s_col, std::max<int64_t>(rows, 1));
    return true;
  }
  return false;
}

void check_matmul_dtypes(const char* op, const Tensor& a, const Tensor& b) {
  check_same_device(op, {a, b});
  ACCMT_CHECK(a.dtype() == b.dtype(), op, ": expected both operands to have the same dtype, got ",
              dtype_name(a.dtype()), " ", shape_str(a.sizes()), " and ", dtype_name(b.dtype()), " ",
              shape_str(b.sizes()));
  ACCMT_CHECK(a.dtype() != DType::Bool, op, ": bool matrices are not supported");
}
}  // namespace

Tensor bmm(const Tensor& a_in, const Tensor& b_in) {
  check_matmul_dtypes("bmm", a_in, b_in);
  ACCMT_CHECK(a_in.dim() == 3 && b_in.dim() == 3, "bmm: expected 3-D tensors, got ", shape_str(a_in.sizes()), " and ",
              shape_str(b_in.sizes()));
  int64_t ba = a_in.size(0), bb = b_in.size(0);
  ACCMT_CHECK(ba == bb || ba == 1 || bb == 1, "bmm: batch sizes differ: ", shape_str(a_in.sizes()), " and ",
              shape_str(b_in.sizes()));
  ACCMT_CHECK(a_in.size(2) == b_in.size(1), "bmm: shapes ", shape_str(a_in.sizes()), " and ", shape_str(b_in.sizes()),
              " cannot be multiplied (", a_in.size(1), "x", a_in.size(2), " and ", b_in.size(1), "x", b_in.size(2), ")");
  int64_t batch = std::max(ba, bb), m = a_in.size(1), k = a_in.size(2), n = b_in.size(2);
  Tensor out = empty({batch, m, n}, a_in.dtype(), a_in.device());
  if (out.numel() == 0) return out;
  if (k == 0) {
    fill_(out, 0);
    return out;
  }
  Tensor a = a_in, b = b_in;
  kernels::GemmArgs g{};
  if (!gemm_layout(m, k, a.stride(1), a.stride(2), g.trans_a, g.lda)) {
    a = contiguous(a);
    gemm_layout(m, k, a.stride(1), a.stride(2), g.trans_a, g.lda);
  }
  if (!gemm_layout(k, n, b.stride(1), b.stride(2), g.trans_b, g.ldb)) {
    b = contiguous(b);
    gemm_layout(k, n, b.stride(1), b.stride(2), g.trans_b, g.ldb);
  }
  g.device_index = out.device().index;
  g.a = a.data_ptr();
  g.b = b.data_ptr();
  g.c = out.data_ptr();
  g.dtype = a.dtype();
  g.m = m;
  g.n = n;
  g.k = k;
  g.ldc = n;
  g.batch = batch;
  g.stride_a = ba == 1 ? 0 : a.stride(0);
  g.stride_b = bb == 1 ? 0 : b.stride(0);
  g.stride_c = m * n;
  g.alpha = 1.0;
  g.beta = 0.0;
  backend_of(out).gemm(g);
  return out;
}

Tensor mm(const Tensor& a, const Tensor& b) {
  check_matmul_dtypes("mm", a, b);
  ACCMT_CHECK(a.dim() == 2 && b.dim() == 2, "mm: expected 2-D tensors, got ", shape_str(a.sizes()), " and ",
              shape_str(b.sizes()));
  ACCMT_CHECK(a.size(1) == b.size(0), "mm: shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
              " cannot be multiplied (", a.size(0), "x", a.size(1), " and ", b.size(0), "x", b.size(1), ")");
  Tensor a3 = make_view(a, {1, a.size(0), a.size(1)}, {0, a.stride(0), a.stride(1)}, a.storage_offset());
  Tensor b3 = make_view(b, {1, b.size(0), b.size(1)}, {0, b.stride(0), b.stride(1)}, b.storage_offset());
  Tensor out = native::bmm(a3, b3);
  return restride_fresh(out, {a.size(0), b.size(1)}, {b.size(1), 1});
}

}  // namespace accmt::native
