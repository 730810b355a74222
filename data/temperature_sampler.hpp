#pragma once
// TemperatureSampler: examples from several sources (datasets, languages, classes), with
// the small sources upsampled. Following upstream accmt (after Arivazhagan et al. 2019,
// "Massively Multilingual Neural Machine Translation in the Wild"), source s of n_s
// examples out of N is drawn with probability proportional to (n_s / N)^(1/T): T = 1 keeps
// the data distribution, a large T approaches uniform over sources. Inside a source every
// example is equally likely, and draws are with replacement (as upstream).
#include <optional>
#include <vector>

#include "data/sampler.hpp"

namespace accmt::data {

struct TemperatureOptions {
  double temperature = 1.0;
  std::optional<int64_t> num_samples{};  // per epoch; default: every example's count (N)
  std::optional<uint64_t> seed{};        // default: the loader's
};

class TemperatureSampler : public Sampler {
 public:
  // Sources lie one after another: source 0 is indices [0, sizes[0]), source 1 the next
  // sizes[1], ... (the layout of Concat; pass concat.sizes()).
  TemperatureSampler(std::vector<int64_t> source_sizes, TemperatureOptions options = {});
  // Sources given per example: labels[i] is the source of example i (any integers).
  static TemperatureSampler from_labels(const std::vector<int64_t>& labels, TemperatureOptions options = {});

  std::vector<int64_t> indices(int64_t epoch, uint64_t seed) const override;
  int64_t size() const override { return num_samples_; }
  // The probability of each source (in order of first appearance for from_labels).
  const std::vector<double>& source_probabilities() const { return source_probs_; }
  // The per-example weights the draw uses: p_s / n_s for an example of source s.
  const std::vector<double>& example_weights() const { return weights_; }

 private:
  TemperatureSampler(std::vector<int64_t> example_source, std::vector<int64_t> source_sizes, TemperatureOptions options);
  std::vector<double> weights_, source_probs_;
  int64_t num_samples_ = 0;
  TemperatureOptions options_;
};

}  // namespace accmt::data
