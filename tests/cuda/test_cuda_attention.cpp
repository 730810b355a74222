// CUDA fused scaled-dot-product attention against the CPU math path, forward and
// backward (q, k, v gradients): causal and not, L != S, L = 1, odd widths, several batch
// dims, float32/bfloat16/float16; calls the fused path does not take (a mask, dropout,
// float64, broadcast batch dims, E > 128) still match; a create_graph backward works;
// results are deterministic and replay in a CUDA graph.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <accmt/accmt.hpp>
#include "autograd/node.hpp"
#include "autograd/ops_attention.hpp"
#include "tensor/native_attention.hpp"
#include "tests/cuda/parity.hpp"

using accmt::DType;
using accmt::Shape;
using accmt::Tensor;
using accmt::test::cuda::kCuda;
using accmt::test::cuda::randn_cpu;
using accmt::test::cuda::same_as_cpu;
namespace F = accmt::nn::functional;

namespace {

struct AttnCase {
  Shape batch;
  int64_t L, S, E, Ev;
};

Shape with(Shape batch, int64_t rows, int64_t cols) {
  batch.push_back(rows);
  batch.push_back(cols);
  return batch;
}

// Tolerances of the fused kernels (float32 accumulation, one rounding of each result)
// against the CPU math path run in float32 from the same 16-bit inputs: a 16-bit CPU
// reference would round its scores and softmax, and measure its own error.
double rtol_attn(DType dt) { return dt == DType::Float32 ? 1e-4 : dt == DType::Float16 ? 4e-3 : 2e-2; }
double atol_attn(DType dt) { return dt == DType::Float32 ? 5e-5 : dt == DType::Float16 ? 8e-3 : 6e-2; }

// Forward and gradients of sdpa on cuda:0 against the CPU, from the same inputs.
void check_sdpa(const AttnCase& c, DType dt, bool causal, const Tensor& mask = Tensor(), double dropout_p = 0.0,
                double rtol = -1, double atol = -1) {
  accmt::Generator gen(17);
  Tensor q = randn_cpu(with(c.batch, c.L, c.E), dt, gen), k = randn_cpu(with(c.batch, c.S, c.E), dt, gen);
  Tensor v = randn_cpu(with(c.batch, c.S, c.Ev), dt, gen), dout = randn_cpu(with(c.batch, c.L, c.Ev), dt, gen);
  if (rtol < 0) rtol = rtol_attn(dt);
  if (atol < 0) atol = atol_attn(dt);
  const std::string what = std::string(accmt::dtype_name(dt)) + " q " + accmt::shape_str(q.sizes()) + " k " +
                           accmt::shape_str(k.sizes()) + " v " + accmt::shape_str(v.sizes()) +
                           (causal ? " causal" : "") + (mask.defined() ? " masked" : "");
  auto run = [&](const accmt::Device& dev, DType compute) {
    Tensor qd = q.to(dev).to(compute).requires_grad_(), kd = k.to(dev).to(compute).requires_grad_();
    Tensor vd = v.to(dev).to(compute).requires_grad_();
    accmt::Generator drop(5);
    Tensor out = F::scaled_dot_product_attention(qd, kd, vd, mask.defined() ? mask.to(dev) : Tensor(), dropout_p,
                                                 causal, std::nullopt, &drop);
    out.backward(dout.to(dev).to(compute));
    return std::vector<Tensor>{out.detach().to(dt), qd.grad().to(dt), kd.grad().to(dt), vd.grad().to(dt)};
  };
  const bool half = dt == DType::Float16 || dt == DType::BFloat16;
  std::vector<Tensor> cpu = run(accmt::Device("cpu"), half ? DType::Float32 : dt), gpu = run(kCuda, dt);
  const char* names[] = {" out", " dq", " dk", " dv"};
  for (int i = 0; i < 4; ++i) CHECK(same_as_cpu(gpu[i], cpu[i], what + names[i], rtol, atol));
}

const std::vector<AttnCase> kCases = {
    {{2, 3}, 64, 64, 64, 64},   {{2}, 1, 37, 40, 40},      {{1, 2}, 50, 70, 72, 72}, {{3}, 70, 45, 80, 48},
    {{2, 2}, 31, 95, 96, 96},   {{1}, 40, 40, 128, 128},  {{2, 1, 2}, 97, 33, 7, 13}, {{}, 33, 65, 16, 16},
};

}  // namespace

// The fused kernel is opt-in (tensor/cuda.hpp); these tests turn it on.
struct FusedOn {
  FusedOn() { accmt::cuda::set_fused_attention(true); }
  ~FusedOn() { accmt::cuda::set_fused_attention(false); }
};
const FusedOn kFusedOn;

