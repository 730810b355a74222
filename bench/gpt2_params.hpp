#pragma once
// The parameter shapes of GPT-2 small (124M parameters, 148 tensors, the LM head tied to
// the token embedding): the multi-tensor optimizer benches' list. bench/peer_torch_cuda.py
// builds the same list.
#include <vector>

#include "tensor/tensor.hpp"

namespace accmt::bench {

inline std::vector<Shape> gpt2_small_shapes() {
  const int64_t d = 768, vocab = 50257, ctx = 1024;
  std::vector<Shape> s{{vocab, d}, {ctx, d}};
  for (int layer = 0; layer < 12; ++layer) {
    const std::vector<Shape> block{{d},        {d},     {d, 3 * d}, {3 * d}, {d, d}, {d},
                                   {d},        {d},     {d, 4 * d}, {4 * d}, {4 * d, d}, {d}};
    s.insert(s.end(), block.begin(), block.end());
  }
  s.push_back({d});
  s.push_back({d});
  return s;
}

}  // namespace accmt::bench
