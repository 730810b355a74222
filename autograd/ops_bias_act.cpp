// Differentiable fused bias + activation.
#include "autograd/ops_bias_act.hpp"

#include "autograd/ops_util.hpp"
#include "tensor/native_bias_act.hpp"

namespace accmt::autograd {

Tensor fused_bias_act(const Tensor& x, const Tensor& bias, ops::Unary act) {
  Tensor y = native::bias_act_forward(act, x, bias);
  if (!needs_grad({x, bias})) return y;
  SavedTensor sx(x), sb(bias);
  record(native::bias_act_name(act), {x, bias}, {y}, [=](const Grads& g) -> std::vector<Tensor> {
    Tensor xv = sx.get(), bv = sb.get();
    if (GradMode::is_enabled()) {
      // create_graph: the composition's backward, differentiable in x, bias and g. For relu
      // the composite reads the sign of its `out` argument, which z's sign equals.
      Tensor z = xv + bv;
      Tensor gz = activation_backward_composite(act, g[0], z, z);
      return {gz, g.needs_input(1) ? sum_to(gz, bv.sizes()) : Tensor()};
    }
    native::BiasActGrads d = native::bias_act_backward(act, g[0], xv, bv, g.needs_input(1));
    return {d.grad_x, d.grad_bias};
  });
  return y;
}

}  // namespace accmt::autograd
