// PyTorch-ordered pointwise helpers (see pointwise.hpp).
#include "optim/pointwise.hpp"

#include <cmath>

namespace accmt::optim::detail {

void lerp_(Tensor& self, const Tensor& end, double weight) {
  if (std::abs(weight) < 0.5)
    self.add_(end.sub(self).mul(weight));
  else
    self.copy_(end.sub(end.sub(self).mul(1.0 - weight)));
}

void addcmul_(Tensor& self, const Tensor& a, const Tensor& b, double value) { self.add_(a.mul(value).mul(b)); }

void addcdiv_(Tensor& self, const Tensor& a, const Tensor& b, double value) { self.add_(a.mul(value).div(b)); }

}  // namespace accmt::optim::detail