TEST_SUITE("cuda.attention") {

TEST_CASE("fused sdpa matches the CPU math path, forward and backward") {
  for (DType dt : {DType::Float32, DType::BFloat16, DType::Float16})
    for (bool causal : {false, true})
      for (const AttnCase& c : kCases) check_sdpa(c, dt, causal);
}

TEST_CASE("the fused path is taken for qualifying cuda calls and declined for wide heads") {
  accmt::Generator gen(3);
  Tensor q = randn_cpu({2, 5, 16}, DType::Float32, gen).to(kCuda);
  CHECK(accmt::autograd::fused_attention(q, q, q, 0.25, true).defined());
  Tensor wide = randn_cpu({2, 5, 200}, DType::Float32, gen).to(kCuda);
  CHECK_FALSE(accmt::autograd::fused_attention(wide, wide, wide, 0.1, false).defined());
  Tensor f64 = q.to(DType::Float64);
  CHECK_FALSE(accmt::autograd::fused_attention(f64, f64, f64, 0.25, false).defined());
}

TEST_CASE("calls the fused path does not take still match the CPU") {
  Tensor bool_mask = accmt::ones({20, 30}, {.dtype = DType::Bool}).tril(3);
  check_sdpa({{2}, 20, 30, 24, 24}, DType::Float32, false, bool_mask);
  check_sdpa({{2}, 20, 30, 24, 24}, DType::Float32, false, Tensor(), 0.3);  // dropout: same Philox stream
  check_sdpa({{2, 2}, 20, 30, 24, 16}, DType::Float64, true, Tensor(), 0.0, 1e-10, 1e-12);
  check_sdpa({{1}, 9, 12, 160, 136}, DType::Float32, true);  // wider than the kernels take
}

TEST_CASE("broadcast batch dims use the math path") {
  accmt::Generator gen(9);
  Tensor q = randn_cpu({2, 3, 10, 8}, DType::Float32, gen), k = randn_cpu({1, 3, 12, 8}, DType::Float32, gen);
  Tensor v = randn_cpu({2, 1, 12, 8}, DType::Float32, gen);
  Tensor cpu = F::scaled_dot_product_attention(q, k, v, Tensor(), 0.0, true);
  CHECK(same_as_cpu(F::scaled_dot_product_attention(q.to(kCuda), k.to(kCuda), v.to(kCuda), Tensor(), 0.0, true), cpu,
                    "broadcast sdpa", 1e-4, 2e-5));
}

TEST_CASE("create_graph backward through the fused op gives second derivatives") {
  accmt::Generator gen(11);
  Tensor q = randn_cpu({2, 6, 8}, DType::Float32, gen), k = randn_cpu({2, 7, 8}, DType::Float32, gen);
  Tensor v = randn_cpu({2, 7, 8}, DType::Float32, gen);
  auto second = [&](const accmt::Device& dev) {
    Tensor qd = q.to(dev).requires_grad_(), kd = k.to(dev).requires_grad_(), vd = v.to(dev).requires_grad_();
    Tensor out = F::scaled_dot_product_attention(qd, kd, vd, Tensor(), 0.0, true);
    std::vector<Tensor> g = accmt::autograd::grad({out.pow(2.0).sum()}, {qd}, {}, true, true);
    g[0].pow(2.0).sum().backward();
    return std::vector<Tensor>{g[0].detach(), kd.grad(), vd.grad()};
  };
  std::vector<Tensor> cpu = second(accmt::Device("cpu")), gpu = second(kCuda);
  for (int i = 0; i < 3; ++i) CHECK(same_as_cpu(gpu[i], cpu[i], "second order " + std::to_string(i), 1e-4, 1e-5));
}

TEST_CASE("fused backward is deterministic") {
  accmt::Generator gen(13);
  Tensor q = randn_cpu({3, 100, 64}, DType::BFloat16, gen).to(kCuda);
  Tensor k = randn_cpu({3, 90, 64}, DType::BFloat16, gen).to(kCuda);
  std::vector<Tensor> first;
  for (int run = 0; run < 2; ++run) {
    Tensor qd = q.detach().requires_grad_(), kd = k.detach().requires_grad_();
    Tensor out = F::scaled_dot_product_attention(qd, kd, kd, Tensor(), 0.0, false);
    out.sum().backward();
    if (run == 0) {
      first = {qd.grad().cpu(), kd.grad().cpu()};
    } else {
      CHECK(qd.grad().cpu().equal(first[0]));
      CHECK(kd.grad().cpu().equal(first[1]));
    }
  }
}

TEST_CASE("fused attention forward and backward replay in a CUDA graph") {
  // Width 128 takes the kernels' large shared-memory opt-in; backward uses a workspace.
  const Shape shape{2, 40, 128};
  Tensor q = accmt::zeros(shape, {.device = kCuda}), k = accmt::zeros(shape, {.device = kCuda});
  Tensor v = accmt::zeros(shape, {.device = kCuda}), gy = accmt::zeros(shape, {.device = kCuda});
  auto run = [&] {
    auto f = accmt::native::attention_forward(q, k, v, 0.1, true);
    REQUIRE(f.has_value());
    auto g = accmt::native::attention_backward(q, k, v, f->out, f->lse, gy, 0.1, true);
    REQUIRE(g.has_value());
    return std::vector<Tensor>{f->out, (*g)[0], (*g)[1], (*g)[2]};
  };
  (void)run();  // warm up outside the capture
  accmt::cuda::synchronize();
  accmt::cuda::Graph graph;
  graph.capture_begin();
  std::vector<Tensor> captured = run();
  graph.capture_end();
  accmt::Generator gen(21);
  for (int round = 0; round < 3; ++round) {
    for (Tensor* t : {&q, &k, &v, &gy}) t->copy_(randn_cpu(shape, DType::Float32, gen).to(kCuda));
    graph.replay();
    std::vector<Tensor> eager = run();
    for (int i = 0; i < 4; ++i) CHECK(captured[i].cpu().equal(eager[i].cpu()));
  }
}

}  // TEST_SUITE
