#include "data/padding_collator.hpp"

#include <algorithm>

#include "data/collate.hpp"

namespace accmt::data {

PaddingCollator::PaddingCollator(PaddingOptions options) : options_(std::move(options)) {
  ACCMT_CHECK(options_.side == "right" || options_.side == "left", "PaddingCollator: side must be \"right\" or ",
              "\"left\", got \"", options_.side, "\"");
  ACCMT_CHECK(options_.pad_to_multiple_of >= 1, "PaddingCollator: pad_to_multiple_of must be at least 1, got ",
              options_.pad_to_multiple_of);
}

Batch PaddingCollator::operator()(const std::vector<Example>& examples) const {
  ACCMT_CHECK(!examples.empty(), "PaddingCollator: got no examples");
  const bool all = options_.keys.empty();
  auto padded = [&](const std::string& key) {
    return all || std::find(options_.keys.begin(), options_.keys.end(), key) != options_.keys.end();
  };
  for (const auto& key : options_.keys)
    ACCMT_CHECK(examples.front().contains(key), "PaddingCollator: key '", key, "' is not in the examples, whose keys are ",
                examples.front().str());
  const int64_t B = static_cast<int64_t>(examples.size());
  const bool left = options_.side == "left";

  // Stack the keys that are not padded with the default rules (and its errors).
  std::vector<Example> rest(examples.size());
  for (size_t i = 0; i < examples.size(); ++i)
    for (const auto& [key, t] : examples[i])
      if (!padded(key)) rest[i].set(key, t);
  Batch stacked = rest.front().empty() ? Batch() : default_collate(rest);

  Batch out;
  Tensor mask;
  for (const auto& [key, t0] : examples.front()) {
    if (!padded(key)) {
      out.set(key, stacked[key]);
      continue;
    }
    ACCMT_CHECK(t0.defined() && t0.dim() >= 1, "PaddingCollator: key '", key,
                "' must be a tensor with a sequence dimension first, got shape ",
                t0.defined() ? shape_str(t0.sizes()) : "undefined");
    int64_t longest = 0;
    for (size_t i = 0; i < examples.size(); ++i) {
      ACCMT_CHECK(examples[i].contains(key), "PaddingCollator: example ", i, " has no key '", key, "'");
      const Tensor& t = examples[i][key];
      Shape tail0(t0.sizes().begin() + 1, t0.sizes().end());
      ACCMT_CHECK(t.dim() == t0.dim() && Shape(t.sizes().begin() + 1, t.sizes().end()) == tail0,
                  "PaddingCollator: key '", key, "' has shape ", shape_str(t.sizes()), " in example ", i, " but ",
                  shape_str(t0.sizes()), " in example 0; only the first (sequence) dimension may differ");
      ACCMT_CHECK(t.dtype() == t0.dtype(), "PaddingCollator: key '", key, "' is ", dtype_name(t.dtype()),
                  " in example ", i, " but ", dtype_name(t0.dtype()), " in example 0");
      longest = std::max(longest, t.size(0));
    }
    const int64_t m = options_.pad_to_multiple_of;
    const int64_t L = (longest + m - 1) / m * m;
    Shape shape = t0.sizes();
    shape[0] = L;
    shape.insert(shape.begin(), B);
    auto it = options_.pad_values.find(key);
    Tensor batch = full(shape, it != options_.pad_values.end() ? it->second : options_.pad_value, {.dtype = t0.dtype()});
    const bool make_mask = !options_.mask_key.empty() && !mask.defined();
    if (make_mask) mask = zeros({B, L}, {.dtype = DType::Int64});
    for (int64_t i = 0; i < B; ++i) {
      const Tensor& t = examples[i][key];
      const int64_t len = t.size(0);
      const int64_t start = left ? L - len : 0;
      if (len == 0) continue;
      batch.select(0, i).narrow(0, start, len).copy_(t);
      if (make_mask) mask.select(0, i).narrow(0, start, len).fill_(1);
    }
    out.set(key, batch);
  }
  if (mask.defined()) out.set(options_.mask_key, mask);
  return out;
}

}  // namespace accmt::data
