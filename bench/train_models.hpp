#pragma once
// The two training steps of issue 3's benchmark, built from nn modules, the fused
// cross-entropy and optim::AdamW: MLP 784-512-512-10 (batch 128) and a small
// MNIST-shaped CNN (conv 32, conv 64, fc 128; batch 64). bench/peer_torch.py builds the
// same models in PyTorch.
#include <functional>
#include <memory>

#include "accmt/accmt.hpp"

namespace accmt::bench {

struct Mlp : nn::Module {
  std::shared_ptr<nn::Linear> fc1 = register_module("fc1", nn::Linear(784, 512));
  std::shared_ptr<nn::Linear> fc2 = register_module("fc2", nn::Linear(512, 512));
  std::shared_ptr<nn::Linear> fc3 = register_module("fc3", nn::Linear(512, 10));
  Tensor forward(const Tensor& x) override {
    return fc3->forward(fc2->forward(fc1->forward(x).relu()).relu());
  }
};

struct Cnn : nn::Module {
  std::shared_ptr<nn::Conv2d> conv1 = register_module("conv1", nn::Conv2d(1, 32, 3, {.padding = 1}));
  std::shared_ptr<nn::Conv2d> conv2 = register_module("conv2", nn::Conv2d(32, 64, 3, {.padding = 1}));
  std::shared_ptr<nn::Linear> fc1 = register_module("fc1", nn::Linear(64 * 7 * 7, 128));
  std::shared_ptr<nn::Linear> fc2 = register_module("fc2", nn::Linear(128, 10));
  Tensor forward(const Tensor& x) override {
    namespace F = nn::functional;
    Tensor h = F::max_pool2d(conv1->forward(x).relu(), 2);
    h = F::max_pool2d(conv2->forward(h).relu(), 2);
    return fc2->forward(fc1->forward(h.flatten(1)).relu());
  }
};

// One optimizer step: zero_grad(set_to_none), forward, cross-entropy, backward, AdamW.
template <class Model> std::function<void()> train_step(const Shape& input_shape, uint64_t seed) {
  manual_seed(seed);
  auto model = std::make_shared<Model>();
  auto opt = std::make_shared<optim::AdamW>(model->parameters(), optim::AdamWOptions{.lr = 1e-3});
  Generator g(seed);
  Tensor x = randn(input_shape, {}, &g);
  Tensor y = randint(0, 10, {input_shape[0]}, {.dtype = DType::Int64}, &g);
  return [model, opt, x, y] {
    opt->zero_grad(true);
    nn::functional::cross_entropy(model->forward(x), y).backward();
    opt->step();
  };
}

}  // namespace accmt::bench
