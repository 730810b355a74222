// The backward engine: dependency counting from the roots, then nodes run in decreasing
// creation order (a valid topological order, and deterministic).
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "autograd/grad_mode.hpp"
#include "autograd/node.hpp"
#include "tensor/native.hpp"

namespace accmt::autograd {

namespace {

struct NodeOrder {
  bool operator()(const std::shared_ptr<Node>& a, const std::shared_ptr<Node>& b) const {
    return a->sequence_nr() < b->sequence_nr();
  }
};

Tensor check_grad_shape(const Node& producer, const Node& consumer, uint32_t input_nr, Tensor g) {
  const OutputMeta& m = consumer.outputs.at(input_nr);
  if (g.sizes() != m.sizes)
    throw AutogradError("autograd: node " + producer.name() + " returned a gradient of shape " + shape_str(g.sizes()) +
                        " for an input of shape " + shape_str(m.sizes) + " (consumer " + consumer.name() + ")");
  if (g.dtype() != m.dtype) g = native::cast(g, m.dtype);
  return g;
}

Tensor accumulate(const Tensor& have, const Tensor& add) {
  if (!have.defined()) return add;
  if (GradMode::is_enabled()) return have + add;
  return native::binary(ops::Binary::Add, have, add, have.dtype());
}

// Captures for grad(): gradients flowing into (node, input_nr) are returned, not applied.
struct Capture {
  Node* node;
  uint32_t input_nr;
  Tensor grad;
};

std::vector<Tensor> run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& root_grads,
                                 bool keep_graph, bool create_graph, std::vector<Capture>* captures) {
  std::vector<Edge> root_edges;
  for (size_t i = 0; i < roots.size(); ++i) {
    const Tensor& r = roots[i];
    ACCMT_CHECK(r.defined() && r.requires_grad(), "backward: element ", i,
                " of the outputs does not require grad and has no grad_fn");
    root_edges.push_back(gradient_edge(r));
  }

  // Count, for every reachable node, how many edges point at it.
  std::unordered_map<Node*, int> deps;
  std::unordered_set<Node*> seen;
  std::vector<Node*> stack;
  for (const Edge& e : root_edges)
    if (seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next_edges) {
      if (!e.valid()) continue;
      ++deps[e.fn.get()];
      if (seen.insert(e.fn.get()).second) stack.push_back(e.fn.get());
    }
  }

  // With captures, only nodes with a path to a captured input need to run.
  std::unordered_map<Node*, bool> needed, leads;
  if (captures) {
    std::unordered_set<Node*> targets;
    for (const Capture& c : *captures) targets.insert(c.node);
    std::function<bool(Node*)> visit = [&](Node* n) -> bool {
      auto it = leads.find(n);
      if (it != leads.end()) return it->second;
      leads[n] = false;
      bool need = false;
      for (const Edge& e : n->next_edges)
        if (e.valid() && visit(e.fn.get())) need = true;
      needed[n] = need;
      return leads[n] = need || targets.count(n) > 0;
    };
    for (const Edge& e : root_edges) visit(e.fn.get());
  }

  GradMode::set_enabled(create_graph);
  std::unordered_map<Node*, std::vector<Tensor>> buffers;
  std::priority_queue<std::shared_ptr<Node>, std::vector<std::shared_ptr<Node>>, NodeOrder> ready;
  for (size_t i = 0; i < root_edges.size(); ++i) {
    const Edge& e = root_edges[i];
    auto& buf = buffers[e.fn.get()];
    buf.resize(e.fn->outputs.size());
    buf[e.input_nr] = accumulate(buf[e.input_nr], root_grads[i]);
  }
  std::unordered_set<Node*> queued;
  for (const Edge& e : root_edges)
    if (deps[e.fn.get()] == 0 && queued.insert(e.fn.get()).second) ready.push(e.fn);

