// The fused attention front-end on the CPU: the CPU backend declines the kernel family,
// so scaled_dot_product_attention keeps computing the math path, bit for bit.
#include <doctest/doctest.h>

#include <vector>

#include "accmt/accmt.hpp"
#include "autograd/ops_attention.hpp"
#include "nn/functional/attention.hpp"
#include "tensor/native_attention.hpp"

using namespace accmt;
namespace F = accmt::nn::functional;

namespace {

Tensor input(const Shape& s, DType dt, uint64_t seed) {
  Generator g(seed);
  return randn(s, {.dtype = DType::Float64}, &g).to(dt);
}

}  // namespace

TEST_SUITE("nn.attention_routing") {

TEST_CASE("the CPU backend declines fused attention") {
  Tensor q = input({2, 5, 8}, DType::Float32, 1), k = input({2, 6, 8}, DType::Float32, 2);
  Tensor v = input({2, 6, 4}, DType::Float32, 3);
  CHECK_FALSE(native::attention_forward(q, k, v, 0.3, true).has_value());
  Tensor out = zeros({2, 5, 4}), lse = zeros({2, 5}), dout = ones({2, 5, 4});
  CHECK_FALSE(native::attention_backward(q, k, v, out, lse, dout, 0.3, true).has_value());
  CHECK_FALSE(autograd::fused_attention(q, k, v, 0.3, false).defined());
}

TEST_CASE("the front-end checks its inputs") {
  Tensor q = input({2, 5, 8}, DType::Float32, 1), k = input({3, 6, 8}, DType::Float32, 2);
  CHECK_THROWS_AS(native::attention_forward(q, k, k, 0.3, false), Error);
  Tensor k16 = input({2, 6, 8}, DType::Float16, 2);
  CHECK_THROWS_AS(native::attention_forward(q, k16, k16, 0.3, false), Error);
}

TEST_CASE("sdpa on the CPU equals the math path, forward and gradients") {
  for (DType dt : {DType::Float32, DType::BFloat16, DType::Float64})
    for (bool causal : {false, true}) {
      CAPTURE(dtype_name(dt));
      CAPTURE(causal);
      Tensor q0 = input({2, 3, 7, 8}, dt, 4), k0 = input({2, 3, 9, 8}, dt, 5), v0 = input({2, 3, 9, 5}, dt, 6);
      Tensor dout = input({2, 3, 7, 5}, dt, 7);
      auto run = [&](bool routed) {
        Tensor q = q0.detach().requires_grad_(), k = k0.detach().requires_grad_(), v = v0.detach().requires_grad_();
        Tensor out = routed ? F::scaled_dot_product_attention(q, k, v, Tensor(), 0.0, causal, 0.4)
                            : F::scaled_dot_product_attention_with_weights(q, k, v, Tensor(), 0.0, causal, 0.4).first;
        out.backward(dout);
        return std::vector<Tensor>{out.detach(), q.grad(), k.grad(), v.grad()};
      };
      std::vector<Tensor> routed = run(true), math = run(false);
      for (int i = 0; i < 4; ++i) CHECK(routed[i].equal(math[i]));
    }
}

}  // TEST_SUITE
