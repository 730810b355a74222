#include "autograd/ops_util.hpp"

namespace accmt::autograd {

Tensor sum_to(const Tensor& grad, const Shape& shape) {
  if (grad.sizes() == shape) return grad;
  const int64_t lead = grad.dim() - static_cast<int64_t>(shape.size());
  Shape dims;
  for (int64_t i = 0; i < grad.dim(); ++i) {
    if (i < lead) dims.push_back(i);
    else if (shape[i - lead] == 1 && grad.size(i) != 1) dims.push_back(i);
  }
  Tensor r = dims.empty() ? grad : grad.sum(dims, /*keepdim=*/true);
  return r.reshape(shape);
}

DType float_dtype(const Tensor& t) { return is_floating(t.dtype()) ? t.dtype() : get_default_dtype(); }

Tensor scalar_like(const Scalar& s, const Tensor& t, DType dt) { return full({}, s, {.dtype = dt, .device = t.device()}); }

void check_inplace(const Tensor& self, const char* op) {
  native::check_defined(op, self);
  if (!GradMode::is_enabled()) return;
  if (self.is_leaf() && self.requires_grad())
    throw Error(std::string(op) + ": a leaf tensor that requires grad is being used in an in-place operation; "
                "wrap the update in NoGradGuard or work on a clone");
  if (self.is_view() && self.base().defined() && self.base().is_leaf() && self.base().requires_grad())
    throw Error(std::string(op) + ": a view of a leaf tensor that requires grad is being used in an in-place "
                "operation; wrap the update in NoGradGuard or work on a clone");
}

Tensor& commit_inplace(Tensor& self, const Tensor& result, const char* op) {
  check_inplace(self, op);
  ACCMT_CHECK(result.sizes() == self.sizes(), op, ": the result shape ", shape_str(result.sizes()),
              " does not match the in-place target's shape ", shape_str(self.sizes()), " (broadcasting cannot grow self)");
  bool had_grad = result.requires_grad();
  if (had_grad && self.is_view() && self.base().requires_grad())
    throw Error(std::string(op) + ": in-place operations on views of tensors that are part of an autograd graph are "
                "not supported yet; apply the operation out of place (e.g. y = y.op(...)) or clone the view first");
  {
    NoGradGuard guard;
    native::copy_(self, result);
  }
  bump_version(self);
  if (had_grad) {
    AutogradMeta& meta = self.impl()->meta();
    meta.grad_fn = result.grad_fn();
    meta.output_nr = result.impl()->autograd->output_nr;
    meta.requires_grad = true;
  }
  return self;
}

}  // namespace accmt::autograd
