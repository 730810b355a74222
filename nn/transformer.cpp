// The GPT-2 block and its private parts, as differentiable tensor ops.
#include "nn/transformer.hpp"

#include "autograd/grad_mode.hpp"
#include "nn/functional/activation.hpp"
#include "nn/functional/attention.hpp"

namespace accmt::nn {

namespace detail {

namespace {
// Inverted dropout in training mode (identity otherwise).
Tensor drop(const Tensor& x, double p, bool training, Generator* gen) {
  if (!training || p == 0.0) return x;
  if (p >= 1.0) return x * 0.0;
  return x * bernoulli(x.detach(), 1.0 - p, gen) * (1.0 / (1.0 - p));
}
}  // namespace

Gpt2Conv1D::Gpt2Conv1D(int64_t in, int64_t out, bool has_bias) {
  weight = register_parameter("weight", zeros({in, out}));
  bias = register_parameter("bias", has_bias ? zeros({out}) : Tensor());
}
Tensor Gpt2Conv1D::forward(const Tensor& x) {
  Tensor y = matmul(x, weight);
  return bias.defined() ? y + bias : y;
}
std::string Gpt2Conv1D::extra_repr() const {
  return accmt::detail::concat("nf=", weight.size(1), ", nx=", weight.size(0));
}

Gpt2LayerNorm::Gpt2LayerNorm(int64_t n, bool has_bias, double e) : eps(e) {
  weight = register_parameter("weight", ones({n}));
  bias = register_parameter("bias", has_bias ? zeros({n}) : Tensor());
}
Tensor Gpt2LayerNorm::forward(const Tensor& x) {
  Tensor mu = x.mean({-1}, true);
  Tensor xc = x - mu;
  Tensor y = xc * (xc.square().mean({-1}, true) + eps).rsqrt() * weight;
  return bias.defined() ? y + bias : y;
}
std::string Gpt2LayerNorm::extra_repr() const {
  return accmt::detail::concat("(", weight.size(0), ",), eps=", eps);
}

Gpt2Attention::Gpt2Attention(int64_t n_embd, int64_t h, bool bias, double p) : n_head(h), dropout(p) {
  c_attn = register_module("c_attn", std::make_shared<Gpt2Conv1D>(n_embd, 3 * n_embd, bias));
  c_proj = register_module("c_proj", std::make_shared<Gpt2Conv1D>(n_embd, n_embd, bias));
}
Tensor Gpt2Attention::forward(const Tensor& x) {
  const int64_t B = x.size(0), T = x.size(1), C = x.size(2), D = C / n_head;
  std::vector<Tensor> qkv = c_attn->forward(x).split(C, -1);
  auto heads = [&](const Tensor& t) { return t.reshape({B, T, n_head, D}).transpose(1, 2); };
  const double p = is_training() ? dropout : 0.0;
  Tensor y = functional::scaled_dot_product_attention(heads(qkv[0]), heads(qkv[1]), heads(qkv[2]), Tensor(), p, true,
                                                      std::nullopt, generator);
  y = y.transpose(1, 2).reshape({B, T, C});
  return drop(c_proj->forward(y), dropout, is_training(), generator);
}

Gpt2MLP::Gpt2MLP(int64_t n_embd, bool bias, double p) : dropout(p) {
  c_fc = register_module("c_fc", std::make_shared<Gpt2Conv1D>(n_embd, 4 * n_embd, bias));
  c_proj = register_module("c_proj", std::make_shared<Gpt2Conv1D>(4 * n_embd, n_embd, bias));
}
Tensor Gpt2MLP::forward(const Tensor& x) {
  // c_fc's bias add and the gelu as one fused op (one pass over the 4 * n_embd wide
  // activations instead of two); the unfused form when a dtype mix needs promotion.
  Tensor h = matmul(x, c_fc->weight);
  const Tensor& b = c_fc->bias;
  h = b.defined() && b.dtype() == h.dtype() ? functional::bias_gelu(h, b, "tanh")
      : b.defined()                          ? (h + b).gelu("tanh")
                                             : h.gelu("tanh");
  return drop(c_proj->forward(h), dropout, is_training(), generator);
}

}  // namespace detail

TransformerBlock::TransformerBlock(int64_t n_embd, int64_t n_head, const TransformerBlockOptions& opts) {
  ACCMT_CHECK(n_embd > 0 && n_head > 0, "TransformerBlock: n_embd and n_head must be positive, got ", n_embd, " and ",
              n_head);
  ACCMT_CHECK(n_embd % n_head == 0, "TransformerBlock: n_embd (", n_embd, ") must be divisible by n_head (", n_head,
              ")");
  ACCMT_CHECK(opts.dropout >= 0.0 && opts.dropout <= 1.0, "TransformerBlock: dropout must be in [0, 1], got ",
              opts.dropout);
  ln_1 = register_module("ln_1", std::make_shared<detail::Gpt2LayerNorm>(n_embd, opts.bias, opts.layer_norm_eps));
  attn = register_module("attn", std::make_shared<detail::Gpt2Attention>(n_embd, n_head, opts.bias, opts.dropout));
  ln_2 = register_module("ln_2", std::make_shared<detail::Gpt2LayerNorm>(n_embd, opts.bias, opts.layer_norm_eps));
  mlp = register_module("mlp", std::make_shared<detail::Gpt2MLP>(n_embd, opts.bias, opts.dropout));
  reset_parameters();
}

void TransformerBlock::reset_parameters(Generator* gen) {
  autograd::NoGradGuard ng;
  for (auto* c : {attn->c_attn.get(), attn->c_proj.get(), mlp->c_fc.get(), mlp->c_proj.get()}) {
    c->weight.normal_(0.0, 0.02, gen);
    if (c->bias.defined()) c->bias.zero_();
  }
  for (auto* ln : {ln_1.get(), ln_2.get()}) {
    ln->weight.fill_(1.0);
    if (ln->bias.defined()) ln->bias.zero_();
  }
}

void TransformerBlock::set_generator(Generator* gen) {
  attn->generator = gen;
  mlp->generator = gen;
}

Tensor TransformerBlock::forward(const Tensor& x_in) {
  ACCMT_CHECK(x_in.defined() && (x_in.dim() == 3 || x_in.dim() == 2) && x_in.size(-1) == ln_1->weight.size(0),
              "TransformerBlock: expected input [B, T, ", ln_1->weight.size(0), "] or [T, ", ln_1->weight.size(0),
              "], got ", x_in.defined() ? shape_str(x_in.sizes()) : std::string("an undefined tensor"));
  Tensor x = x_in.dim() == 2 ? x_in.unsqueeze(0) : x_in;
  x = x + attn->forward(ln_1->forward(x));
  x = x + mlp->forward(ln_2->forward(x));
  return x_in.dim() == 2 ? x.squeeze(0) : x;
}

}  // namespace accmt::nn
