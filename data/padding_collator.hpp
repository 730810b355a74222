#pragma once
// PaddingCollator: batches variable-length sequences. The chosen keys (all keys by default)
// are padded along their first dimension to the longest example of the batch (rounded up to
// pad_to_multiple_of), on the right or the left, with pad_value (or a per-key value, e.g.
// -100 for labels); other keys are stacked as by default_collate. An attention mask
// (int64, 1 on real positions, 0 on padding) is added under mask_key, from the first padded
// key. Use it as a collate_fn: {.collate_fn = PaddingCollator({.keys = {"input_ids"}})}.
#include <map>
#include <string>
#include <vector>

#include "data/batch.hpp"

namespace accmt::data {

struct PaddingOptions {
  std::vector<std::string> keys{};                 // empty: every key
  double pad_value = 0;
  std::map<std::string, double> pad_values{};      // per-key overrides
  std::string side = "right";                    // "right" or "left"
  std::string mask_key = "attention_mask";       // empty: no mask
  int64_t pad_to_multiple_of = 1;
};

class PaddingCollator {
 public:
  explicit PaddingCollator(PaddingOptions options = {});
  Batch operator()(const std::vector<Example>& examples) const;

 private:
  PaddingOptions options_;
};

}  // namespace accmt::data
