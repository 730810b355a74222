// MultiheadAttention: in-projection, heads, scaled dot-product attention with merged
// masks, out-projection; all as differentiable tensor ops.
#include "nn/attention.hpp"

#include <cmath>
#include <limits>

#include "autograd/grad_mode.hpp"
#include "nn/functional/attention.hpp"

namespace accmt::nn {

namespace detail {

AttnOutProj::AttnOutProj(int64_t in, int64_t out, bool has_bias) {
  weight = register_parameter("weight", empty({out, in}));
  bias = register_parameter("bias", has_bias ? zeros({out}) : Tensor());
}

Tensor AttnOutProj::forward(const Tensor& x) {
  Tensor y = matmul(x, weight.t());
  return bias.defined() ? y + bias : y;
}

std::string AttnOutProj::extra_repr() const {
  return accmt::detail::concat("in_features=", weight.size(1), ", out_features=", weight.size(0),
                               ", bias=", bias.defined() ? "True" : "False");
}

}  // namespace detail

namespace {

const double kNegInf = -std::numeric_limits<double>::infinity();

// A mask as additive floats: bool true -> -inf (masked), floating as is.
Tensor additive(const Tensor& mask, DType dtype, const char* what) {
  if (mask.dtype() == DType::Bool) return zeros(mask.sizes(), {.dtype = dtype, .device = mask.device()}).masked_fill(mask, kNegInf);
  ACCMT_CHECK(mask.is_floating_point(), "MultiheadAttention: ", what, " must be bool or floating, got ",
              dtype_name(mask.dtype()));
  return mask.to(dtype);
}

}  // namespace

MultiheadAttention::MultiheadAttention(int64_t e, int64_t h, const MultiheadAttentionOptions& opts)
    : embed_dim(e), num_heads(h), head_dim(0), options(opts) {
  ACCMT_CHECK(e > 0 && h > 0, "MultiheadAttention: embed_dim and num_heads must be positive, got ", e, " and ", h);
  ACCMT_CHECK(e % h == 0, "MultiheadAttention: embed_dim (", e, ") must be divisible by num_heads (", h, ")");
  ACCMT_CHECK((opts.kdim == 0 || opts.kdim == e) && (opts.vdim == 0 || opts.vdim == e),
              "MultiheadAttention: kdim and vdim different from embed_dim (", e, ") are not supported, got kdim=",
              opts.kdim, ", vdim=", opts.vdim);
  ACCMT_CHECK(opts.dropout >= 0.0 && opts.dropout <= 1.0, "MultiheadAttention: dropout must be in [0, 1], got ",
              opts.dropout);
  head_dim = e / h;
  in_proj_weight = register_parameter("in_proj_weight", empty({3 * e, e}));
  in_proj_bias = register_parameter("in_proj_bias", opts.bias ? zeros({3 * e}) : Tensor());
  out_proj = register_module("out_proj", std::make_shared<detail::AttnOutProj>(e, e, opts.bias));
  reset_parameters();
}

void MultiheadAttention::reset_parameters(Generator* gen) {
  autograd::NoGradGuard ng;
  const double xavier = std::sqrt(6.0 / double(embed_dim + 3 * embed_dim));
  in_proj_weight.uniform_(-xavier, xavier, gen);
  const double lin = 1.0 / std::sqrt(double(embed_dim));
  out_proj->weight.uniform_(-lin, lin, gen);
  if (in_proj_bias.defined()) in_proj_bias.zero_();
  if (out_proj->bias.defined()) out_proj->bias.zero_();
}

Tensor MultiheadAttention::forward(const Tensor& x) { return forward(x, x, x, Tensor(), false).first; }

std::pair<Tensor, Tensor> MultiheadAttention::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                                      const Tensor& key_padding_mask, bool need_weights,
                                                      const Tensor& attn_mask, bool average_attn_weights,
                                                      bool is_causal) {
  const char* op = "MultiheadAttention";
  ACCMT_CHECK(query.defined() && key.defined() && value.defined(), op, ": query, key and value must be defined");
  const bool batched = query.dim() == 3;
  ACCMT_CHECK((query.dim() == 2 || batched) && key.dim() == query.dim() && value.dim() == query.dim(), op,
              ": expected 3-D (batched) or 2-D (unbatched) query, key and value, got ", shape_str(query.sizes()), ", ",
              shape_str(key.sizes()), ", ", shape_str(value.sizes()));
  ACCMT_CHECK(query.size(-1) == embed_dim && key.size(-1) == embed_dim && value.size(-1) == embed_dim, op,
              ": expected embedding size ", embed_dim, " in the last dim, got ", shape_str(query.sizes()), ", ",
              shape_str(key.sizes()), ", ", shape_str(value.sizes()));
  ACCMT_CHECK(key.sizes() == value.sizes(), op, ": key and value shapes must match, got ", shape_str(key.sizes()),
              " and ", shape_str(value.sizes()));
  // Work in [N, L, E].
  auto to_nle = [&](const Tensor& t) {
    if (!batched) return t.unsqueeze(0);
    return options.batch_first ? t : t.transpose(0, 1);
  };
  Tensor q = to_nle(query), k = to_nle(key), v = to_nle(value);
  ACCMT_CHECK(q.size(0) == k.size(0), op, ": query and key batch sizes differ: ", shape_str(query.sizes()), " and ",
              shape_str(key.sizes()));
  const int64_t N = q.size(0), L = q.size(1), S = k.size(1), E = embed_dim, H = num_heads, D = head_dim;

  auto project = [&](const Tensor& x, int64_t part) {
    Tensor y = matmul(x, in_proj_weight.narrow(0, part * E, E).t());
    if (in_proj_bias.defined()) y = y + in_proj_bias.narrow(0, part * E, E);
    return y.reshape({N, -1, H, D}).transpose(1, 2);  // [N, H, len, D]
  };
  Tensor qh = project(q, 0), kh = project(k, 1), vh = project(v, 2);

  // One additive mask broadcastable to [N, H, L, S].
  Tensor mask;
  if (attn_mask.defined()) {
    Tensor m = additive(attn_mask, q.dtype(), "attn_mask");
    if (m.dim() == 2) {
      ACCMT_CHECK(m.sizes() == Shape({L, S}), op, ": 2-D attn_mask must be [", L, ", ", S, "], got ",
                  shape_str(m.sizes()));
      mask = m;
    } else {
      ACCMT_CHECK(m.dim() == 3 && m.sizes() == Shape({N * H, L, S}), op, ": 3-D attn_mask must be [", N * H, ", ", L,
                  ", ", S, "] (batch * num_heads, L, S), got ", shape_str(m.sizes()));
      mask = m.reshape({N, H, L, S});
    }
  } else if (is_causal) {
    mask = additive(ones({L, S}, {.dtype = DType::Bool, .device = q.device()}).triu(1), q.dtype(), "attn_mask");
  }
  if (key_padding_mask.defined()) {
    Shape want = batched ? Shape{N, S} : Shape{S};
    ACCMT_CHECK(key_padding_mask.sizes() == want, op, ": key_padding_mask must be ", shape_str(want), ", got ",
                shape_str(key_padding_mask.sizes()));
    Tensor m = additive(key_padding_mask, q.dtype(), "key_padding_mask").reshape({N, 1, 1, S});
    mask = mask.defined() ? mask + m : m;
  }

  const double p = is_training() ? options.dropout : 0.0;
  auto [out, weights] = functional::scaled_dot_product_attention_with_weights(qh, kh, vh, mask, p, false, std::nullopt,
                                                                              generator);
  out = out_proj->forward(out.transpose(1, 2).reshape({N, L, E}));
  if (!batched) out = out.squeeze(0);
  else if (!options.batch_first) out = out.transpose(0, 1);
  if (!need_weights) return {out, Tensor()};
  if (average_attn_weights) weights = weights.mean({1});
  if (!batched) weights = weights.squeeze(0);
  return {out, weights};
}

}  // namespace accmt::nn
