#pragma once
// Graph nodes. A node receives the gradients of its outputs and returns the gradients of
// its inputs; `next_edges[i]` says where input i's gradient goes.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tensor/tensor.hpp"

namespace accmt::autograd {

class Node;

struct Edge {
  std::shared_ptr<Node> fn;
  uint32_t input_nr = 0;
  bool valid() const { return fn != nullptr; }
};

// What a gradient flowing into a node's output must look like.
struct OutputMeta {
  Shape sizes;
  DType dtype = DType::Float32;
  Device device;
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node() = default;
  virtual std::string name() const = 0;
  // grads[i] is the gradient of output i (may be undefined if no gradient reached it).
  virtual std::vector<Tensor> apply(std::vector<Tensor>&& grads) = 0;
  // Frees saved tensors after a backward pass without retain_graph.
  virtual void release_saved() {}

  uint64_t sequence_nr() const { return sequence_nr_; }

  std::vector<Edge> next_edges;
  std::vector<OutputMeta> outputs;
  // Tensor hooks of non-leaf outputs, by output number then handle.
  std::map<uint32_t, std::map<int64_t, TensorHook>> pre_hooks;

 private:
  uint64_t sequence_nr_;
};

// The gradients a backward function receives: one per op output (zeros when that output
// received none), and whether each input needs a gradient.
struct Grads {
  std::vector<Tensor> out;
  std::vector<bool> needs;
  std::shared_ptr<Node> node;  // the node running this backward
  const Tensor& operator[](size_t i) const { return out[i]; }
  bool needs_input(size_t i) const { return i < needs.size() && needs[i]; }
};

using BackwardFn = std::function<std::vector<Tensor>(const Grads&)>;

// A node built from a closure (the flashlight style: an op returns its value plus the
// closure that computes its input gradients).
class FunctionNode : public Node {
 public:
  FunctionNode(std::string name, BackwardFn fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  void release_saved() override { fn_ = nullptr; }

 private:
  std::string name_;
  BackwardFn fn_;
};

// Sink for a leaf tensor: adds incoming gradients into leaf.grad.
class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(Tensor leaf) : leaf_(std::move(leaf)) {}
  std::string name() const override { return "AccumulateGrad"; }
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  const Tensor& leaf() const { return leaf_; }
  // The leaf's tensor hooks applied to an incoming gradient (also used by grad()).
  Tensor run_hooks(Tensor g) const;

 private:
  Tensor leaf_;
};

// A tensor saved for backward; get() fails if it was changed in place since.
class SavedTensor {
 public:
  SavedTensor() = default;
  // Outputs of the op itself are saved without their grad_fn (no reference cycle); get(g)
  // reattaches the running node while a create_graph backward needs their history.
  SavedTensor(const Tensor& t, bool is_output = false, uint32_t output_nr = 0);
  Tensor get() const;
  Tensor get(const Grads& g) const;
  bool defined() const { return tensor_.defined(); }

 private:
  Tensor tensor_;
  uint64_t version_ = 0;
  bool is_output_ = false;
  uint32_t output_nr_ = 0;
};

// Where a tensor's gradient flows: its grad_fn output, its leaf accumulator, or nowhere.
Edge gradient_edge(const Tensor& t);
// Re-derives a view's history from its base if the base changed in place since the view's
// history was recorded; returns whether it did.
bool refresh_stale_view(const Tensor& t);

// Records `fn` as the backward of an op with `inputs` and `outputs` when grad mode is on
// and some input requires grad. Marks outputs as requiring grad.
void record(const char* name, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs, BackwardFn fn);
// Whether recording would happen for these inputs.
bool needs_grad(const std::vector<Tensor>& inputs);

// Computes and returns the gradients of outputs w.r.t. inputs (torch.autograd.grad).
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false,
                         bool create_graph = false, bool allow_unused = false);
// Accumulates gradients of outputs into the leaves' .grad (torch.autograd.backward).
void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs = {},
              bool retain_graph = false, bool create_graph = false);

}  // namespace accmt::autograd
