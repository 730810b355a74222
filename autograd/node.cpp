// Nodes, saved tensors and graph recording.
#include "autograd/node.hpp"

#include <atomic>

#include "autograd/grad_mode.hpp"
#include "tensor/native.hpp"

namespace accmt::autograd {

namespace {
std::atomic<uint64_t> g_next_sequence_nr{0};
}

Node::Node() : sequence_nr_(g_next_sequence_nr++) {}

std::vector<Tensor> FunctionNode::apply(std::vector<Tensor>&& grads) {
  if (!fn_)
    throw AutogradError("autograd: trying to backward through the graph a second time (op " + name_ +
                        "): its saved tensors were freed after the first backward; pass retain_graph=true to "
                        "the first backward if you need to backward twice");
  Grads g;
  g.out = std::move(grads);
  // Outputs that received no gradient count as zeros.
  for (size_t i = 0; i < g.out.size(); ++i)
    if (!g.out[i].defined()) {
      g.out[i] = native::empty(outputs[i].sizes, outputs[i].dtype, outputs[i].device);
      native::fill_(g.out[i], 0);
    }
  g.node = shared_from_this();
  g.needs.resize(next_edges.size());
  for (size_t i = 0; i < next_edges.size(); ++i) g.needs[i] = next_edges[i].valid();
  return fn_(g);
}

Tensor AccumulateGrad::run_hooks(Tensor g) const {
  for (auto& [handle, hook] : leaf_.impl()->meta().leaf_hooks) {
    Tensor replaced = hook(g);
    if (replaced.defined()) g = replaced;
  }
  return g;
}

std::vector<Tensor> AccumulateGrad::apply(std::vector<Tensor>&& grads) {
  Tensor g = std::move(grads[0]);
  if (!g.defined()) return {};
  AutogradMeta& meta = leaf_.impl()->meta();
  g = run_hooks(std::move(g));
  Tensor current = meta.grad;
  if (!current.defined()) {
    // Keep the incoming buffer if nothing else can see it; otherwise copy, so two
    // leaves never share one .grad.
    bool exclusive = g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1 && g.is_contiguous() &&
                     !g.is_view() && !g.requires_grad();
    meta.grad = (GradMode::is_enabled() || exclusive) ? g : g.detach().clone();
    if (!GradMode::is_enabled() && meta.grad.requires_grad()) meta.grad = meta.grad.detach();
  } else if (GradMode::is_enabled()) {
    meta.grad = current + g;  // create_graph: keep the graph of the accumulation
  } else {
    native::binary_out(ops::Binary::Add, current, current, g);
    bump_version(current);
  }
  for (auto& [handle, hook] : meta.post_accumulate_hooks) hook(leaf_);
  return {};
}

SavedTensor::SavedTensor(const Tensor& t, bool is_output, uint32_t output_nr)
    : is_output_(is_output), output_nr_(output_nr) {
  if (!t.defined()) return;
  tensor_ = is_output ? t.detach() : t;
  version_ = t.version();
}

Tensor SavedTensor::get(const Grads& g) const {
  Tensor t = get();
  if (!is_output_ || !t.defined() || !GradMode::is_enabled() || !g.node) return t;
  // Double backward: the saved output must carry its producer's history.
  Tensor attached = t.detach();
  AutogradMeta& meta = attached.impl()->meta();
  meta.grad_fn = g.node;
  meta.output_nr = output_nr_;
  meta.requires_grad = true;
  return attached;
}

Tensor SavedTensor::get() const {
  if (tensor_.defined() && tensor_.version() != version_)
    throw AutogradError("autograd: one of the tensors needed for gradient computation was modified by an in-place "
                        "operation: a " + std::string(dtype_name(tensor_.dtype())) + " tensor of shape " +
                        shape_str(tensor_.sizes()) + " is at version " + std::to_string(tensor_.version()) +
                        "; expected version " + std::to_string(version_) +
                        ". Clone it before modifying it, or modify a copy.");
  return tensor_;
}

bool refresh_stale_view(const Tensor& t) {
  TensorImpl& impl = *t.impl();
  if (!impl.view_base || impl.view_version == impl.version->load()) return false;
  Tensor base(impl.view_base);
  if (!base.requires_grad()) return false;
  // The base (or a sibling view) was written in place after this view's history was
  // recorded: derive the view again from the base's current history.
  Tensor fresh;
  {
    EnableGradGuard grad_on;
    fresh = base.as_strided(t.sizes(), t.strides(), t.storage_offset());
  }
  AutogradMeta& meta = impl.meta();
  meta.grad_fn = fresh.grad_fn();
  meta.output_nr = 0;
  meta.requires_grad = true;
  impl.view_version = impl.version->load();
  return true;
}

Edge gradient_edge(const Tensor& t) {
  if (t.defined()) refresh_stale_view(t);
  if (!t.defined() || !t.impl()->autograd) return {};
  AutogradMeta& meta = *t.impl()->autograd;
  if (meta.grad_fn) return {meta.grad_fn, meta.output_nr};
  if (!meta.requires_grad) return {};
  std::shared_ptr<Node> acc = meta.grad_accumulator.lock();
  if (!acc) {
    auto node = std::make_shared<AccumulateGrad>(t);
    node->outputs.push_back({t.sizes(), t.dtype(), t.device()});
    meta.grad_accumulator = node;
    acc = node;
  }
  return {acc, 0};
}

bool needs_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

void record(const char* name, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs, BackwardFn fn) {
  if (!needs_grad(inputs)) return;
  auto node = std::make_shared<FunctionNode>(name, std::move(fn));
  node->next_edges.reserve(inputs.size());
  for (const Tensor& t : inputs) node->next_edges.push_back(gradient_edge(t));
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    node->outputs.push_back({out.sizes(), out.dtype(), out.device()});
    if (!is_floating(out.dtype())) continue;  // integer outputs (indices) carry no gradient
    AutogradMeta& meta = out.impl()->meta();
    meta.requires_grad = true;
    meta.grad_fn = node;
    meta.output_nr = static_cast<uint32_t>(i);
    out.impl()->view_version = out.impl()->version->load();
  }
}

}  // namespace accmt::autograd
