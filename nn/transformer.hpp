#pragma once
// A GPT-2 style pre-norm causal transformer block:
//   x = x + attn(ln_1(x));  x = x + mlp(ln_2(x)),  mlp(x) = c_proj(gelu_tanh(c_fc(x)))
// with HuggingFace GPT-2's parameter names (ln_1.weight, attn.c_attn.weight, ...).
//
// Layout choice: the projections keep HuggingFace's Conv1D layout, weight [in, out] and
// y = x @ weight + bias (the transpose of nn.Linear's [out, in]), so a GPT-2 checkpoint's
// tensors load unchanged: attn.c_attn.weight [n_embd, 3 n_embd] (q, k, v side by side),
// attn.c_proj.weight [n_embd, n_embd], mlp.c_fc.weight [n_embd, 4 n_embd],
// mlp.c_proj.weight [4 n_embd, n_embd]. HF's non-persistent causal-mask buffers
// (attn.bias, attn.masked_bias in old checkpoints) are not parameters here: drop them
// before load_state_dict(strict).
#include <memory>

#include "nn/module.hpp"
#include "tensor/random.hpp"

namespace accmt::nn {

namespace detail {

// HuggingFace's Conv1D: weight [in, out], bias [out], y = x @ weight + bias.
class Gpt2Conv1D : public Module {
 public:
  Gpt2Conv1D(int64_t in, int64_t out, bool bias);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "Conv1D"; }
  std::string extra_repr() const override;
  Tensor weight, bias;
};

// LayerNorm over the last dim (weight, optional bias).
class Gpt2LayerNorm : public Module {
 public:
  Gpt2LayerNorm(int64_t n, bool bias, double eps);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "LayerNorm"; }
  std::string extra_repr() const override;
  Tensor weight, bias;
  double eps;
};

// Causal multi-head self-attention: c_attn (q, k, v), attention dropout, c_proj, residual dropout.
class Gpt2Attention : public Module {
 public:
  Gpt2Attention(int64_t n_embd, int64_t n_head, bool bias, double dropout);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "GPT2Attention"; }
  std::shared_ptr<Gpt2Conv1D> c_attn, c_proj;
  int64_t n_head;
  double dropout;
  Generator* generator = nullptr;
};

class Gpt2MLP : public Module {
 public:
  Gpt2MLP(int64_t n_embd, bool bias, double dropout);
  Tensor forward(const Tensor& x) override;
  std::string type_name() const override { return "GPT2MLP"; }
  std::shared_ptr<Gpt2Conv1D> c_fc, c_proj;
  double dropout;
  Generator* generator = nullptr;
};

}  // namespace detail

struct TransformerBlockOptions {
  double dropout = 0.0;          // attention weights, attention output and MLP output (training mode)
  bool bias = true;              // biases of the projections and layer norms
  double layer_norm_eps = 1e-5;  // GPT-2's layer_norm_epsilon
};

class TransformerBlock : public Module {
 public:
  TransformerBlock(int64_t n_embd, int64_t n_head, const TransformerBlockOptions& opts = {});
  // x: [B, T, n_embd] or [T, n_embd]; causal over T.
  Tensor forward(const Tensor& x) override;
  // GPT-2's initialisation: projection weights normal(0, 0.02), biases 0, norms 1 / 0.
  void reset_parameters(Generator* gen = nullptr);
  // Generator for the dropout draws (nullptr: the default generator).
  void set_generator(Generator* gen);
  std::string type_name() const override { return "TransformerBlock"; }

  std::shared_ptr<detail::Gpt2LayerNorm> ln_1;
  std::shared_ptr<detail::Gpt2Attention> attn;
  std::shared_ptr<detail::Gpt2LayerNorm> ln_2;
  std::shared_ptr<detail::Gpt2MLP> mlp;
};

}  // namespace accmt::nn
