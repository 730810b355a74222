// Activations, linear, dropout and embedding as differentiable tensor-op compositions.
#include "nn/functional/activation.hpp"

#include "autograd/ops_bias_act.hpp"

namespace accmt::nn::functional {

namespace {
void check_defined(const char* op, const Tensor& t, const char* what = "input") {
  ACCMT_CHECK(t.defined(), op, ": the ", what, " tensor is undefined");
}

ops::Unary gelu_op(const char* op, const std::string& approximate) {
  ACCMT_CHECK(approximate == "none" || approximate == "tanh", op, ": approximate must be 'none' or 'tanh', got '",
              approximate, "'");
  return approximate == "tanh" ? ops::Unary::GeluTanh : ops::Unary::GeluExact;
}
}  // namespace

Tensor relu(const Tensor& input) {
  check_defined("relu", input);
  return input.relu();
}

Tensor gelu(const Tensor& input, const std::string& approximate) {
  check_defined("gelu", input);
  return input.gelu(approximate);
}

Tensor silu(const Tensor& input) {
  check_defined("silu", input);
  return input.silu();
}

Tensor tanh(const Tensor& input) {
  check_defined("tanh", input);
  return input.tanh();
}

Tensor sigmoid(const Tensor& input) {
  check_defined("sigmoid", input);
  return input.sigmoid();
}

Tensor leaky_relu(const Tensor& input, double negative_slope) {
  check_defined("leaky_relu", input);
  ACCMT_CHECK(input.is_floating_point(), "leaky_relu: expected a floating input, got ", dtype_name(input.dtype()),
              " of shape ", shape_str(input.sizes()));
  // The strict x > 0 sends x == 0 to the slope branch, so d/dx at 0 is negative_slope.
  return where(input.gt(Scalar(0)), input, input * negative_slope);
}

Tensor softmax(const Tensor& input, int64_t dim, std::optional<DType> dtype) {
  check_defined("softmax", input);
  return (dtype ? input.to(*dtype) : input).softmax(dim);
}

Tensor log_softmax(const Tensor& input, int64_t dim, std::optional<DType> dtype) {
  check_defined("log_softmax", input);
  return (dtype ? input.to(*dtype) : input).log_softmax(dim);
}

namespace {
// bias [out_features] of the weight's dtype (weight already checked to be 2-D).
void check_linear_bias(const Tensor& weight, const Tensor& bias) {
  ACCMT_CHECK(weight.defined() && weight.dim() == 2, "linear: expected a 2-D weight [out_features, in_features], got ",
              weight.defined() ? shape_str(weight.sizes()) : std::string("an undefined tensor"));
  const int64_t out = weight.size(0);
  ACCMT_CHECK(bias.dim() == 1 && bias.size(0) == out, "linear: expected a bias of shape [", out, "] for weight of shape ",
              shape_str(weight.sizes()), ", got ", shape_str(bias.sizes()));
  ACCMT_CHECK(bias.dtype() == weight.dtype(), "linear: bias dtype ", dtype_name(bias.dtype()),
              " does not match weight dtype ", dtype_name(weight.dtype()));
}
}  // namespace

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  check_defined("linear", input);
  check_defined("linear", weight, "weight");
  ACCMT_CHECK(weight.dim() == 2, "linear: expected a 2-D weight [out_features, in_features], got shape ",
              shape_str(weight.sizes()));
  const int64_t in = weight.size(1), out = weight.size(0);
  ACCMT_CHECK(input.dim() >= 1 && input.size(-1) == in, "linear: input of shape ", shape_str(input.sizes()),
              " does not match weight of shape ", shape_str(weight.sizes()), " (expected the last dim to be ", in, ")");
  ACCMT_CHECK(input.dtype() == weight.dtype(), "linear: input dtype ", dtype_name(input.dtype()),
              " does not match weight dtype ", dtype_name(weight.dtype()));
  if (bias.defined()) check_linear_bias(weight, bias);
  Tensor wt = weight.t();
  if (input.dim() == 1) {
    Tensor y = input.matmul(wt);
    return bias.defined() ? y + bias : y;
  }
  // Fold the leading dims into rows so one GEMM (with the bias fused in addmm) does it all.
  Shape lead(input.sizes().begin(), input.sizes().end() - 1);
  int64_t rows = 1;
  for (int64_t s : lead) rows *= s;
  Tensor x2 = input.dim() == 2 ? input : input.reshape({rows, in});
  Tensor y = bias.defined() ? addmm(bias, x2, wt) : x2.mm(wt);
  if (input.dim() == 2) return y;
  lead.push_back(out);
  return y.view(lead);
}

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias, const std::string& activation) {
  ACCMT_CHECK(activation == "none" || activation == "relu" || activation == "gelu" || activation == "gelu_tanh" ||
                  activation == "silu",
              "linear: activation must be 'none', 'relu', 'gelu', 'gelu_tanh' or 'silu', got '", activation, "'");
  if (activation == "none") return linear(input, weight, bias);
  const ops::Unary act = activation == "relu"   ? ops::Unary::Relu
                         : activation == "gelu" ? ops::Unary::GeluExact
                         : activation == "silu" ? ops::Unary::Silu
                                                : ops::Unary::GeluTanh;
  if (!bias.defined()) {
    Tensor y = linear(input, weight);
    return act == ops::Unary::Relu ? y.relu() : act == ops::Unary::Silu ? y.silu()
         : y.gelu(act == ops::Unary::GeluTanh ? "tanh" : "none");
  }
  // Checks the bias against the weight with linear's messages before the unbiased GEMM.
  check_linear_bias(weight, bias);
  return autograd::fused_bias_act(linear(input, weight), bias, act);
}

