// Graph memory is released: nodes die with the tensors that reference them, and saved
// tensors are freed by a backward without retain_graph even while the output lives on.
#include <memory>

#include "ag_helpers.hpp"

using namespace agtest;

TEST_SUITE("autograd.graph_memory") {

TEST_CASE("interior nodes are freed once the outputs are dropped after backward") {
  Tensor x = leaf({4, 4}, -1, 1, 1);
  std::weak_ptr<accmt::autograd::Node> mid, root;
  {
    Tensor h = x.exp();
    Tensor k = h.sin() * h;  // h feeds two nodes
    mid = h.grad_fn();
    root = k.grad_fn();
    Tensor loss = k.sum();
    loss.backward();
    REQUIRE_FALSE(mid.expired());  // still referenced by h and by the graph of loss
  }
  CHECK_MESSAGE(mid.expired(), "the exp node outlived every tensor of its graph");
  CHECK_MESSAGE(root.expired(), "the mul node outlived every tensor of its graph");
  CHECK(x.grad().defined());  // the leaf keeps its gradient, not the graph
  CHECK(x.grad().grad_fn() == nullptr);
}

TEST_CASE("nodes are freed even without a backward (no reference cycles)") {
  Tensor x = leaf({8}, -1, 1, 2);
  std::weak_ptr<accmt::autograd::Node> node;
  {
    Tensor y = x.sigmoid().exp().softmax(0);  // ops that save their own outputs
    node = y.grad_fn();
    REQUIRE_FALSE(node.expired());
  }
  CHECK_MESSAGE(node.expired(), "a saved output keeps its own node alive (reference cycle)");
}

TEST_CASE("saved tensors are freed by backward while the output is alive") {
  Tensor x = leaf({256, 256}, -1, 1, 3);
  std::weak_ptr<accmt::TensorImpl> big;
  std::weak_ptr<accmt::StorageImpl> big_storage;
  Tensor loss;
  {
    Tensor h = x.exp();  // a 512 KiB intermediate
    big = h.impl_ptr();
    big_storage = h.storage();
    loss = (h.sin() * 2.0).sum();  // sin saves h; exp saves its output (h's storage)
  }
  REQUIRE_FALSE(big.expired());
  REQUIRE_FALSE(big_storage.expired());
  loss.backward();
  CHECK(loss.defined());
  CHECK(loss.grad_fn() != nullptr);
  CHECK_MESSAGE(big.expired(), "the intermediate saved by sin survived backward");
  CHECK_MESSAGE(big_storage.expired(), "the intermediate's storage survived backward");
}

TEST_CASE("retain_graph keeps saved tensors until the last backward") {
  Tensor x = leaf({64, 64}, -1, 1, 4);
  std::weak_ptr<accmt::StorageImpl> saved;
  Tensor loss;
  {
    Tensor h = x.tanh();
    saved = h.storage();
    loss = h.square().sum();
  }
  loss.backward({}, /*retain_graph=*/true);
  CHECK_FALSE(saved.expired());
  loss.backward();
  CHECK(saved.expired());
}

TEST_CASE("autograd::grad frees saved tensors too") {
  Tensor x = leaf({32, 32}, -1, 1, 5);
  std::weak_ptr<accmt::StorageImpl> saved;
  Tensor loss;
  {
    Tensor h = x.exp();
    saved = h.storage();
    loss = h.log().sum();
  }
  auto g = accmt::autograd::grad({loss}, {x});
  CHECK(g[0].allclose(accmt::ones({32, 32}, kF64)));
  CHECK(saved.expired());
}

}  // TEST_SUITE
