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

namespace {
// An in-place write into a view of a tensor in the graph: the base's history becomes
// "old base with the view's region replaced by `result`", and the view is re-derived from
// the new base (the idea behind PyTorch's CopySlices).
void rebase_view_history(Tensor& self, const Tensor& result, const char* op) {
  Tensor base = self.base();
  ACCMT_CHECK(base.is_contiguous(), op, ": in-place writes into a view need a contiguous base tensor for autograd; "
              "the base has shape ", shape_str(base.sizes()), " and strides ", shape_str(base.strides()));
  Shape vsizes = self.sizes(), vstrides = self.strides();
  int64_t rel_offset = self.storage_offset() - base.storage_offset();
  DType result_dtype = result.dtype();
  record("copy_slices", {base, result}, {base}, [=](const Grads& g) -> std::vector<Tensor> {
    Tensor gb = g[0].contiguous();
    std::vector<Tensor> r(2);
    if (g.needs_input(0)) {
      // The overwritten region gets no gradient from the old base.
      Tensor keep = ones_like(gb);
      native::fill_(make_view(keep, vsizes, vstrides, rel_offset), 0);
      r[0] = gb * keep;
    }
    if (g.needs_input(1)) r[1] = gb.as_strided(vsizes, vstrides, gb.storage_offset() + rel_offset).to(result_dtype);
    return r;
  });
  Tensor fresh = base.as_strided(vsizes, vstrides, self.storage_offset());
  AutogradMeta& meta = self.impl()->meta();
  meta.grad_fn = fresh.grad_fn();
  meta.output_nr = 0;
  meta.requires_grad = true;
  self.impl()->view_version = self.version();
}
}  // namespace

Tensor& commit_inplace(Tensor& self, const Tensor& result, const char* op) {
  check_inplace(self, op);
  ACCMT_CHECK(result.sizes() == self.sizes(), op, ": the result shape ", shape_str(result.sizes()),
              " does not match the in-place target's shape ", shape_str(self.sizes()), " (broadcasting cannot grow self)");
  bool in_graph = GradMode::is_enabled() && (self.requires_grad() || (self.is_view() && self.base().requires_grad()));
  Tensor res = result;
  if (!res.requires_grad() && in_graph) {
    // Constant values overwrite self: the old values get a zero gradient, but self stays
    // in the graph (as in PyTorch, where y.fill_(0) keeps requires_grad).
    res = result.detach();
    record(op, {self}, {res}, [](const Grads& g) -> std::vector<Tensor> { return {zeros_like(g[0])}; });
  }
  {
    NoGradGuard guard;
    native::copy_(self, res);
  }
  bump_version(self);
  if (!res.requires_grad()) return self;
  if (self.is_view()) {
    rebase_view_history(self, res, op);
    return self;
  }
  AutogradMeta& meta = self.impl()->meta();
  meta.grad_fn = res.grad_fn();
  meta.output_nr = res.impl()->autograd->output_nr;
  meta.requires_grad = true;
  return self;
}

}  // namespace accmt::autograd
