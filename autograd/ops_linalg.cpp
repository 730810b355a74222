// Matrix products with PyTorch's matmul batching rules; backward through the same GEMMs.
#include "autograd/ops_util.hpp"

namespace accmt {

using autograd::Grads;
using autograd::SavedTensor;

namespace {

// [B|1, M, K] @ [B|1, K, N] -> [B, M, N] with autograd (a batch of 1 broadcasts).
Tensor bmm_broadcast(const Tensor& a, const Tensor& b) {
  Tensor out = native::bmm(a, b);
  if (autograd::needs_grad({a, b})) {
    SavedTensor sa(a), sb(b);
    Shape a_shape = a.sizes(), b_shape = b.sizes();
    autograd::record("bmm", {a, b}, {out}, [=](const Grads& g) -> std::vector<Tensor> {
      std::vector<Tensor> r(2);
      if (g.needs_input(0)) r[0] = autograd::sum_to(bmm_broadcast(g[0], sb.get().transpose(1, 2)), a_shape);
      if (g.needs_input(1)) r[1] = autograd::sum_to(bmm_broadcast(sa.get().transpose(1, 2), g[0]), b_shape);
      return r;
    });
  }
  return out;
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  native::check_defined("mm", a);
  native::check_defined("mm", b);
  ACCMT_CHECK(a.dim() == 2 && b.dim() == 2, "mm: expected 2-D tensors, got ", shape_str(a.sizes()), " and ",
              shape_str(b.sizes()));
  Tensor out = native::mm(a, b);
  if (autograd::needs_grad({a, b})) {
    SavedTensor sa(a), sb(b);
    autograd::record("mm", {a, b}, {out}, [sa, sb](const Grads& g) -> std::vector<Tensor> {
      std::vector<Tensor> r(2);
      if (g.needs_input(0)) r[0] = mm(g[0], sb.get().t());
      if (g.needs_input(1)) r[1] = mm(sa.get().t(), g[0]);
      return r;
    });
  }
  return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  native::check_defined("bmm", a);
  native::check_defined("bmm", b);
  ACCMT_CHECK(a.dim() == 3 && b.dim() == 3, "bmm: expected 3-D tensors, got ", shape_str(a.sizes()), " and ",
              shape_str(b.sizes()));
  ACCMT_CHECK(a.size(0) == b.size(0), "bmm: batch sizes differ: ", shape_str(a.sizes()), " and ", shape_str(b.sizes()));
  return bmm_broadcast(a, b);
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  native::check_defined("matmul", a);
  native::check_defined("matmul", b);
  const int64_t da = a.dim(), db = b.dim();
  ACCMT_CHECK(da > 0 && db > 0, "matmul: both arguments need at least 1 dim, got shapes ", shape_str(a.sizes()),
              " and ", shape_str(b.sizes()));
  if (da == 1 && db == 1) {
    ACCMT_CHECK(a.size(0) == b.size(0), "matmul: 1-D tensors of sizes ", a.size(0), " and ", b.size(0),
                " have different lengths");
    return (a * b).sum();
  }
  if (da == 2 && db == 2) return mm(a, b);
  if (da == 1 && db == 2) return mm(a.unsqueeze(0), b).squeeze(0);
  if (da == 2 && db == 1) return mm(a, b.unsqueeze(1)).squeeze(1);
  if (da >= 3 && db <= 2) {
    // Fold a's batch dims into its rows: one large GEMM.
    Tensor b2 = db == 1 ? b.unsqueeze(1) : b;
    int64_t k = a.size(-1);
    ACCMT_CHECK(b2.size(0) == k, "matmul: shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
                " cannot be multiplied (inner sizes ", k, " and ", b2.size(0), ")");
    Shape out_shape(a.sizes().begin(), a.sizes().end() - 1);
    out_shape.push_back(b2.size(1));
    Tensor r = mm(a.reshape({-1, k}), b2).reshape(out_shape);
    return db == 1 ? r.squeeze(-1) : r;
  }
  // General batched case: 1-D operands get a unit dim that is removed at the end.
  Tensor a3 = da == 1 ? a.unsqueeze(0) : a;
  Tensor b3 = db == 1 ? b.unsqueeze(1) : b;
  int64_t m = a3.size(-2), k = a3.size(-1), k2 = b3.size(-2), n = b3.size(-1);
  ACCMT_CHECK(k == k2, "matmul: shapes ", shape_str(a.sizes()), " and ", shape_str(b.sizes()),
              " cannot be multiplied (inner sizes ", k, " and ", k2, ")");
  Shape batch_a(a3.sizes().begin(), a3.sizes().end() - 2), batch_b(b3.sizes().begin(), b3.sizes().end() - 2);
  Shape batch = broadcast_shapes_for("matmul", batch_a, batch_b);
  int64_t nb = 1, nba = 1, nbb = 1;
  for (int64_t v : batch) nb *= v;
  for (int64_t v : batch_a) nba *= v;
  for (int64_t v : batch_b) nbb *= v;
  auto fold = [&](const Tensor& t, const Shape& tb, int64_t count, int64_t rows, int64_t cols) {
    if (count == 1 && nb != 1) return t.reshape({1, rows, cols});  // broadcast by a batch stride of 0
    Shape full_shape = batch;
    full_shape.push_back(rows);
    full_shape.push_back(cols);
    return (tb == batch ? t : t.expand(full_shape)).reshape({nb, rows, cols});
  };
  Tensor r = bmm_broadcast(fold(a3, batch_a, nba, m, k), fold(b3, batch_b, nbb, k, n));
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  r = r.reshape(out_shape);
  if (da == 1) r = r.squeeze(-2);
  if (db == 1) r = r.squeeze(-1);
  return r;
}

Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha) {
  Tensor prod = mm(m1, m2);
  ACCMT_CHECK(broadcast_shapes_for("addmm", input.sizes(), prod.sizes()) == prod.sizes(), "addmm: input of shape ",
              shape_str(input.sizes()), " cannot be broadcast to the product shape ", shape_str(prod.sizes()));
  if (alpha.to_double() != 1.0) prod = prod * alpha;
  if (beta.to_double() == 0.0) return prod;  // like PyTorch, input is ignored (even NaNs) when beta is 0
  return (beta.to_double() == 1.0 ? input : input * beta) + prod;
}

Tensor Tensor::matmul(const Tensor& other) const { return accmt::matmul(*this, other); }
Tensor Tensor::mm(const Tensor& other) const { return accmt::mm(*this, other); }
Tensor Tensor::bmm(const Tensor& other) const { return accmt::bmm(*this, other); }

}  // namespace accmt
