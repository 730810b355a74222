// Sequential, Random and SubsetRandom samplers, and the fixed-size batch sampler.
#include <algorithm>

#include "data/sampler.hpp"

namespace accmt::data {

SequentialSampler::SequentialSampler(int64_t n) : n_(n) {
  ACCMT_CHECK(n >= 0, "SequentialSampler: n must be >= 0, got ", n);
}

std::vector<int64_t> SequentialSampler::indices(int64_t, uint64_t) const {
  std::vector<int64_t> out(static_cast<size_t>(n_));
  for (int64_t i = 0; i < n_; ++i) out[i] = i;
  return out;
}

RandomSampler::RandomSampler(int64_t n, RandomOptions options)
    : n_(n), num_samples_(options.num_samples.value_or(n)), options_(options) {
  ACCMT_CHECK(n >= 0, "RandomSampler: n must be >= 0, got ", n);
  ACCMT_CHECK(num_samples_ >= 0, "RandomSampler: num_samples must be >= 0, got ", num_samples_);
  ACCMT_CHECK(n > 0 || num_samples_ == 0, "RandomSampler: cannot draw ", num_samples_, " samples from 0 examples");
}

std::vector<int64_t> RandomSampler::indices(int64_t epoch, uint64_t seed) const {
  Generator gen = epoch_generator(options_.seed.value_or(seed), epoch);
  if (options_.replacement)
    return num_samples_ ? randint(0, n_, {num_samples_}, {.dtype = DType::Int64}, &gen).to_vector<int64_t>()
                        : std::vector<int64_t>{};
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(num_samples_));
  while (static_cast<int64_t>(out.size()) < num_samples_) {
    std::vector<int64_t> perm = randperm(n_, {.dtype = DType::Int64}, &gen).to_vector<int64_t>();
    const size_t take = std::min<size_t>(perm.size(), static_cast<size_t>(num_samples_) - out.size());
    out.insert(out.end(), perm.begin(), perm.begin() + static_cast<std::ptrdiff_t>(take));
  }
  return out;
}

SubsetRandomSampler::SubsetRandomSampler(std::vector<int64_t> indices, std::optional<uint64_t> seed)
    : indices_(std::move(indices)), seed_(seed) {}

std::vector<int64_t> SubsetRandomSampler::indices(int64_t epoch, uint64_t seed) const {
  Generator gen = epoch_generator(seed_.value_or(seed), epoch);
  const int64_t k = size();
  std::vector<int64_t> perm = randperm(k, {.dtype = DType::Int64}, &gen).to_vector<int64_t>();
  std::vector<int64_t> out(static_cast<size_t>(k));
  for (int64_t i = 0; i < k; ++i) out[i] = indices_[perm[i]];
  return out;
}

FixedSizeBatchSampler::FixedSizeBatchSampler(std::shared_ptr<const Sampler> sampler, int64_t batch_size,
                                             bool drop_last)
    : sampler_(std::move(sampler)), batch_size_(batch_size), drop_last_(drop_last) {
  ACCMT_CHECK(sampler_ != nullptr, "BatchSampler: the sampler is null");
  ACCMT_CHECK(batch_size_ >= 1, "BatchSampler: batch_size must be at least 1, got ", batch_size_);
}

std::vector<std::vector<int64_t>> FixedSizeBatchSampler::batches(int64_t epoch, uint64_t seed) const {
  std::vector<int64_t> all = sampler_->indices(epoch, seed);
  std::vector<std::vector<int64_t>> out;
  for (size_t start = 0; start < all.size(); start += static_cast<size_t>(batch_size_)) {
    const size_t end = std::min(all.size(), start + static_cast<size_t>(batch_size_));
    if (drop_last_ && end - start < static_cast<size_t>(batch_size_)) break;
    out.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(start), all.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return out;
}

int64_t FixedSizeBatchSampler::size() const {
  const int64_t n = sampler_->size();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

}  // namespace accmt::data
