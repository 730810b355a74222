// Central-difference gradient check: compares each column of the numeric Jacobian with
// the analytic vector-Jacobian products from the autograd engine.
#include "autograd/gradcheck.hpp"

#include <cmath>
#include <sstream>

#include "autograd/grad_mode.hpp"
#include "autograd/node.hpp"
#include "tensor/native.hpp"

namespace accmt::autograd {

namespace {
double get(const Tensor& t, int64_t flat) { return t.reshape({-1})[flat].item<double>(); }
}  // namespace

bool gradcheck(const GradcheckFn& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& opts) {
  std::vector<Tensor> diff_inputs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    if (!t.defined() || !t.requires_grad()) continue;
    ACCMT_CHECK(t.dtype() == DType::Float64, "gradcheck: input ", i, " must be float64 for a meaningful check, got ",
                dtype_name(t.dtype()));
    diff_inputs.push_back(t);
  }
  ACCMT_CHECK(!diff_inputs.empty(), "gradcheck: no input requires grad");

  Tensor out = fn(inputs);
  ACCMT_CHECK(out.defined() && out.dtype() == DType::Float64, "gradcheck: the function must return a float64 tensor");
  const int64_t n_out = out.numel();

  // Analytic: one backward per output element (rows of the Jacobian).
  std::vector<std::vector<Tensor>> analytic(static_cast<size_t>(n_out));
  for (int64_t o = 0; o < n_out; ++o) {
    Tensor y = fn(inputs);
    Tensor seed = zeros({n_out}, {.dtype = DType::Float64});
    {
      NoGradGuard ng;
      seed[o].fill_(1.0);
    }
    analytic[static_cast<size_t>(o)] =
        grad({y}, diff_inputs, {seed.view(y.sizes())}, /*retain_graph=*/false, false, /*allow_unused=*/true);
  }

  // Numeric: perturb each input element in place (no graph) and difference the outputs.
  for (size_t k = 0; k < diff_inputs.size(); ++k) {
    const Tensor& x = diff_inputs[k];
    Tensor flat = make_view(x, {x.numel()}, {1}, x.storage_offset());
    ACCMT_CHECK(x.is_contiguous(), "gradcheck: inputs must be contiguous leaves (pass a non-contiguous view "
                "from inside fn instead)");
    for (int64_t e = 0; e < x.numel(); ++e) {
      double orig;
      Tensor plus, minus;
      {
        NoGradGuard ng;
        Tensor cell = flat[e];
        orig = cell.item<double>();
        native::fill_(cell, orig + opts.eps);
        plus = fn(inputs).detach().clone();
        native::fill_(cell, orig - opts.eps);
        minus = fn(inputs).detach().clone();
        native::fill_(cell, orig);
      }
      for (int64_t o = 0; o < n_out; ++o) {
        double numeric = (get(plus, o) - get(minus, o)) / (2 * opts.eps);
        const Tensor& g = analytic[static_cast<size_t>(o)][k];
        double a = g.defined() ? get(g, e) : 0.0;
        if (std::fabs(a - numeric) > opts.atol + opts.rtol * std::fabs(numeric) || std::isnan(a) != std::isnan(numeric)) {
          if (!opts.raise) return false;
          std::ostringstream msg;
          msg << "gradcheck: Jacobian mismatch for input " << k << " (shape " << shape_str(x.sizes()) << ") element "
              << e << ", output element " << o << ": numeric " << numeric << " vs analytic " << a;
          throw Error(msg.str());
        }
      }
    }
  }
  return true;
}

}  // namespace accmt::autograd