Tensor bias_gelu(const Tensor& input, const Tensor& bias, const std::string& approximate) {
  return autograd::fused_bias_act(input, bias, gelu_op("bias_gelu", approximate));
}

Tensor bias_silu(const Tensor& input, const Tensor& bias) {
  return autograd::fused_bias_act(input, bias, ops::Unary::Silu);
}

Tensor bias_relu(const Tensor& input, const Tensor& bias) {
  return autograd::fused_bias_act(input, bias, ops::Unary::Relu);
}

Tensor dropout(const Tensor& input, double p, bool training, Generator* gen) {
  check_defined("dropout", input);
  ACCMT_CHECK(p >= 0.0 && p <= 1.0, "dropout: probability has to be between 0 and 1, got ", p);
  if (!training || p == 0.0) return input;
  ACCMT_CHECK(input.is_floating_point(), "dropout: expected a floating input, got ", dtype_name(input.dtype()),
              " of shape ", shape_str(input.sizes()));
  if (p == 1.0) return input * 0.0;
  // Keep-mask in the input's dtype, already scaled, so the output is one multiply.
  Tensor mask = bernoulli(input.detach(), 1.0 - p, gen);
  mask.div_(1.0 - p);
  return input * mask;
}

Tensor embedding(const Tensor& indices, const Tensor& weight, std::optional<int64_t> padding_idx) {
  check_defined("embedding", indices, "indices");
  check_defined("embedding", weight, "weight");
  ACCMT_CHECK(indices.dtype() == DType::Int64 || indices.dtype() == DType::Int32,
              "embedding: expected int64 or int32 indices, got ", dtype_name(indices.dtype()), " of shape ",
              shape_str(indices.sizes()));
  Tensor out = accmt::embedding(weight, indices);
  if (!padding_idx) return out;
  int64_t n = weight.size(0), pad = *padding_idx;
  ACCMT_CHECK(pad >= -n && pad < n, "embedding: padding_idx ", pad, " is out of range for ", n, " embeddings");
  if (pad < 0) pad += n;
  if (!out.requires_grad()) return out;
  // Same values; rows that read the padding entry take the detached copy, so no
  // gradient reaches weight[padding_idx].
  Tensor keep = indices.ne(Scalar(pad)).unsqueeze(-1);
  return where(keep, out, out.detach());
}

}  // namespace accmt::nn::functional
