// The fused cross-entropy op: forward and first backward run the fused kernel family;
// a create_graph backward uses the same formula written with differentiable tensor ops.
#include "autograd/ops_loss.hpp"

#include "autograd/ops_util.hpp"
#include "tensor/native_loss.hpp"

namespace accmt::autograd {

namespace {

// (softmax * A - a) * g with tensor ops, so that a second backward can differentiate it.
Tensor composite_logits_grad(const Tensor& z, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                             double eps, const Tensor& g) {
  const int64_t classes = z.size(1);
  Tensor w = weight.defined() ? weight.unsqueeze(0) : ones({1, classes}, {.dtype = z.dtype(), .device = z.device()});
  Tensor coef;
  if (is_floating(target.dtype())) {
    coef = w * (target * (1 - eps) + eps / double(classes));
  } else {
    Tensor valid = target.ne(Scalar(ignore_index));
    Tensor safe = where(valid, target, Scalar(int64_t(0)));
    Tensor onehot = one_hot(safe, classes).to(z.dtype());
    Tensor w_t = (onehot * w).sum(Shape{1}, true);
    coef = (onehot * w_t * (1 - eps) + w * (eps / double(classes))) * valid.unsqueeze(1).to(z.dtype());
  }
  Tensor total = coef.sum(Shape{1}, true);
  return (z.softmax(1) * total - coef) * g.unsqueeze(1);
}

}  // namespace

std::pair<Tensor, Tensor> cross_entropy_rows(const Tensor& logits, const Tensor& target, const Tensor& weight,
                                             int64_t ignore_index, double label_smoothing) {
  ACCMT_CHECK(!(weight.defined() && weight.requires_grad() && GradMode::is_enabled()),
              "cross_entropy: gradients with respect to the class weight are not supported; pass weight.detach()");
  native::CrossEntropyRows r = native::cross_entropy_forward(logits, target, weight, ignore_index, label_smoothing);
  const bool prob = is_floating(target.dtype());
  std::vector<Tensor> inputs{logits};
  if (prob) inputs.push_back(target);
  if (needs_grad(inputs)) {
    SavedTensor sz(logits), st(target), sl(r.lse);
    Tensor w = weight.defined() ? weight.detach() : Tensor();
    record("cross_entropy", inputs, {r.loss}, [=](const Grads& g) -> std::vector<Tensor> {
      Tensor z = sz.get(), t = st.get();
      std::vector<Tensor> grads(prob ? 2 : 1);
      if (g.needs_input(0)) {
        grads[0] = GradMode::is_enabled()
                       ? composite_logits_grad(z, t, w, ignore_index, label_smoothing, g[0])
                       : native::cross_entropy_backward(z, t, w, ignore_index, label_smoothing, sl.get(), g[0]);
      }
      if (prob && g.needs_input(1)) {
        // d loss / d p_c = (1 - eps) * w_c * (lse - z_c) * g.
        Tensor lse = GradMode::is_enabled() ? z.logsumexp(Shape{1}, true) : sl.get().unsqueeze(1);
        Tensor d = (lse - z) * g[0].unsqueeze(1) * (1 - label_smoothing);
        grads[1] = w.defined() ? d * w : d;
      }
      return grads;
    });
  }
  return {r.loss, r.row_weight};
}

namespace {

void reject_grad(const char* op, const char* what, const Tensor& t) {
  ACCMT_CHECK(!(t.defined() && t.requires_grad() && GradMode::is_enabled()), op, ": gradients with respect to ", what,
              " are not supported; pass ", what, ".detach()");
}

// softplus(-x) = log(1 + exp(-x)) without overflow.
Tensor softplus_neg(const Tensor& x) { return (-x).clamp_min(Scalar(0)) + (-x.abs()).exp().log1p(); }

}  // namespace

Tensor binary_cross_entropy_elementwise(const Tensor& input, const Tensor& target, const Tensor& weight) {
  reject_grad("binary_cross_entropy", "weight", weight);
  Tensor out;
  {
    NoGradGuard ng;
    Tensor log_x = input.log().clamp_min(Scalar(-100.0));
    Tensor log_1mx = (-input).log1p().clamp_min(Scalar(-100.0));
    out = -(target * log_x + (1 - target) * log_1mx);
    if (weight.defined()) out = out * weight;
  }
  std::vector<Tensor> inputs{input, target};
  if (needs_grad(inputs)) {
    SavedTensor sx(input), st(target);
    Tensor w = weight.defined() ? weight.detach() : Tensor();
    record("binary_cross_entropy", inputs, {out}, [=](const Grads& g) -> std::vector<Tensor> {
      Tensor x = sx.get(), t = st.get();
      Tensor gw = w.defined() ? g[0] * w : g[0];
      std::vector<Tensor> grads(2);
      // PyTorch's epsilon is the float 1e-12 (also for double inputs).
      if (g.needs_input(0)) grads[0] = gw * (x - t) / (x * (1 - x)).clamp_min(Scalar(double(1e-12f)));
      if (g.needs_input(1))
        grads[1] = gw * ((-x).log1p().clamp_min(Scalar(-100.0)) - x.log().clamp_min(Scalar(-100.0)));
      return grads;
    });
  }
  return out;
}

Tensor binary_cross_entropy_with_logits_elementwise(const Tensor& input, const Tensor& target, const Tensor& weight,
                                                    const Tensor& pos_weight) {
  const char* op = "binary_cross_entropy_with_logits";
  reject_grad(op, "weight", weight);
  reject_grad(op, "pos_weight", pos_weight);
  Tensor out;
  {
    NoGradGuard ng;
    // (1 - t) * x + L * softplus(-x), with L = 1 + (pos_weight - 1) * t.
    Tensor sp = softplus_neg(input);
    out = (1 - target) * input + (pos_weight.defined() ? (1 + (pos_weight - 1) * target) * sp : sp);
    if (weight.defined()) out = out * weight;
  }
  std::vector<Tensor> inputs{input, target};
  if (needs_grad(inputs)) {
    SavedTensor sx(input), st(target);
    Tensor w = weight.defined() ? weight.detach() : Tensor();
    Tensor pw = pos_weight.defined() ? pos_weight.detach() : Tensor();
    record(op, inputs, {out}, [=](const Grads& g) -> std::vector<Tensor> {
      Tensor x = sx.get(), t = st.get();
      Tensor gw = w.defined() ? g[0] * w : g[0];
      std::vector<Tensor> grads(2);
      if (g.needs_input(0)) {
        // d/dx = L * sigmoid(x) - pos_weight * t (sigmoid(x) - t without pos_weight).
        grads[0] = pw.defined() ? gw * ((1 + (pw - 1) * t) * x.sigmoid() - pw * t) : gw * (x.sigmoid() - t);
      }
      if (g.needs_input(1)) {
        // d/dt = -x + (pos_weight - 1) * softplus(-x).
        grads[1] = pw.defined() ? gw * ((pw - 1) * softplus_neg(x) - x) : gw * -x;
      }
      return grads;
    });
  }
  return out;
}

}  // namespace accmt::autograd
