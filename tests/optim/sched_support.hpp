#pragma once
// Shared by the scheduler tests: a minimal optimizer (schedulers only touch group options),
// the fixture cases of tests/reference/make_sched_fixtures.py, and curve recording.
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "optim/optimizer.hpp"
#include "optim/schedulers.hpp"
#include "tensor/tensor.hpp"

namespace accmt::test {

// Two groups with lr 0.1 and 0.02; the default lr (0.05) differs from both, as in the fixtures.
class FakeOptimizer final : public optim::Optimizer {
 public:
  explicit FakeOptimizer(optim::Options defaults) : Optimizer(two_groups(), std::move(defaults)) {}
  std::string name() const override { return "FakeOptimizer"; }
  void step() override { ++steps; }
  int steps = 0;

 private:
  static std::vector<optim::ParamGroup> two_groups() {
    return {{{zeros({2}).requires_grad_()}, {{"lr", 0.1}}}, {{zeros({3}).requires_grad_()}, {{"lr", 0.02}}}};
  }
};

enum class OptKind { sgd, adam, plain };

inline std::unique_ptr<FakeOptimizer> make_optimizer(OptKind kind) {
  switch (kind) {
    case OptKind::sgd: return std::make_unique<FakeOptimizer>(optim::Options{{"lr", 0.05}, {"momentum", 0.9}});
    case OptKind::adam:
      return std::make_unique<FakeOptimizer>(optim::Options{{"lr", 0.05}, {"beta1", 0.9}, {"beta2", 0.999}});
    case OptKind::plain: return std::make_unique<FakeOptimizer>(optim::Options{{"lr", 0.05}});
  }
  return nullptr;
}

// The cycled momentum of each group: beta1, else momentum, else 0 (as the fixture script).
inline std::vector<double> momenta(const optim::Optimizer& opt) {
  std::vector<double> out;
  for (const auto& g : opt.param_groups()) {
    auto b = g.options.find("beta1"), m = g.options.find("momentum");
    out.push_back(b != g.options.end() ? b->second : m != g.options.end() ? m->second : 0.0);
  }
  return out;
}

struct SchedCase {
  std::string name;  // fixture case name
  OptKind opt;
  std::function<std::shared_ptr<optim::LRScheduler>(optim::Optimizer&)> make;
};

constexpr int kFixtureSteps = 120;

// Each entry repeats the arguments of the Python case with the same name.
inline std::vector<SchedCase> sched_cases() {
  using namespace optim;
  using P = std::shared_ptr<LRScheduler>;
  using O = Optimizer&;
  const int64_t N = kFixtureSteps;
  return {
      {"step", OptKind::sgd, [](O o) -> P { return std::make_shared<StepLR>(o, 7, 0.5); }},
      {"linear", OptKind::sgd, [](O o) -> P { return std::make_shared<LinearLR>(o, 0.25, 0.9, 40); }},
      {"linear_default", OptKind::sgd, [](O o) -> P { return std::make_shared<LinearLR>(o); }},
      {"exponential", OptKind::sgd, [](O o) -> P { return std::make_shared<ExponentialLR>(o, 0.97); }},
      {"cosine", OptKind::sgd, [](O o) -> P { return std::make_shared<CosineAnnealingLR>(o, 30, 0.001); }},
      {"warm_restarts", OptKind::sgd,
       [](O o) -> P { return std::make_shared<CosineAnnealingWarmRestarts>(o, 10, 2, 0.001); }},
      {"warm_restarts_t1", OptKind::sgd, [](O o) -> P { return std::make_shared<CosineAnnealingWarmRestarts>(o, 7); }},
      {"lambda", OptKind::sgd,
       [](O o) -> P { return std::make_shared<LambdaLR>(o, [](int64_t e) { return std::pow(0.97, double(e)); }); }},
      {"lambda_groups", OptKind::sgd,
       [](O o) -> P {
         return std::make_shared<LambdaLR>(
             o, std::vector<LambdaLR::Fn>{[](int64_t e) { return 1.0 / double(e + 1); },
                                          [](int64_t e) { return 1.0 + 0.01 * double(e); }});
       }},
      {"cyclic_triangular", OptKind::sgd,
       [](O o) -> P {
         return std::make_shared<CyclicLR>(
             o, CyclicLROptions{.base_lr = {0.01, 0.002}, .max_lr = {0.1, 0.05}, .step_size_up = 10, .step_size_down = 15});
       }},
      {"cyclic_triangular2", OptKind::adam,
       [](O o) -> P {
         return std::make_shared<CyclicLR>(o, CyclicLROptions{.base_lr = {0.001},
                                                              .max_lr = {0.1, 0.04},
                                                              .step_size_up = 8,
                                                              .mode = "triangular2",
                                                              .base_momentum = {0.85},
                                                              .max_momentum = {0.95}});
       }},
      {"cyclic_exp_range", OptKind::sgd,
       [](O o) -> P {
         return std::make_shared<CyclicLR>(
             o, CyclicLROptions{.base_lr = {0.01}, .max_lr = {0.1}, .step_size_up = 12, .mode = "exp_range", .gamma = 0.98});
       }},
      {"cyclic_no_momentum", OptKind::plain,
       [](O o) -> P {
         return std::make_shared<CyclicLR>(
             o, CyclicLROptions{.base_lr = {0.01}, .max_lr = {0.1}, .step_size_up = 9, .cycle_momentum = false});
       }},
      {"onecycle_cos", OptKind::sgd,
       [N](O o) -> P { return std::make_shared<OneCycleLR>(o, OneCycleLROptions{.max_lr = {0.1, 0.04}, .total_steps = N}); }},
      {"onecycle_linear3", OptKind::adam,
       [](O o) -> P {
         return std::make_shared<OneCycleLR>(o, OneCycleLROptions{.max_lr = {0.2},
                                                                  .epochs = 10,
                                                                  .steps_per_epoch = 12,
                                                                  .pct_start = 0.25,
                                                                  .anneal_strategy = "linear",
                                                                  .base_momentum = {0.8, 0.82},
                                                                  .max_momentum = {0.9},
                                                                  .div_factor = 10.0,
                                                                  .final_div_factor = 100.0,
                                                                  .three_phase = true});
       }},
      {"onecycle_cos3", OptKind::sgd,
       [N](O o) -> P {
         return std::make_shared<OneCycleLR>(
             o, OneCycleLROptions{.max_lr = {0.1, 0.3}, .total_steps = N, .pct_start = 0.4, .three_phase = true});
       }},
      {"chained", OptKind::sgd,
       [](O o) -> P {
         return std::make_shared<ChainedScheduler>(std::vector<P>{std::make_shared<LinearLR>(o, 0.5, 1.0, 10),
                                                                  std::make_shared<ExponentialLR>(o, 0.97)});
       }},
      {"chained_cosine_step", OptKind::sgd,
       [](O o) -> P {
         return std::make_shared<ChainedScheduler>(std::vector<P>{std::make_shared<CosineAnnealingLR>(o, 25),
                                                                  std::make_shared<StepLR>(o, 30, 0.5)});
       }},
      {"sequential", OptKind::sgd,
       [](O o) -> P {
         return std::make_shared<SequentialLR>(
             o, std::vector<P>{std::make_shared<LinearLR>(o, 0.1, 1.0, 10), std::make_shared<CosineAnnealingLR>(o, 90, 0.0005)},
             std::vector<int64_t>{10});
       }},
      {"sequential3", OptKind::sgd,
       [](O o) -> P {
         return std::make_shared<SequentialLR>(
             o,
             std::vector<P>{std::make_shared<ExponentialLR>(o, 0.9),
                            std::make_shared<LambdaLR>(o, [](int64_t e) { return 1.0 / double(e + 1); }),
                            std::make_shared<StepLR>(o, 5, 0.8)},
             std::vector<int64_t>{20, 60});
       }},
      {"sequential_restarts", OptKind::sgd,
       [](O o) -> P {
         return std::make_shared<SequentialLR>(o,
                                               std::vector<P>{std::make_shared<LinearLR>(o, 0.5, 1.0, 5),
                                                              std::make_shared<CosineAnnealingWarmRestarts>(o, 10, 2)},
                                               std::vector<int64_t>{5});
       }},
      {"hf_constant", OptKind::sgd, [](O o) -> P { return std::make_shared<Constant>(o); }},
      {"hf_constant_warmup", OptKind::sgd, [](O o) -> P { return std::make_shared<ConstantWithWarmup>(o, 10); }},
      {"hf_linear_warmup", OptKind::sgd, [](O o) -> P { return std::make_shared<LinearWithWarmup>(o, 10, 100); }},
      {"hf_cosine_warmup", OptKind::sgd, [](O o) -> P { return std::make_shared<CosineWithWarmup>(o, 10, 100); }},
      {"hf_cosine_warmup_1_5", OptKind::sgd,
       [](O o) -> P { return std::make_shared<CosineWithWarmup>(o, 10, 100, 1.5); }},
      {"hf_hard_restarts", OptKind::sgd,
       [](O o) -> P { return std::make_shared<CosineWithHardRestartsWithWarmup>(o, 10, 100, 3); }},
      {"hf_polynomial", OptKind::sgd,
       [](O o) -> P { return std::make_shared<PolynomialDecayWithWarmup>(o, 10, 100, 1e-4, 2.0); }},
      {"hf_polynomial_default", OptKind::sgd,
       [](O o) -> P { return std::make_shared<PolynomialDecayWithWarmup>(o, 5, 110); }},
      {"hf_inverse_sqrt", OptKind::sgd, [](O o) -> P { return std::make_shared<InverseSQRT>(o, 10); }},
      {"hf_inverse_sqrt_timescale", OptKind::sgd, [](O o) -> P { return std::make_shared<InverseSQRT>(o, 10, 25); }},
      {"hf_inverse_sqrt_nowarmup", OptKind::sgd, [](O o) -> P { return std::make_shared<InverseSQRT>(o, 0); }},
  };
}

// Row 0: right after construction; row i: after the i-th step. Shape [steps + 1, groups].
struct Curves {
  std::vector<double> lr, momentum;
};

inline void record(const optim::LRScheduler& s, const optim::Optimizer& opt, Curves& c) {
  for (double v : s.get_last_lr()) c.lr.push_back(v);
  for (double v : momenta(opt)) c.momentum.push_back(v);
}

inline Curves run_curves(optim::LRScheduler& s, optim::Optimizer& opt, int steps) {
  Curves c;
  record(s, opt, c);
  for (int i = 0; i < steps; ++i) {
    opt.step();
    s.step();
    record(s, opt, c);
  }
  return c;
}

inline Tensor as_tensor(const std::vector<double>& v, size_t groups) {
  return tensor<double>(v, Shape{int64_t(v.size() / groups), int64_t(groups)});
}

}  // namespace accmt::test
