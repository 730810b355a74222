#include "data/temperature_sampler.hpp"

#include <cmath>
#include <map>
#include <numeric>

namespace accmt::data {
namespace {

std::vector<int64_t> contiguous_sources(const std::vector<int64_t>& sizes) {
  std::vector<int64_t> source;
  for (size_t s = 0; s < sizes.size(); ++s) {
    ACCMT_CHECK(sizes[s] >= 0, "TemperatureSampler: source ", s, " has a negative size ", sizes[s]);
    source.insert(source.end(), static_cast<size_t>(sizes[s]), static_cast<int64_t>(s));
  }
  return source;
}

}  // namespace

TemperatureSampler::TemperatureSampler(std::vector<int64_t> source_sizes, TemperatureOptions options)
    : TemperatureSampler(contiguous_sources(source_sizes), source_sizes, options) {}

TemperatureSampler TemperatureSampler::from_labels(const std::vector<int64_t>& labels, TemperatureOptions options) {
  std::map<int64_t, int64_t> id;  // label -> source number, by first appearance
  std::vector<int64_t> source(labels.size()), sizes;
  for (size_t i = 0; i < labels.size(); ++i) {
    auto [it, added] = id.emplace(labels[i], static_cast<int64_t>(sizes.size()));
    if (added) sizes.push_back(0);
    source[i] = it->second;
    ++sizes[it->second];
  }
  return TemperatureSampler(std::move(source), std::move(sizes), options);
}

TemperatureSampler::TemperatureSampler(std::vector<int64_t> example_source, std::vector<int64_t> sizes,
                                       TemperatureOptions options)
    : options_(options) {
  ACCMT_CHECK(options.temperature > 0 && std::isfinite(options.temperature),
              "TemperatureSampler: temperature must be a positive number, got ", options.temperature);
  const int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
  ACCMT_CHECK(total > 0, "TemperatureSampler: the sources hold no examples");
  num_samples_ = options.num_samples.value_or(total);
  ACCMT_CHECK(num_samples_ >= 0, "TemperatureSampler: num_samples must be >= 0, got ", num_samples_);
  source_probs_.resize(sizes.size());
  double norm = 0;
  for (size_t s = 0; s < sizes.size(); ++s) {
    source_probs_[s] = sizes[s] ? std::pow(double(sizes[s]) / double(total), 1.0 / options.temperature) : 0.0;
    norm += source_probs_[s];
  }
  for (double& p : source_probs_) p /= norm;
  weights_.resize(example_source.size());
  for (size_t i = 0; i < example_source.size(); ++i) {
    const int64_t s = example_source[i];
    weights_[i] = source_probs_[s] / double(sizes[s]);
  }
}

std::vector<int64_t> TemperatureSampler::indices(int64_t epoch, uint64_t seed) const {
  Generator gen = epoch_generator(options_.seed.value_or(seed), epoch);
  return weighted_draw_with_replacement(weights_, num_samples_, gen);
}

}  // namespace accmt::data
