// SparseAdam (see sparse_adam.hpp): rejected before the base class sees the parameters.
#include "optim/sparse_adam.hpp"

namespace accmt::optim {

namespace {
[[noreturn]] void reject() {
  throw Error(
      "SparseAdam: accmt has no sparse gradients (sparse tensors are not supported), so SparseAdam cannot be "
      "used; use Adam or AdamW, which work with dense gradients");
}
std::vector<Tensor> rejected(std::vector<Tensor>&&) { reject(); }
}  // namespace

SparseAdam::SparseAdam(std::vector<Tensor> params, SparseAdamOptions) : Optimizer(rejected(std::move(params)), {}) {}

void SparseAdam::step() { reject(); }

}  // namespace accmt::optim
