// Whole training runs on cuda:0 against the same runs on the CPU: an MLP with GELU,
// dropout and LayerNorm, a small CNN, and a GPT-2 block language model, each trained with
// AdamW from identical initial weights and batches. Dropout masks come from the same
// Philox streams on both devices, so the runs must agree step by step: in float64 to
// near rounding, in float32 within a loose tolerance that allows for reassociation.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <vector>

#include <accmt/accmt.hpp>
#include "tests/cuda/parity.hpp"

using namespace accmt;
using accmt::test::cuda::kCuda;

namespace {

struct Mlp : nn::Module {
  std::shared_ptr<nn::Linear> fc1 = register_module("fc1", nn::Linear(20, 64));
  std::shared_ptr<nn::Dropout> drop = register_module("drop", nn::Dropout(0.1));
  std::shared_ptr<nn::LayerNorm> norm = register_module("norm", nn::LayerNorm(64));
  std::shared_ptr<nn::Linear> fc2 = register_module("fc2", nn::Linear(64, 5));
  Tensor forward(const Tensor& x) override {
    return fc2->forward(norm->forward(drop->forward(fc1->forward(x).gelu())));
  }
};

struct Cnn : nn::Module {
  std::shared_ptr<nn::Conv2d> conv1 = register_module("conv1", nn::Conv2d(1, 8, 3, {.padding = 1}));
  std::shared_ptr<nn::Conv2d> conv2 = register_module("conv2", nn::Conv2d(8, 16, 3, {.stride = 2}));
  std::shared_ptr<nn::Linear> fc = register_module("fc", nn::Linear(16 * 3 * 3, 10));
  Tensor forward(const Tensor& x) override {
    namespace F = nn::functional;
    Tensor h = F::max_pool2d(conv1->forward(x).relu(), 2);  // 16 -> 8
    h = conv2->forward(h).relu();                           // 8 -> 3
    return fc->forward(F::adaptive_avg_pool2d(h, {3, 3}).flatten(1));
  }
};

struct TinyLm : nn::Module {
  std::shared_ptr<nn::Embedding> wte = register_module("wte", nn::Embedding(50, 32));
  std::shared_ptr<nn::TransformerBlock> block =
      register_module("block", nn::TransformerBlock(32, 4, {.dropout = 0.1}));
  std::shared_ptr<nn::Linear> head = register_module("head", nn::Linear(32, 50));
  Tensor forward(const Tensor& tokens) override { return head->forward(block->forward(wte->forward(tokens))); }
};

struct Batch {
  Tensor x, y;
};

// Trains `model` on `device` for the given batches and returns the loss of every step.
// The batches live on the CPU; the model starts from `init` (a state_dict on the CPU).
template <class Model>
std::vector<double> train(const nn::StateDict& init, const std::vector<Batch>& batches,
                          Device device, DType dtype, std::shared_ptr<Model>* trained) {
  auto model = std::make_shared<Model>();
  model->load_state_dict(init);
  model->to(device, dtype);
  model->train();
  optim::AdamW opt(model->parameters(), {.lr = 3e-3, .weight_decay = 0.01});
  manual_seed(99);  // the dropout masks of both runs come from the same draws
  std::vector<double> losses;
  for (const Batch& b : batches) {
    opt.zero_grad(true);
    Tensor x = b.x.is_floating_point() ? b.x.to(device, dtype) : b.x.to(device);
    Tensor logits = model->forward(x);
    Tensor loss = nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), b.y.to(device).reshape({-1}));
    loss.backward();
    optim::clip_grad_norm_(model->parameters(), 1.0);
    opt.step();
    losses.push_back(loss.item<double>());
  }
  *trained = model;
  return losses;
}

template <class Model>
void check_parity(const std::vector<Batch>& batches, DType dtype, double rtol, double atol) {
  manual_seed(5);
  auto reference = std::make_shared<Model>();
  const auto init = reference->state_dict();
  std::shared_ptr<Model> cpu_model, cuda_model;
  const auto cpu_losses = train<Model>(init, batches, kCPU, dtype, &cpu_model);
  const auto cuda_losses = train<Model>(init, batches, kCuda, dtype, &cuda_model);
  REQUIRE(cpu_losses.size() == cuda_losses.size());
  int bad = 0;
  for (size_t i = 0; i < cpu_losses.size(); ++i) {
    if (std::fabs(cpu_losses[i] - cuda_losses[i]) > atol + rtol * std::fabs(cpu_losses[i]) && bad++ < 5)
      MESSAGE("step ", i, ": cpu loss ", cpu_losses[i], " cuda loss ", cuda_losses[i]);
  }
  CHECK(bad == 0);
  // The losses went down: the comparison is of real training, not of a stuck model.
  CHECK(cpu_losses.back() < cpu_losses.front());
  const auto cpu_params = cpu_model->named_parameters();
  const auto cuda_params = cuda_model->named_parameters();
  REQUIRE(cpu_params.size() == cuda_params.size());
  for (size_t i = 0; i < cpu_params.size(); ++i) {
    REQUIRE(cpu_params[i].first == cuda_params[i].first);
    // Looser than the losses: Adam's first steps move near-zero gradients by +-lr, so a
    // rounding difference in such an element shows in the parameter, not in the loss.
    CHECK(accmt::test::check_close(cuda_params[i].second.cpu(), cpu_params[i].second, std::max(rtol * 100, 1e-6),
                                   std::max(atol * 100, 1e-8), cpu_params[i].first));
  }
}

std::vector<Batch> regression_batches(int steps) {
  Generator g(21);
  std::vector<Batch> out;
  for (int i = 0; i < steps; ++i)
    out.push_back({randn({32, 20}, {.dtype = DType::Float64}, &g), randint(0, 5, {32}, {.dtype = DType::Int64}, &g)});
  return out;
}

std::vector<Batch> image_batches(int steps) {
  Generator g(22);
  std::vector<Batch> out;
  for (int i = 0; i < steps; ++i)
    out.push_back({randn({16, 1, 16, 16}, {.dtype = DType::Float64}, &g),
                   randint(0, 10, {16}, {.dtype = DType::Int64}, &g)});
  return out;
}

std::vector<Batch> token_batches(int steps) {
  Generator g(23);
  std::vector<Batch> out;
  for (int i = 0; i < steps; ++i) {
    Tensor tokens = randint(0, 50, {4, 17}, {.dtype = DType::Int64}, &g);
    out.push_back({tokens.slice(1, 0, 16), tokens.slice(1, 1, 17).contiguous()});
  }
  return out;
}

}  // namespace

TEST_SUITE("cuda.training") {
  TEST_CASE("MLP with dropout and LayerNorm: 300 AdamW steps match the CPU in float64") {
    check_parity<Mlp>(regression_batches(300), DType::Float64, 1e-8, 1e-10);
  }
  TEST_CASE("MLP in float32: 100 steps within float32 tolerance") {
    check_parity<Mlp>(regression_batches(100), DType::Float32, 2e-3, 1e-4);
  }
  TEST_CASE("CNN with pooling: 100 steps match the CPU in float64") {
    check_parity<Cnn>(image_batches(100), DType::Float64, 1e-8, 1e-10);
  }
  TEST_CASE("GPT-2 block language model with dropout: 100 steps match the CPU in float64") {
    check_parity<TinyLm>(token_batches(100), DType::Float64, 1e-8, 1e-10);
  }
}
