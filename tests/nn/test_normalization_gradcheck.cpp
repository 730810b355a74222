// Float64 finite-difference gradchecks of the normalisation functions and modules,
// second-order gradients (create_graph backward) of the fused op, and the fused kernel's
// multi-threaded and 16-bit paths against the same maths built from tensor ops.
#include <doctest/doctest.h>

#include "tests/autograd/ag_helpers.hpp"
#include "nn/functional/normalization.hpp"
#include "nn/normalization.hpp"

using namespace agtest;
using namespace accmt;
namespace F = accmt::nn::functional;

namespace {

// The layer norm of the trailing k dims written with plain tensor ops (an independent
// reference for the fused kernel).
Tensor composite_layer_norm(const Tensor& x, int64_t k, const Tensor& w, const Tensor& b, double eps, bool rms) {
  Shape dims;
  for (int64_t d = x.dim() - k; d < x.dim(); ++d) dims.push_back(d);
  Tensor xc = rms ? x : x - x.mean(dims, true);
  Tensor y = xc * (xc.square().mean(dims, true) + eps).rsqrt();
  if (w.defined()) y = y * w;
  if (b.defined()) y = y + b;
  return y;
}

// Gradient of sum(fn(x, w, b) * gout) for each defined input.
std::vector<Tensor> grads_of(const std::function<Tensor(const Tensor&, const Tensor&, const Tensor&)>& fn,
                             const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& gout) {
  Ins in{x};
  if (w.defined()) in.push_back(w);
  if (b.defined()) in.push_back(b);
  return autograd::grad({fn(x, w, b)}, in, {gout});
}

}  // namespace

