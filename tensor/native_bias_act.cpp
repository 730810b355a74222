// Front-ends of the fused bias + activation kernel family: checks, contiguous operands,
// allocation, dispatch.
#include "tensor/native_bias_act.hpp"

#include "kernels/common/bias_act.hpp"

namespace accmt::native {

const char* bias_act_name(ops::Unary act) {
  switch (act) {
    case ops::Unary::GeluExact: return "bias_gelu";
    case ops::Unary::GeluTanh: return "bias_gelu_tanh";
    case ops::Unary::Silu: return "bias_silu";
    case ops::Unary::Relu: return "bias_relu";
    default: return "bias_act";
  }
}

void check_bias_act(const char* op, ops::Unary act, const Tensor& x, const Tensor& bias) {
  ACCMT_CHECK(ops::is_bias_activation(act), op, ": the fused activation must be gelu, gelu_tanh, silu or relu");
  ACCMT_CHECK(x.defined(), op, ": the input tensor is undefined");
  ACCMT_CHECK(bias.defined(), op, ": the bias tensor is undefined");
  ACCMT_CHECK(x.dim() >= 1, op, ": expected an input of shape [..., N], got a 0-dim tensor");
  ACCMT_CHECK(is_floating(x.dtype()), op, ": expected a floating input, got ", dtype_name(x.dtype()), " of shape ",
              shape_str(x.sizes()));
  const int64_t n = x.size(-1);
  ACCMT_CHECK(bias.dim() == 1 && bias.size(0) == n, op, ": expected a bias of shape [", n, "] for an input of shape ",
              shape_str(x.sizes()), ", got ", shape_str(bias.sizes()));
  ACCMT_CHECK(bias.dtype() == x.dtype(), op, ": bias has dtype ", dtype_name(bias.dtype()), ", expected the input's ",
              dtype_name(x.dtype()));
  ACCMT_CHECK(bias.device() == x.device(), op, ": bias is on ", bias.device().str(), ", input on ", x.device().str());
}

Tensor bias_act_forward(ops::Unary act, const Tensor& x_in, const Tensor& bias_in) {
  const char* op = bias_act_name(act);
  check_bias_act(op, act, x_in, bias_in);
  Tensor x = contiguous(x_in), b = contiguous(bias_in);
  Tensor y = empty(x.sizes(), x.dtype(), x.device());
  if (x.numel() == 0) return y;
  backend_of(x).bias_act_forward(act, ref(y), ref(x), ref(b));
  return y;
}

BiasActGrads bias_act_backward(ops::Unary act, const Tensor& grad_y_in, const Tensor& x_in, const Tensor& bias_in,
                               bool need_grad_bias) {
  const char* op = bias_act_name(act);
  check_bias_act(op, act, x_in, bias_in);
  ACCMT_CHECK(grad_y_in.defined() && grad_y_in.sizes() == x_in.sizes() && grad_y_in.dtype() == x_in.dtype() &&
                  grad_y_in.device() == x_in.device(),
              op, "_backward: gradient ",
              grad_y_in.defined() ? shape_str(grad_y_in.sizes()) + " " + dtype_name(grad_y_in.dtype()) : "undefined",
              " does not match input ", shape_str(x_in.sizes()), " ", dtype_name(x_in.dtype()));
  Tensor x = contiguous(x_in), b = contiguous(bias_in), gy = contiguous(grad_y_in);
  BiasActGrads g;
  g.grad_x = empty(x.sizes(), x.dtype(), x.device());
  if (need_grad_bias) g.grad_bias = empty(b.sizes(), b.dtype(), b.device());
  if (x.numel() == 0) {  // no rows (or N == 0): grad_bias is an empty sum
    if (need_grad_bias) fill_(g.grad_bias, 0);
    return g;
  }
  kernels::TensorRef gbr;
  if (need_grad_bias) gbr = ref(g.grad_bias);
  backend_of(x).bias_act_backward(act, ref(g.grad_x), need_grad_bias ? &gbr : nullptr, ref(gy), ref(x), ref(b));
  return g;
}

}  // namespace accmt::native