  while (!ready.empty()) {
    std::shared_ptr<Node> node = ready.top();
    ready.pop();
    std::vector<Tensor> inputs = std::move(buffers[node.get()]);
    buffers.erase(node.get());
    inputs.resize(node->outputs.size());
    // Tensor hooks of this node's outputs (non-leaf tensors).
    for (auto& [output_nr, hooks] : node->pre_hooks) {
      if (output_nr >= inputs.size() || !inputs[output_nr].defined()) continue;
      for (auto& [handle, hook] : hooks) {
        Tensor replaced = hook(inputs[output_nr]);
        if (replaced.defined()) inputs[output_nr] = replaced;
      }
    }
    bool run = true;
    if (captures) {
      auto* leaf_sink = dynamic_cast<AccumulateGrad*>(node.get());
      for (Capture& c : *captures)
        if (c.node == node.get() && c.input_nr < inputs.size() && inputs[c.input_nr].defined())
          c.grad = accumulate(c.grad, leaf_sink ? leaf_sink->run_hooks(inputs[c.input_nr]) : inputs[c.input_nr]);
      run = needed[node.get()] && dynamic_cast<AccumulateGrad*>(node.get()) == nullptr;
    }
    std::vector<Tensor> outputs;
    if (run) {
      outputs = node->apply(std::move(inputs));
      if (!keep_graph) node->release_saved();
    }
    for (size_t i = 0; i < node->next_edges.size(); ++i) {
      const Edge& e = node->next_edges[i];
      if (!e.valid()) continue;
      if (i < outputs.size() && outputs[i].defined()) {
        auto& buf = buffers[e.fn.get()];
        buf.resize(e.fn->outputs.size());
        buf[e.input_nr] = accumulate(buf[e.input_nr], check_grad_shape(*node, *e.fn, e.input_nr, outputs[i]));
      }
      if (--deps[e.fn.get()] == 0) ready.push(e.fn);
    }
  }
  std::vector<Tensor> result;
  if (captures)
    for (Capture& c : *captures) result.push_back(c.grad);
  return result;
}

std::vector<Tensor> root_gradients(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs) {
  ACCMT_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), "backward: got ", grad_outputs.size(),
              " gradients for ", outputs.size(), " outputs");
  std::vector<Tensor> grads;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    ACCMT_CHECK(out.defined(), "backward: output ", i, " is undefined");
    if (i < grad_outputs.size() && grad_outputs[i].defined()) {
      const Tensor& g = grad_outputs[i];
      ACCMT_CHECK(g.sizes() == out.sizes(), "backward: gradient of shape ", shape_str(g.sizes()),
                  " does not match output shape ", shape_str(out.sizes()));
      grads.push_back(g);
    } else {
      ACCMT_CHECK(out.numel() == 1, "backward: a gradient must be given for an output with more than one element (shape ",
                  shape_str(out.sizes()), "); grad can be implicitly created only for scalar outputs");
      Tensor one = native::empty(out.sizes(), out.dtype(), out.device());
      native::fill_(one, 1);
      grads.push_back(one);
    }
  }
  return grads;
}

// Restores grad mode after the engine changed it (also when a node throws).
struct GradModeRestore {
  bool prev = GradMode::is_enabled();
  ~GradModeRestore() { GradMode::set_enabled(prev); }
};

}  // namespace

void backward(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs, bool retain_graph,
              bool create_graph) {
  GradModeRestore restore;
  run_backward(outputs, root_gradients(outputs, grad_outputs), retain_graph || create_graph, create_graph, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph, bool create_graph,
                         bool allow_unused) {
  GradModeRestore restore;
  std::vector<Capture> captures;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ACCMT_CHECK(inputs[i].defined() && inputs[i].requires_grad(), "grad: input ", i, " does not require grad");
    Edge e = gradient_edge(inputs[i]);
    captures.push_back({e.fn.get(), e.input_nr, Tensor()});
  }
  auto result = run_backward(outputs, root_gradients(outputs, grad_outputs), retain_graph || create_graph,
                             create_graph, &captures);
  for (size_t i = 0; i < result.size(); ++i)
    ACCMT_CHECK(result[i].defined() || allow_unused, "grad: input ", i,
                " was not used in the graph of the outputs; pass allow_unused=true to get an undefined tensor");
  return result;
}

}  // namespace accmt::autograd
