// Differentiable convolution and pooling. Every backward is written with the
// differentiable ops below, so create_graph (double backward) works.
#include "autograd/ops_conv.hpp"

#include "autograd/ops_util.hpp"

namespace accmt::autograd {

using native::ConvGeometry;

namespace {
std::vector<Tensor> with_optional(std::vector<Tensor> inputs, const Tensor& maybe) {
  if (maybe.defined()) inputs.push_back(maybe);
  return inputs;
}
}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvGeometry& g, int64_t out_h,
              int64_t out_w) {
  Tensor out = native::conv2d(x, w, bias, g, out_h, out_w);
  std::vector<Tensor> inputs = with_optional({x, w}, bias);
  if (needs_grad(inputs)) {
    SavedTensor sx(x), sw(w);
    const int64_t in_h = x.size(2), in_w = x.size(3), kh = w.size(2), kw = w.size(3);
    record("conv2d", inputs, {out}, [=](const Grads& gr) -> std::vector<Tensor> {
      std::vector<Tensor> r(3);
      const Tensor& gy = gr[0];
      if (gr.needs_input(0)) r[0] = autograd::conv2d_backward_input(gy, sw.get(), g, in_h, in_w);
      if (gr.needs_input(1)) r[1] = autograd::conv2d_backward_weight(gy, sx.get(), g, kh, kw);
      if (gr.needs_input(2)) r[2] = gy.sum({0, 2, 3});
      r.resize(gr.needs.size());
      return r;
    });
  }
  return out;
}

Tensor conv2d_backward_input(const Tensor& gy, const Tensor& w, const ConvGeometry& g, int64_t in_h, int64_t in_w) {
  Tensor out = native::conv2d_backward_input(gy, w, g, in_h, in_w);
  if (needs_grad({gy, w})) {
    SavedTensor sgy(gy), sw(w);
    const int64_t out_h = gy.size(2), out_w = gy.size(3), kh = w.size(2), kw = w.size(3);
    record("conv2d_backward_input", {gy, w}, {out}, [=](const Grads& gr) -> std::vector<Tensor> {
      std::vector<Tensor> r(2);
      if (gr.needs_input(0)) r[0] = autograd::conv2d(gr[0], sw.get(), Tensor(), g, out_h, out_w);
      if (gr.needs_input(1)) r[1] = autograd::conv2d_backward_weight(sgy.get(), gr[0], g, kh, kw);
      return r;
    });
  }
  return out;
}

Tensor conv2d_backward_weight(const Tensor& gy, const Tensor& x, const ConvGeometry& g, int64_t kernel_h,
                              int64_t kernel_w) {
  Tensor out = native::conv2d_backward_weight(gy, x, g, kernel_h, kernel_w);
  if (needs_grad({gy, x})) {
    SavedTensor sgy(gy), sx(x);
    const int64_t out_h = gy.size(2), out_w = gy.size(3), in_h = x.size(2), in_w = x.size(3);
    record("conv2d_backward_weight", {gy, x}, {out}, [=](const Grads& gr) -> std::vector<Tensor> {
      std::vector<Tensor> r(2);
      if (gr.needs_input(0)) r[0] = autograd::conv2d(sx.get(), gr[0], Tensor(), g, out_h, out_w);
      if (gr.needs_input(1)) r[1] = autograd::conv2d_backward_input(sgy.get(), gr[0], g, in_h, in_w);
      return r;
    });
  }
  return out;
}

// ---- pooling: each backward is a linear map whose own backward is the forward map (or a gather).

namespace {

Tensor max_pool2d_backward(const Tensor& gy, const Tensor& indices, const Shape& in_shape) {
  Tensor gx = native::max_pool2d_backward(gy, indices, in_shape);
  if (needs_grad({gy})) {
    Shape out_shape = gy.sizes();
    record("max_pool2d_backward", {gy}, {gx}, [=](const Grads& gr) -> std::vector<Tensor> {
      return {gr[0].flatten(2).gather(2, indices.flatten(2)).view(out_shape)};
    });
  }
  return gx;
}

Tensor avg_pool2d_backward(const Tensor& gy, const Shape& in_shape, const kernels::Window2d& w, bool cip,
                           int64_t divisor) {
  Tensor gx = native::avg_pool2d_backward(gy, in_shape, w, cip, divisor);
  if (needs_grad({gy})) {
    record("avg_pool2d_backward", {gy}, {gx}, [=](const Grads& gr) -> std::vector<Tensor> {
      return {avg_pool2d(gr[0], w, cip, divisor)};
    });
  }
  return gx;
}

Tensor adaptive_avg_pool2d_backward(const Tensor& gy, const Shape& in_shape) {
  Tensor gx = native::adaptive_avg_pool2d_backward(gy, in_shape);
  if (needs_grad({gy})) {
    const int64_t out_h = gy.size(2), out_w = gy.size(3);
    record("adaptive_avg_pool2d_backward", {gy}, {gx}, [=](const Grads& gr) -> std::vector<Tensor> {
      return {adaptive_avg_pool2d(gr[0], out_h, out_w)};
    });
  }
  return gx;
}

}  // namespace

std::pair<Tensor, Tensor> max_pool2d(const Tensor& x, const kernels::Window2d& w) {
  auto [out, indices] = native::max_pool2d(x, w);
  if (needs_grad({x})) {
    Shape in_shape = x.sizes();
    Tensor idx = indices;  // not an autograd output: no reference cycle
    record("max_pool2d", {x}, {out}, [=](const Grads& gr) -> std::vector<Tensor> {
      return {max_pool2d_backward(gr[0], idx, in_shape)};
    });
  }
  return {out, indices};
}

Tensor avg_pool2d(const Tensor& x, const kernels::Window2d& w, bool count_include_pad, int64_t divisor_override) {
  Tensor out = native::avg_pool2d(x, w, count_include_pad, divisor_override);
  if (needs_grad({x})) {
    Shape in_shape = x.sizes();
    record("avg_pool2d", {x}, {out}, [=](const Grads& gr) -> std::vector<Tensor> {
      return {avg_pool2d_backward(gr[0], in_shape, w, count_include_pad, divisor_override)};
    });
  }
  return out;
}

Tensor adaptive_avg_pool2d(const Tensor& x, int64_t out_h, int64_t out_w) {
  Tensor out = native::adaptive_avg_pool2d(x, out_h, out_w);
  if (needs_grad({x})) {
    Shape in_shape = x.sizes();
    record("adaptive_avg_pool2d", {x}, {out}, [=](const Grads& gr) -> std::vector<Tensor> {
      return {adaptive_avg_pool2d_backward(gr[0], in_shape)};
    });
  }
  return out;
}

}  // namespace accmt::autograd
