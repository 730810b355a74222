// WeightedRandomSampler and the weighted draw that TemperatureSampler shares.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "data/sampler.hpp"

namespace accmt::data {
namespace {

void check_weights(const char* who, const std::vector<double>& weights) {
  ACCMT_CHECK(!weights.empty(), who, ": weights are empty");
  double total = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    ACCMT_CHECK(std::isfinite(weights[i]) && weights[i] >= 0, who, ": weights[", i, "] = ", weights[i],
                " (weights must be finite and >= 0)");
    total += weights[i];
  }
  ACCMT_CHECK(total > 0, who, ": the weights sum to 0");
}

}  // namespace

std::vector<int64_t> weighted_draw_with_replacement(const std::vector<double>& weights, int64_t count, Generator& gen) {
  std::vector<double> cdf(weights.size());
  std::partial_sum(weights.begin(), weights.end(), cdf.begin());
  const double total = cdf.back();
  std::vector<int64_t> out(static_cast<size_t>(count));
  if (count == 0) return out;
  std::vector<double> u = rand({count}, {.dtype = DType::Float64}, &gen).to_vector<double>();
  for (int64_t k = 0; k < count; ++k) {
    // The first index whose cumulative weight exceeds u * total (zero weights are never hit).
    auto it = std::upper_bound(cdf.begin(), cdf.end(), u[k] * total);
    out[k] = std::min<int64_t>(it - cdf.begin(), static_cast<int64_t>(cdf.size()) - 1);
    while (weights[out[k]] == 0) --out[k];  // u * total rounded onto a boundary past the end
  }
  return out;
}

WeightedRandomSampler::WeightedRandomSampler(std::vector<double> weights, int64_t num_samples, WeightedOptions options)
    : weights_(std::move(weights)), num_samples_(num_samples), options_(options) {
  check_weights("WeightedRandomSampler", weights_);
  ACCMT_CHECK(num_samples_ >= 0, "WeightedRandomSampler: num_samples must be >= 0, got ", num_samples_);
  if (!options_.replacement) {
    const auto positive = std::count_if(weights_.begin(), weights_.end(), [](double w) { return w > 0; });
    ACCMT_CHECK(num_samples_ <= positive, "WeightedRandomSampler: cannot draw ", num_samples_,
                " samples without replacement from ", positive, " indices of positive weight");
  }
}

std::vector<int64_t> WeightedRandomSampler::indices(int64_t epoch, uint64_t seed) const {
  Generator gen = epoch_generator(options_.seed.value_or(seed), epoch);
  if (options_.replacement) return weighted_draw_with_replacement(weights_, num_samples_, gen);
  const int64_t n = static_cast<int64_t>(weights_.size());
  std::vector<double> u = rand({n}, {.dtype = DType::Float64}, &gen).to_vector<double>();
  // log key = log(u) / w; zero weights get -inf and are never chosen.
  std::vector<double> key(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    key[i] = weights_[i] > 0 ? std::log(u[i]) / weights_[i] : -std::numeric_limits<double>::infinity();
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return key[a] > key[b]; });
  order.resize(static_cast<size_t>(num_samples_));
  return order;
}

}  // namespace accmt::data
