#include "data/collate.hpp"

namespace accmt::data {

Batch default_collate(const std::vector<Example>& examples) {
  ACCMT_CHECK(!examples.empty(), "collate: got no examples");
  const Example& first = examples.front();
  Batch batch;
  for (const auto& [key, t0] : first) {
    std::vector<Tensor> parts;
    parts.reserve(examples.size());
    for (size_t i = 0; i < examples.size(); ++i) {
      ACCMT_CHECK(examples[i].contains(key), "collate: example ", i, " has no key '", key,
                  "' (example 0 has it); its keys are ", examples[i].str());
      const Tensor& t = examples[i][key];
      ACCMT_CHECK(t.defined() && t0.defined(), "collate: key '", key, "' is undefined in example ",
                  t.defined() ? 0 : i);
      ACCMT_CHECK(t.sizes() == t0.sizes(), "collate: key '", key, "' has shape ", shape_str(t.sizes()),
                  " in example ", i, " but ", shape_str(t0.sizes()),
                  " in example 0; default collate stacks equal shapes (pad variable-length "
                  "sequences with PaddingCollator)");
      ACCMT_CHECK(t.dtype() == t0.dtype(), "collate: key '", key, "' is ", dtype_name(t.dtype()), " in example ", i,
                  " but ", dtype_name(t0.dtype()), " in example 0");
      parts.push_back(t);
    }
    batch.set(key, stack(parts, 0));
  }
  for (size_t i = 1; i < examples.size(); ++i)
    ACCMT_CHECK(examples[i].size() == first.size(), "collate: example ", i, " has keys ", examples[i].str(),
                " but example 0 has ", first.str());
  return batch;
}

}  // namespace accmt::data
