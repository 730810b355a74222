// One AdamW step over the parameters of an MLP 784-512-512-10 (float32, gradients set
// once), the minimum over 31 runs of 10 steps. Compare with bench/optim_step_torch.py on
// the same thread count:  OMP_NUM_THREADS=2 build/bench/accmt_bench_optim
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "optim/optim.hpp"
#include "tensor/random.hpp"
using namespace accmt;
int main() {
  std::vector<Shape> shapes{{512, 784}, {512}, {512, 512}, {512}, {10, 512}, {10}};
  std::vector<Tensor> ps;
  for (auto& s : shapes) {
    Tensor p = randn(s).requires_grad_();
    p.set_grad(randn(s));
    ps.push_back(p);
  }
  optim::AdamW opt(ps, {.lr = 1e-3, .weight_decay = 0.01});
  for (int i = 0; i < 20; ++i) opt.step();
  std::vector<double> t;
  for (int r = 0; r < 31; ++r) {
    auto a = std::chrono::steady_clock::now();
    for (int i = 0; i < 10; ++i) opt.step();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count() / 10);
  }
  std::sort(t.begin(), t.end());
  std::printf("accmt AdamW step: %.1f us (min over 31x10)\n", t[0] * 1e6);
}
