// One AdamW step (float32, gradients set once), the minimum over 31 runs of 10 steps, on
// two parameter lists: the MLP 784-512-512-10 (6 tensors) and 300 small tensors (100 to
// 1296 elements, the many-small-tensors case the multi-tensor step is for). Each list
// runs the optimizer's multi-tensor step and, as the baseline, the per-parameter loop
// AdamW ran before (one native::adam_step_ per tensor, the same kernel math). Compare
// with bench/optim_step_torch.py on the same thread count:
//   OMP_NUM_THREADS=2 build/bench/accmt_bench_optim
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "autograd/grad_mode.hpp"
#include "optim/optim.hpp"
#include "tensor/native_optim.hpp"
#include "tensor/random.hpp"
using namespace accmt;

namespace {

double best_us(const std::function<void()>& step) {
  for (int i = 0; i < 20; ++i) step();
  std::vector<double> t;
  for (int r = 0; r < 31; ++r) {
    auto a = std::chrono::steady_clock::now();
    for (int i = 0; i < 10; ++i) step();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count() / 10);
  }
  return *std::min_element(t.begin(), t.end()) * 1e6;
}

std::vector<Tensor> make(const std::vector<Shape>& shapes) {
  std::vector<Tensor> ps;
  for (const auto& s : shapes) {
    Tensor p = randn(s).requires_grad_();
    p.set_grad(randn(s));
    ps.push_back(p);
  }
  return ps;
}

void run(const char* name, const std::vector<Shape>& shapes) {
  std::vector<Tensor> ps = make(shapes);
  optim::AdamW opt(ps, {.lr = 1e-3, .weight_decay = 0.01});
  const double multi = best_us([&] { opt.step(); });

  // The per-parameter loop AdamW ran before: per tensor, its CPU "step" tensor counts
  // up and is read, then one fused kernel call.
  std::vector<Tensor> qs = make(shapes);
  std::vector<Tensor> m, v, steps;
  for (const Tensor& q : qs) {
    m.push_back(zeros_like(q));
    v.push_back(zeros_like(q));
    steps.push_back(zeros({}));
  }
  const double single = best_us([&] {
    NoGradGuard no_grad;
    kernels::AdamStepArgs a{1e-3, 0.9, 0.999, 1e-8, 0.01, true, false, false, 0};
    for (size_t i = 0; i < qs.size(); ++i) {
      steps[i].add_(1);
      a.step = steps[i].item<double>();
      native::adam_step_(qs[i], qs[i].grad(), m[i], v[i], Tensor(), a);
    }
  });
  std::printf("accmt AdamW step %-10s (%3zu tensors): multi-tensor %.1f us, per-parameter %.1f us\n", name,
              shapes.size(), multi, single);
}

}  // namespace

int main() {
  run("mlp", {{512, 784}, {512}, {512, 512}, {512}, {10, 512}, {10}});
  std::vector<Shape> small;
  for (int i = 0; i < 300; ++i) small.push_back({100 + (i * 53) % 1197});
  run("300-small", small);
}
