#pragma once
// Finite-difference gradient checking in float64, like torch.autograd.gradcheck.
#include <functional>
#include <string>
#include <vector>

#include "tensor/tensor.hpp"

namespace accmt::autograd {

struct GradcheckOptions {
  double eps = 1e-6;   // central-difference step
  double atol = 1e-5;
  double rtol = 1e-3;
  bool raise = true;   // throw accmt::Error with the details on mismatch (else return false)
};

using GradcheckFn = std::function<Tensor(const std::vector<Tensor>&)>;

// Compares the analytic Jacobian (from backward) of fn at `inputs` with central
// differences, for every input that requires grad. Inputs must be float64.
bool gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& opts = {});

}  // namespace accmt::autograd

namespace accmt {
using autograd::gradcheck;
using autograd::GradcheckOptions;
}  // namespace accmt
