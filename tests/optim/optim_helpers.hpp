#pragma once
// Shared pieces of the optimizer tests: the 4-5-3 tanh MLP of the trajectory fixtures,
// its loss, and short training loops.
#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <vector>

#include "autograd/grad_mode.hpp"
#include "optim/optim.hpp"
#include "tests/support/fixtures.hpp"

namespace optest {

using accmt::DType;
using accmt::Tensor;
namespace optim = accmt::optim;

using Factory = std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>&)>;

// The reference fixtures (inputs, initial parameters and trajectories).
inline const accmt::test::Fixtures& fixtures() {
  static accmt::test::Fixtures f(accmt::test::fixture_path("optim_trajectories.safetensors"));
  return f;
}

// Fresh leaf copies of the fixture's initial parameters (w1, b1, w2, b2) in `dtype`.
inline std::vector<Tensor> initial_params(DType dtype) {
  std::vector<Tensor> out;
  for (int i = 0; i < 4; ++i)
    out.push_back(fixtures().get("init." + std::to_string(i)).to(dtype, true).detach().requires_grad_());
  return out;
}

// mean((tanh(x w1^T + b1) w2^T + b2 - y)^2), exactly as the fixture script computes it.
inline Tensor mlp_loss(const std::vector<Tensor>& p, DType dtype) {
  Tensor x = fixtures().get("x").to(dtype), y = fixtures().get("y").to(dtype);
  Tensor h = (x.matmul(p[0].t()) + p[1]).tanh();
  return (h.matmul(p[2].t()) + p[3] - y).square().mean();
}

inline void train_step(optim::Optimizer& opt, const std::vector<Tensor>& params, DType dtype) {
  opt.zero_grad();
  mlp_loss(params, dtype).backward();
  opt.step();
}

// Parameters [w1, b1] and [w2, b2] as two groups with their own option overrides.
inline std::vector<optim::ParamGroup> two_groups(const std::vector<Tensor>& p, optim::Options first,
                                                 optim::Options second) {
  return {optim::ParamGroup{{p[0], p[1]}, std::move(first)}, optim::ParamGroup{{p[2], p[3]}, std::move(second)}};
}

inline std::vector<Tensor> clones(const std::vector<Tensor>& params) {
  std::vector<Tensor> out;
  for (const Tensor& p : params) out.push_back(p.detach().clone().requires_grad_());
  return out;
}

}  // namespace optest
