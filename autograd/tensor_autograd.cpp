// The autograd members of Tensor.
#include <atomic>
#include <cctype>

#include "autograd/grad_mode.hpp"
#include "autograd/node.hpp"
#include "tensor/native.hpp"

namespace accmt {

namespace {
std::atomic<int64_t> g_next_hook{0};
AutogradMeta* meta_or_null(const Tensor& t) { return t.impl()->autograd.get(); }
}  // namespace

bool Tensor::requires_grad() const {
  native::check_defined("requires_grad", *this);
  autograd::refresh_stale_view(*this);
  AutogradMeta* m = meta_or_null(*this);
  return m && (m->requires_grad || m->grad_fn);
}

Tensor& Tensor::requires_grad_(bool on) {
  native::check_defined("requires_grad_", *this);
  ACCMT_CHECK(is_leaf() || on, "requires_grad_: only leaf tensors can stop requiring grad; use detach()");
  ACCMT_CHECK(!on || is_floating(dtype()), "requires_grad_: only floating tensors can require gradients, got ",
              dtype_name(dtype()));
  impl()->meta().requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const {
  AutogradMeta* m = meta_or_null(*this);
  return m ? m->grad : Tensor();
}

void Tensor::set_grad(const Tensor& g) const {
  if (g.defined())
    ACCMT_CHECK(g.sizes() == sizes() && g.device() == device(), "set_grad: gradient of shape ", shape_str(g.sizes()),
                " on ", g.device().str(), " does not match the tensor's ", shape_str(sizes()), " on ", device().str());
  impl()->meta().grad = g;
}

std::shared_ptr<autograd::Node> Tensor::grad_fn() const {
  AutogradMeta* m = meta_or_null(*this);
  return m ? m->grad_fn : nullptr;
}

std::string grad_fn_label(const Tensor& t) {
  auto fn = t.grad_fn();
  if (!fn) return "";
  std::string name;
  bool upper = true;  // "index_select" -> "IndexSelectBackward0"
  for (char c : fn->name()) {
    if (c == '_') {
      upper = true;
      continue;
    }
    name += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return name + "Backward0";
}

bool Tensor::is_leaf() const { return grad_fn() == nullptr; }

void Tensor::retain_grad() const {
  ACCMT_CHECK(requires_grad(), "retain_grad: the tensor does not require grad");
  if (is_leaf()) return;  // leaves keep their grad anyway
  AutogradMeta& m = impl()->meta();
  if (m.retains_grad) return;
  m.retains_grad = true;
  std::weak_ptr<TensorImpl> weak = impl_ptr();
  m.retain_hook = register_hook([weak](const Tensor& g) {
    if (auto self = weak.lock()) {
      AutogradMeta& mm = self->meta();
      Tensor copy = g.detach().clone();
      mm.grad = mm.grad.defined() ? native::binary(ops::Binary::Add, mm.grad, copy, copy.dtype()) : copy;
    }
    return Tensor();
  });
}

bool Tensor::retains_grad() const {
  AutogradMeta* m = meta_or_null(*this);
  return m && m->retains_grad;
}

void Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  autograd::backward({*this}, {gradient}, retain_graph, create_graph);
}

int64_t Tensor::register_hook(TensorHook hook) const {
  ACCMT_CHECK(requires_grad(), "register_hook: cannot register a hook on a tensor that does not require grad");
  int64_t handle = g_next_hook++;
  AutogradMeta& m = impl()->meta();
  if (m.grad_fn) m.grad_fn->pre_hooks[m.output_nr][handle] = std::move(hook);
  else m.leaf_hooks[handle] = std::move(hook);
  return handle;
}

void Tensor::remove_hook(int64_t handle) const {
  AutogradMeta* m = meta_or_null(*this);
  if (!m) return;
  if (m->grad_fn) m->grad_fn->pre_hooks[m->output_nr].erase(handle);
  m->leaf_hooks.erase(handle);
  m->post_accumulate_hooks.erase(handle);
}

int64_t Tensor::register_post_accumulate_grad_hook(PostAccumulateHook hook) const {
  ACCMT_CHECK(is_leaf() && requires_grad(),
              "register_post_accumulate_grad_hook: only leaf tensors that require grad accumulate gradients");
  int64_t handle = g_next_hook++;
  impl()->meta().post_accumulate_hooks[handle] = std::move(hook);
  return handle;
}

Tensor Tensor::detach() const {
  native::check_defined("detach", *this);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = this->impl()->storage;
  impl->sizes = sizes();
  impl->strides = strides();
  impl->offset = storage_offset();
  impl->dtype = dtype();
  impl->version = this->impl()->version;  // in-place changes stay visible to saved tensors
  return Tensor(std::move(impl));
}

void Tensor::set_data(const Tensor& new_data) const {
  native::check_defined("set_data", *this);
  native::check_defined("set_data", new_data);
  ACCMT_CHECK(!requires_grad() || is_floating(new_data.dtype()), "set_data: a tensor that requires grad needs floating "
              "data, got ", dtype_name(new_data.dtype()));
  TensorImpl& self = *impl();
  const TensorImpl& src = *new_data.impl();
  self.storage = src.storage;
  self.sizes = src.sizes;
  self.strides = src.strides;
  self.offset = src.offset;
  self.dtype = src.dtype;
  self.version = src.version;
  self.view_base = nullptr;
}

Tensor& Tensor::detach_() {
  ACCMT_CHECK(!is_view() || !requires_grad(), "detach_: cannot detach a view of a tensor that requires grad in place; "
              "use detach()");
  if (impl()->autograd) {
    impl()->autograd->grad_fn = nullptr;
    impl()->autograd->requires_grad = false;
  }
  return *this;
}

}  // namespace accmt
