// Trains y = 3x - 1 for a few steps: proves headers, library and dependencies install.
#include <accmt/accmt.hpp>

#include <iostream>

int main() {
  using namespace accmt;
  manual_seed(0);
  Tensor x = rand({64, 1}), y = x * 3 - 1;
  Tensor w = zeros({1, 1}, {.requires_grad = true}), b = zeros({1}, {.requires_grad = true});
  double first = 0, last = 0;
  for (int step = 0; step < 50; ++step) {
    Tensor loss = (x.matmul(w) + b - y).square().mean();
    loss.backward();
    {
      NoGradGuard no_grad;
      w.sub_(w.grad() * 0.5);
      b.sub_(b.grad() * 0.5);
    }
    w.set_grad(Tensor());
    b.set_grad(Tensor());
    (step == 0 ? first : last) = loss.item<double>();
  }
  std::cout << "loss " << first << " -> " << last << "\n";
  return last < first * 0.1 ? 0 : 1;
}
