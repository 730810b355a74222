// Dropout module over functional::dropout.
#include "nn/dropout.hpp"

#include "nn/functional/activation.hpp"
#include "nn/repr.hpp"

namespace accmt::nn {

Dropout::Dropout(double p_, const DropoutOptions& options) : p(p_), generator(options.generator) {
  ACCMT_CHECK(p >= 0.0 && p <= 1.0, "Dropout: probability has to be between 0 and 1, got ", p);
}

Tensor Dropout::forward(const Tensor& input) { return functional::dropout(input, p, is_training(), generator); }

// PyTorch prints inplace too; accmt's dropout is never in place.
std::string Dropout::extra_repr() const { return "p=" + py_float(p) + ", inplace=False"; }

}  // namespace accmt::nn
