// Scaled dot-product attention composed of differentiable tensor ops (matmul, masked
// softmax, dropout), so autograd gives its gradients. Plain and causal attention without
// dropout go to the fused kernel family first when the device's backend takes them.
#include "nn/functional/attention.hpp"

#include <cmath>
#include <limits>

#include "autograd/grad_mode.hpp"
#include "autograd/ops_attention.hpp"
#include "tensor/cuda.hpp"

namespace accmt::nn::functional {

namespace {

const double kNegInf = -std::numeric_limits<double>::infinity();

void check_inputs(const Tensor& q, const Tensor& k, const Tensor& v, double dropout_p) {
  const char* op = "scaled_dot_product_attention";
  ACCMT_CHECK(q.defined() && k.defined() && v.defined(), op, ": query, key and value must be defined");
  ACCMT_CHECK(q.dim() >= 2 && k.dim() >= 2 && v.dim() >= 2, op, ": expected query [..., L, E], key [..., S, E] and "
              "value [..., S, Ev], got ", shape_str(q.sizes()), ", ", shape_str(k.sizes()), ", ", shape_str(v.sizes()));
  ACCMT_CHECK(q.is_floating_point() && q.dtype() == k.dtype() && q.dtype() == v.dtype(), op,
              ": query, key and value must share one floating dtype, got ", dtype_name(q.dtype()), ", ",
              dtype_name(k.dtype()), ", ", dtype_name(v.dtype()));
  ACCMT_CHECK(q.size(-1) == k.size(-1), op, ": query and key must have the same last dim E, got query ",
              shape_str(q.sizes()), " and key ", shape_str(k.sizes()));
  ACCMT_CHECK(k.size(-2) == v.size(-2), op, ": key and value must have the same sequence length S, got key ",
              shape_str(k.sizes()), " and value ", shape_str(v.sizes()));
  ACCMT_CHECK(dropout_p >= 0.0 && dropout_p <= 1.0, op, ": dropout_p must be in [0, 1], got ", dropout_p);
}

// Whether `from` broadcasts to `to` without growing it.
bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  for (size_t i = 1; i <= from.size(); ++i) {
    int64_t f = from[from.size() - i], t = to[to.size() - i];
    if (f != 1 && f != t) return false;
  }
  return true;
}

// Whether the fused kernel family may compute this call: no mask other than the causal
// one, no dropout, identical batch dims (no broadcasting), a 16- or 32-bit float dtype.
// The CPU has no fused kernel (the math path is its implementation), so CPU calls skip
// the front-end's contiguous copies. The backend declines what else it cannot take.
bool fused_candidate(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& attn_mask, double dropout_p) {
  if (attn_mask.defined() || dropout_p > 0.0 || q.device().is_cpu() || !cuda::fused_attention_enabled()) return false;
  const DType dt = q.dtype();
  if (dt != DType::Float32 && dt != DType::Float16 && dt != DType::BFloat16) return false;
  if (q.dim() != k.dim() || q.dim() != v.dim()) return false;
  for (int64_t d = 0; d + 2 < q.dim(); ++d)
    if (q.size(d) != k.size(d) || q.size(d) != v.size(d)) return false;
  return true;
}

}  // namespace

std::pair<Tensor, Tensor> scaled_dot_product_attention_with_weights(const Tensor& query, const Tensor& key,
                                                                    const Tensor& value, const Tensor& attn_mask,
                                                                    double dropout_p, bool is_causal,
                                                                    std::optional<double> scale, Generator* gen) {
  const char* op = "scaled_dot_product_attention";
  check_inputs(query, key, value, dropout_p);
  const int64_t L = query.size(-2), S = key.size(-2);
  const double sc = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(query.size(-1)));
  Tensor scores = matmul(query, key.transpose(-2, -1)) * sc;
  Tensor mask = attn_mask;
  if (is_causal) {
    ACCMT_CHECK(!attn_mask.defined(), op, ": pass either attn_mask or is_causal, not both");
    mask = ones({L, S}, {.dtype = DType::Bool, .device = query.device()}).tril(0);
  }
  if (mask.defined()) {
    ACCMT_CHECK(broadcasts_to(mask.sizes(), scores.sizes()), op, ": attn_mask of shape ", shape_str(mask.sizes()),
                " does not broadcast to the scores' shape ", shape_str(scores.sizes()));
    if (mask.dtype() == DType::Bool) {
      scores = scores.masked_fill(mask.logical_not(), kNegInf);
    } else {
      ACCMT_CHECK(mask.is_floating_point(), op, ": attn_mask must be bool or floating, got ", dtype_name(mask.dtype()));
      scores = scores + mask.to(scores.dtype());
    }
  }
  Tensor attn;
  if (mask.defined()) {
    // Safe softmax: a row with every key masked gives zeros instead of NaN; its scores
    // are replaced before the softmax so that no NaN reaches the backward either.
    Tensor fully;
    {
      autograd::NoGradGuard ng;
      fully = scores.amax({-1}, true).eq(Scalar(kNegInf));
    }
    attn = where(fully, Scalar(0.0), where(fully, Scalar(0.0), scores).softmax(-1));
  } else {
    attn = scores.softmax(-1);
  }
  if (dropout_p > 0.0) {
    if (dropout_p >= 1.0) {
      attn = attn * 0.0;
    } else {
      Tensor keep = bernoulli(attn.detach(), 1.0 - dropout_p, gen);
      attn = attn * keep * (1.0 / (1.0 - dropout_p));
    }
  }
  return {matmul(attn, value), attn};
}

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const Tensor& attn_mask, double dropout_p, bool is_causal,
                                    std::optional<double> scale, Generator* gen) {
  check_inputs(query, key, value, dropout_p);
  if (fused_candidate(query, key, value, attn_mask, dropout_p)) {
    const double sc = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(query.size(-1)));
    Tensor out = autograd::fused_attention(query, key, value, sc, is_causal);
    if (out.defined()) return out;
  }
  return scaled_dot_product_attention_with_weights(query, key, value, attn_mask, dropout_p, is_causal, scale, gen)
      .first;
}

}  // namespace accmt::nn::functional
