// MNIST-shaped convolution layers, forward + backward: conv 1->32 3x3 pad 1 on
// [64, 1, 28, 28], then conv 32->64 3x3 pad 1, loss = sum. bench/conv_peer_torch.py
// times the same step in PyTorch. Method: warm-up, then the median over --reps
// repetitions of a step count lasting at least --min-ms.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "nn/conv.hpp"

using namespace accmt;

int main(int argc, char** argv) {
  int threads = 2, reps = 7;
  double min_ms = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--threads") threads = std::atoi(argv[i + 1]);
    else if (a == "--reps") reps = std::atoi(argv[i + 1]);
    else if (a == "--min-ms") min_ms = std::atof(argv[i + 1]);
  }
  omp_set_num_threads(threads);
  Generator gen(0);
  nn::Conv2d c1(1, 32, 3, {.padding = 1, .generator = &gen}), c2(32, 64, 3, {.padding = 1, .generator = &gen});
  Tensor x = randn({64, 1, 28, 28}, {}, &gen);
  auto step = [&] {
    c1.zero_grad();
    c2.zero_grad();
    c2.forward(c1.forward(x)).sum().backward();
  };
  using clock = std::chrono::steady_clock;
  auto ms_since = [](clock::time_point t0) { return std::chrono::duration<double, std::milli>(clock::now() - t0).count(); };
  step();
  int iters = 1;
  for (;;) {
    auto t0 = clock::now();
    for (int i = 0; i < iters; ++i) step();
    if (ms_since(t0) >= min_ms) break;
    iters *= 2;
  }
  std::vector<double> per_step;
  for (int r = 0; r < reps; ++r) {
    auto t0 = clock::now();
    for (int i = 0; i < iters; ++i) step();
    per_step.push_back(ms_since(t0) / iters);
  }
  std::sort(per_step.begin(), per_step.end());
  std::printf("accmt conv 1->32->64 fwd+bwd [64,1,28,28] threads=%d: %.3f ms/step\n", threads, per_step[reps / 2]);
}
