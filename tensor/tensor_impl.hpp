#pragma once
// The object a Tensor handle points to. Only tensor/ and autograd/ include this.
#include <atomic>
#include <map>
#include <memory>

#include "tensor/tensor.hpp"

namespace accmt {

struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;
  std::shared_ptr<autograd::Node> grad_fn;  // null for leaves
  uint32_t output_nr = 0;
  std::weak_ptr<autograd::Node> grad_accumulator;  // leaves: the AccumulateGrad node
  bool retains_grad = false;
  int64_t retain_hook = -1;
  std::map<int64_t, TensorHook> leaf_hooks;  // leaves run these before accumulating
  std::map<int64_t, PostAccumulateHook> post_accumulate_hooks;
};

struct TensorImpl {
  Storage storage;
  Shape sizes;
  Shape strides;
  int64_t offset = 0;
  DType dtype = DType::Float32;
  // Shared by all views of one storage (and detached aliases): counts in-place writes.
  std::shared_ptr<std::atomic<uint64_t>> version = std::make_shared<std::atomic<uint64_t>>(0);
  // Set for views: the tensor whose storage this one views (never itself a view).
  std::shared_ptr<TensorImpl> view_base;
  // Views: the shared version when this view's autograd history was derived. A later
  // in-place write to the base or a sibling makes it stale (autograd re-derives it).
  uint64_t view_version = 0;
  std::unique_ptr<AutogradMeta> autograd;

  AutogradMeta& meta() {
    if (!autograd) autograd = std::make_unique<AutogradMeta>();
    return *autograd;
  }
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t s : sizes) n *= s;
    return n;
  }
};

Shape contiguous_strides(const Shape& sizes);
// A fresh tensor with contiguous strides on storage it owns.
Tensor make_tensor(const Shape& sizes, DType dtype, Device device);
// A view of `base`'s storage with new geometry (no autograd record).
Tensor make_view(const Tensor& base, Shape sizes, Shape strides, int64_t offset);
// New geometry over a buffer the caller just allocated and owns alone (not a view).
Tensor restride_fresh(const Tensor& fresh, Shape sizes, Shape strides);
void bump_version(const Tensor& t);
int64_t normalize_dim(int64_t dim, int64_t ndim, const char* op);
// Same, naming the tensor's shape in the error.
int64_t normalize_dim(int64_t dim, const Shape& sizes, const char* op);
// broadcast_shapes whose error names the op.
Shape broadcast_shapes_for(const char* op, const Shape& a, const Shape& b);
// "MulBackward0"-style label of t's grad_fn for printing (defined by the autograd layer).
std::string grad_fn_label(const Tensor& t);

}  // namespace accmt
