// The fused attention op: forward and first backward run the fused kernel family; a
// create_graph backward (or a backend that declines the backward) uses the composite
// formulas below.
#include "autograd/ops_attention.hpp"

#include <limits>

#include "autograd/ops_util.hpp"
#include "tensor/native_attention.hpp"

namespace accmt::autograd {

namespace {

// dq, dk, dv of softmax(q k^T * scale) v with tensor ops (differentiable when grad mode
// is on): P from the scores, dS = P * (dP - rowsum(dP * P)).
std::vector<Tensor> composite_grads(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& dout,
                                    double scale, bool causal) {
  Tensor scores = matmul(q, k.transpose(-2, -1)) * scale;
  if (causal) {
    Tensor keep = ones({q.size(-2), k.size(-2)}, {.dtype = DType::Bool, .device = q.device()}).tril(0);
    scores = scores.masked_fill(keep.logical_not(), -std::numeric_limits<double>::infinity());
  }
  Tensor p = scores.softmax(-1);
  Tensor dp = matmul(dout, v.transpose(-2, -1));
  Tensor ds = p * (dp - (dp * p).sum(Shape{-1}, true));
  return {matmul(ds, k) * scale, matmul(ds.transpose(-2, -1), q) * scale, matmul(p.transpose(-2, -1), dout)};
}

}  // namespace

Tensor fused_attention(const Tensor& q, const Tensor& k, const Tensor& v, double scale, bool causal) {
  std::optional<native::AttentionForward> f = native::attention_forward(q, k, v, scale, causal);
  if (!f) return Tensor();
  if (needs_grad({q, k, v})) {
    SavedTensor sq(q), sk(k), sv(v), so(f->out, true), sl(f->lse);
    record("scaled_dot_product_attention", {q, k, v}, {f->out}, [=](const Grads& g) -> std::vector<Tensor> {
      Tensor qq = sq.get(), kk = sk.get(), vv = sv.get();
      if (!GradMode::is_enabled()) {
        Tensor dout = native::cast(g[0], qq.dtype());
        auto fused = native::attention_backward(qq, kk, vv, so.get(), sl.get(), dout, scale, causal);
        if (fused) return {(*fused)[0], (*fused)[1], (*fused)[2]};
      }
      return composite_grads(qq, kk, vv, g[0], scale, causal);
    });
  }
  return f->out;
}

}  // namespace accmt::autograd
