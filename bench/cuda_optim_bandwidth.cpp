// Memory bandwidth of the fused CUDA Adam and SGD steps against a device-to-device copy
// on one large float32 parameter, and of the multi-tensor AdamW over GPT-2 small's
// parameter list (the kernels are memory bound, so the ratio is the figure of merit; the
// target is at least 0.7). Run: build/bench/accmt_bench_cuda_optim
#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

#include "bench/gpt2_params.hpp"
#include "kernels/cuda/runtime.hpp"
#include "optim/optim.hpp"
#include "tensor/random.hpp"
using namespace accmt;
namespace kc = accmt::kernels::cuda;

namespace {

// The fastest of 20 timed runs of f, in milliseconds (CUDA events on the current stream).
double best_ms(const std::function<void()>& f) {
  void* start = kc::create_event(0, true);
  void* stop = kc::create_event(0, true);
  double best = 1e30;
  for (int r = 0; r < 23; ++r) {
    kc::record_event(0, start, kc::current_stream(0));
    f();
    kc::record_event(0, stop, kc::current_stream(0));
    kc::event_synchronize(0, stop);
    if (r >= 3) best = std::min(best, double(kc::event_elapsed_ms(0, start, stop)));  // 3 warm-ups
  }
  kc::destroy_event(0, start);
  kc::destroy_event(0, stop);
  return best;
}

}  // namespace

int main() {
  if (kc::device_count() == 0) {
    std::printf("no CUDA device\n");
    return 0;
  }
  const Device cuda("cuda:0");
  const int64_t n = int64_t(1) << 26;  // 64 Mi float32 elements, 256 MiB per tensor
  Tensor src = randn({n}).to(cuda), dst = randn({n}).to(cuda);
  const double copy_ms = best_ms([&] { dst.copy_(src); });
  const double copy_gbs = 2.0 * 4 * double(n) / copy_ms / 1e6;

  Tensor p = randn({n}).to(cuda).requires_grad_();
  p.set_grad(randn({n}).to(cuda));
  optim::Adam adam({p}, {.lr = 1e-3, .weight_decay = 0.01, .amsgrad = false});
  adam.step();  // creates the state
  const double adam_ms = best_ms([&] { adam.step(); });
  const double adam_gbs = 7.0 * 4 * double(n) / adam_ms / 1e6;  // reads p, g, m, v; writes p, m, v

  optim::SGD sgd({p}, {.lr = 1e-3, .momentum = 0.9});
  sgd.step();
  const double sgd_ms = best_ms([&] { sgd.step(); });
  const double sgd_gbs = 5.0 * 4 * double(n) / sgd_ms / 1e6;  // reads p, g, buf; writes p, buf

  // The multi-tensor AdamW over GPT-2 small's 148 tensors (124M float32 parameters):
  // many launches' worth of tensors in a few launches (bench/gpt2_params.hpp).
  std::vector<Tensor> ps;
  double total = 0;
  for (const Shape& s : bench::gpt2_small_shapes()) {
    Tensor t = randn(s).to(cuda).requires_grad_();
    t.set_grad(randn(s).to(cuda));
    total += double(t.numel());
    ps.push_back(t);
  }
  optim::AdamW multi(ps, {.lr = 1e-4, .weight_decay = 0.1});
  multi.step();
  const double multi_ms = best_ms([&] { multi.step(); });
  const double multi_gbs = 7.0 * 4 * total / multi_ms / 1e6;

  std::printf("copy %.3f ms (%.0f GB/s)\n", copy_ms, copy_gbs);
  std::printf("adamw multi-tensor, GPT-2 small (%zu tensors, %.1fM) %.3f ms (%.0f GB/s, %.2f of copy)\n", ps.size(),
              total / 1e6, multi_ms, multi_gbs, multi_gbs / copy_gbs);
  std::printf("adam %.3f ms (%.0f GB/s, %.2f of copy)\n", adam_ms, adam_gbs, adam_gbs / copy_gbs);
  std::printf("sgd  %.3f ms (%.0f GB/s, %.2f of copy)\n", sgd_ms, sgd_gbs, sgd_gbs / copy_gbs);
}