TEST_SUITE("nn.normalization.gradcheck") {

TEST_CASE("layer_norm: 1 and 2 normalised dims, with and without affine") {
  Tensor x = leaf({2, 3, 4}, -2, 2, 1), w = leaf({4}, 0.5, 1.5, 2), b = leaf({4}, -1, 1, 3);
  Tensor w2 = leaf({3, 4}, 0.5, 1.5, 4), b2 = leaf({3, 4}, -1, 1, 5);
  CHECK_GRAD("layer_norm [4] affine", [](const Ins& in) { return F::layer_norm(in[0], {4}, in[1], in[2]); },
             {x, w, b});
  CHECK_GRAD("layer_norm [3,4] affine", [](const Ins& in) { return F::layer_norm(in[0], {3, 4}, in[1], in[2]); },
             {x, w2, b2});
  CHECK_GRAD("layer_norm [4] no affine", [](const Ins& in) { return F::layer_norm(in[0], {4}); }, {x});
  CHECK_GRAD("layer_norm [4] weight only", [](const Ins& in) { return F::layer_norm(in[0], {4}, in[1]); }, {x, w});
  CHECK_GRAD("layer_norm [4] of a transposed view",
             [](const Ins& in) { return F::layer_norm(in[0].transpose(1, 2), {3}, {}, in[1], 0.01); },
             {x, leaf({3}, -1, 1, 6)});
}

TEST_CASE("rms_norm: default and explicit eps, with and without weight") {
  Tensor x = leaf({3, 2, 5}, -2, 2, 7), w = leaf({5}, 0.5, 1.5, 8), w2 = leaf({2, 5}, 0.5, 1.5, 9);
  CHECK_GRAD("rms_norm [5] weight", [](const Ins& in) { return F::rms_norm(in[0], {5}, in[1]); }, {x, w});
  CHECK_GRAD("rms_norm [2,5] weight eps", [](const Ins& in) { return F::rms_norm(in[0], {2, 5}, in[1], 1e-3); },
             {x, w2});
  CHECK_GRAD("rms_norm [5] no weight", [](const Ins& in) { return F::rms_norm(in[0], {5}); }, {x});
}

TEST_CASE("group_norm: 3-D and 4-D inputs, affine on and off") {
  Tensor x3 = leaf({2, 6, 3}, -2, 2, 10), x4 = leaf({2, 4, 2, 3}, -2, 2, 11);
  Tensor w6 = leaf({6}, 0.5, 1.5, 12), b6 = leaf({6}, -1, 1, 13), w4 = leaf({4}, 0.5, 1.5, 14), b4 = leaf({4}, -1, 1, 15);
  CHECK_GRAD("group_norm 3 groups 3-D", [](const Ins& in) { return F::group_norm(in[0], 3, in[1], in[2]); },
             {x3, w6, b6});
  CHECK_GRAD("group_norm 2 groups 4-D", [](const Ins& in) { return F::group_norm(in[0], 2, in[1], in[2]); },
             {x4, w4, b4});
  CHECK_GRAD("group_norm 4 groups no affine", [](const Ins& in) { return F::group_norm(in[0], 4); }, {x4});
}

TEST_CASE("batch_norm: training (batch statistics) and eval (running statistics)") {
  Tensor x = leaf({4, 3, 2}, -2, 2, 16), w = leaf({3}, 0.5, 1.5, 17), b = leaf({3}, -1, 1, 18);
  CHECK_GRAD("batch_norm training", [](const Ins& in) {
    return F::batch_norm(in[0], {}, {}, in[1], in[2], true);
  }, {x, w, b});
  Tensor rm = tensor({0.1, -0.2, 0.3}, {.dtype = DType::Float64}), rv = tensor({0.5, 1.5, 2.0}, {.dtype = DType::Float64});
  CHECK_GRAD("batch_norm eval", [rm, rv](const Ins& in) {
    return F::batch_norm(in[0], rm, rv, in[1], in[2], false);
  }, {x, w, b});
  // Module in training mode, 4-D (its running-stat updates are outside the graph).
  auto bn = std::make_shared<nn::BatchNorm2d>(2);
  bn->to(DType::Float64);
  CHECK_GRAD("BatchNorm2d training", [bn](const Ins& in) { return bn->forward(in[0]); }, {leaf({3, 2, 2, 2}, -2, 2, 19)});
}

TEST_CASE("LayerNorm, RMSNorm and GroupNorm modules") {
  auto ln = std::make_shared<nn::LayerNorm>(Shape{5});
  ln->to(DType::Float64);
  CHECK_GRAD("LayerNorm", [ln](const Ins& in) { return ln->forward(in[0]); }, {leaf({3, 5}, -2, 2, 20)});
  auto rms = std::make_shared<nn::RMSNorm>(Shape{5});
  rms->to(DType::Float64);
  CHECK_GRAD("RMSNorm", [rms](const Ins& in) { return rms->forward(in[0]); }, {leaf({3, 5}, -2, 2, 21)});
  auto gn = std::make_shared<nn::GroupNorm>(2, 4);
  gn->to(DType::Float64);
  CHECK_GRAD("GroupNorm", [gn](const Ins& in) { return gn->forward(in[0]); }, {leaf({2, 4, 3}, -2, 2, 22)});
}

TEST_CASE("second order: gradients of the layer_norm / rms_norm backward (create_graph)") {
  Tensor gout = leaf({2, 4}, -1, 1, 23).detach();
  for (bool rms : {false, true}) {
    CAPTURE(rms);
    Tensor x = leaf({2, 4}, -2, 2, 24), w = leaf({4}, 0.5, 1.5, 25), b = leaf({4}, -1, 1, 26);
    auto first = [gout, rms](const Ins& in) {
      EnableGradGuard eg;  // gradcheck's finite differences run under no_grad
      Tensor y = rms ? F::rms_norm(in[0], {4}, in[1], 1e-5) : F::layer_norm(in[0], {4}, in[1], in[2]);
      auto g = autograd::grad({y}, {in[0], in[1]}, {gout}, false, true);
      return (g[0] * g[0]).sum() + (g[1] * g[1]).sum();  // depends on both input and weight grads
    };
    CHECK_GRAD("grad of grad", first, {x, w, b});
  }
}

TEST_CASE("fused kernel: multi-threaded rows and 16-bit types agree with the composite maths") {
  Generator gen(27);
  // [64, 640] float64 is large enough to split the parameter-gradient sums across threads.
  for (bool rms : {false, true}) {
    CAPTURE(rms);
    Tensor x = randn({64, 640}, kF64, &gen) * 3 + 1, w = randn({640}, kF64, &gen), b = randn({640}, kF64, &gen);
    Tensor gout = randn({64, 640}, kF64, &gen);
    Tensor bb = rms ? Tensor() : b;
    auto fused = [rms](const Tensor& x, const Tensor& w, const Tensor& b) {
      return rms ? F::rms_norm(x, {640}, w, 1e-5) : F::layer_norm(x, {640}, w, b);
    };
    auto comp = [rms](const Tensor& x, const Tensor& w, const Tensor& b) {
      return composite_layer_norm(x, 1, w, b, 1e-5, rms);
    };
    Tensor xr = x.requires_grad_(), wr = w.requires_grad_(), br = bb.defined() ? bb.requires_grad_() : Tensor();
    auto gf = grads_of(fused, xr, wr, br, gout), gc = grads_of(comp, xr, wr, br, gout);
    CHECK(fused(xr, wr, br).allclose(comp(xr, wr, br), 1e-12, 1e-12));
    for (size_t i = 0; i < gf.size(); ++i) CHECK_MESSAGE(gf[i].allclose(gc[i], 1e-10, 1e-10), "gradient " << i);
  }
  for (DType dt : {DType::Float32, DType::Float16, DType::BFloat16}) {
    CAPTURE(dtype_name(dt));
    const double tol = dt == DType::Float32 ? 1e-5 : dt == DType::Float16 ? 1e-2 : 5e-2;
    Tensor x = randn({6, 33}, kF64, &gen), w = randn({33}, kF64, &gen), b = randn({33}, kF64, &gen);
    Tensor gout = randn({6, 33}, kF64, &gen);
    // Reference: float64 on the 16-bit-rounded inputs.
    Tensor xl = x.to(dt), wl = w.to(dt), bl = b.to(dt), gl = gout.to(dt);
    Tensor xd = xl.to(DType::Float64).requires_grad_(), wd = wl.to(DType::Float64).requires_grad_(),
           bd = bl.to(DType::Float64).requires_grad_();
    Tensor yd = F::layer_norm(xd, {33}, wd, bd);
    auto gd = autograd::grad({yd}, {xd, wd, bd}, {gl.to(DType::Float64)});
    xl.requires_grad_(); wl.requires_grad_(); bl.requires_grad_();
    Tensor y = F::layer_norm(xl, {33}, wl, bl);
    CHECK(y.dtype() == dt);
    auto g = autograd::grad({y}, {xl, wl, bl}, {gl});
    CHECK(y.to(DType::Float64).allclose(yd, tol, tol));
    for (size_t i = 0; i < 3; ++i) {
      CHECK(g[i].dtype() == dt);
      CHECK_MESSAGE(g[i].to(DType::Float64).allclose(gd[i], tol, tol * 4), "gradient " << i);
    }
  }
}

}  // TEST_SUITE
