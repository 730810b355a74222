// Differentiable fused LayerNorm / RMSNorm.
#include "autograd/ops_norm.hpp"

#include "autograd/ops_util.hpp"
#include "tensor/native_norm.hpp"

namespace accmt::autograd {

namespace {

// The gradients from differentiable ops, for create_graph backward: statistics are
// recomputed from x so that their dependence on x is part of the new graph.
std::vector<Tensor> composite_backward(const Tensor& dy, const Tensor& x, const Tensor& w, int64_t k, double eps,
                                       bool rms, bool has_bias, const std::vector<bool>& needs) {
  Shape norm_dims, lead_dims;
  for (int64_t d = 0; d < x.dim(); ++d) (d < x.dim() - k ? lead_dims : norm_dims).push_back(d);
  Tensor xc = rms ? x : x - x.mean(norm_dims, true);
  Tensor rstd = (xc.square().mean(norm_dims, true) + eps).rsqrt();
  Tensor xhat = xc * rstd;
  std::vector<Tensor> out(3);
  if (needs[0]) {
    Tensor g = w.defined() ? dy * w : dy;
    Tensor inner = g - xhat * (g * xhat).mean(norm_dims, true);
    if (!rms) inner = inner - g.mean(norm_dims, true);
    out[0] = rstd * inner;
  }
  auto lead_sum = [&](const Tensor& t) { return lead_dims.empty() ? t : t.sum(lead_dims); };
  if (w.defined() && needs[1]) out[1] = lead_sum(dy * xhat);
  if (has_bias && needs[2]) out[2] = lead_sum(dy);
  return out;
}

}  // namespace

Tensor fused_layer_norm(const Tensor& x, int64_t k, const Tensor& weight, const Tensor& bias, double eps, bool rms) {
  native::LayerNormForward f = native::layer_norm_forward(x, k, weight, bias, eps, rms);
  std::vector<Tensor> inputs{x};
  if (weight.defined()) inputs.push_back(weight);
  if (bias.defined()) inputs.push_back(bias);
  if (!needs_grad(inputs)) return f.y;
  SavedTensor sx(x), sw(weight), smean(f.mean), srstd(f.rstd);
  const bool has_w = weight.defined(), has_b = bias.defined();
  record(rms ? "rms_norm" : "layer_norm", inputs, {f.y}, [=](const Grads& g) -> std::vector<Tensor> {
    // Input slots in the order recorded: x, then weight and bias when present.
    std::vector<bool> needs{g.needs_input(0), has_w && g.needs_input(1), has_b && g.needs_input(has_w ? 2 : 1)};
    Tensor xv = sx.get(), wv = has_w ? sw.get() : Tensor();
    std::vector<Tensor> r;
    if (GradMode::is_enabled()) {
      r = composite_backward(g[0], xv, wv, k, eps, rms, has_b, needs);
    } else {
      native::LayerNormGrads d = native::layer_norm_backward(g[0], xv, smean.defined() ? smean.get() : Tensor(),
                                                             srstd.get(), wv, k, needs[0], needs[1], needs[2]);
      r = {d.dx, d.dweight, d.dbias};
    }
    std::vector<Tensor> grads{r[0]};
    if (has_w) grads.push_back(r[1]);
    if (has_b) grads.push_back(r[2]);
    return grads;
  });
  return f.y;
}

}  // namespace accmt::autograd
