#include "data/distributed_sampler.hpp"

namespace accmt::data {

DistributedSampler::DistributedSampler(std::shared_ptr<const Sampler> inner, DistributedOptions options)
    : inner_(std::move(inner)), options_(options) {
  ACCMT_CHECK(inner_ != nullptr, "DistributedSampler: the inner sampler is null");
  init(inner_->size());
}

DistributedSampler::DistributedSampler(int64_t dataset_size, DistributedOptions options) : options_(options) {
  init(dataset_size);
}

void DistributedSampler::init(int64_t dataset_size) {
  n_ = dataset_size;
  const DistributedOptions& options = options_;
  const int64_t R = options.num_replicas;
  ACCMT_CHECK(R >= 1, "DistributedSampler: num_replicas must be at least 1, got ", R);
  ACCMT_CHECK(options.rank >= 0 && options.rank < R, "DistributedSampler: rank ", options.rank,
              " is out of range for num_replicas ", R, " (expected 0 <= rank < ", R, ")");
  ACCMT_CHECK(n_ >= 0, "DistributedSampler: dataset size must be >= 0, got ", n_);
  num_samples_ = options.drop_last ? n_ / R : (n_ + R - 1) / R;
}

std::vector<int64_t> DistributedSampler::indices(int64_t epoch, uint64_t) const {
  std::vector<int64_t> order;
  if (inner_) {
    order = inner_->indices(epoch, options_.seed);
  } else if (options_.shuffle) {
    Generator gen = epoch_generator(options_.seed, epoch);
    order = randperm(n_, {.dtype = DType::Int64}, &gen).to_vector<int64_t>();
  } else {
    order.resize(static_cast<size_t>(n_));
    for (int64_t i = 0; i < n_; ++i) order[i] = i;
  }
  const size_t total = static_cast<size_t>(total_size());
  if (order.size() > total) {
    order.resize(total);
  } else if (!order.empty()) {
    // Repeat the start (whole copies first, when R > n) up to a multiple of R.
    for (size_t i = 0; order.size() < total; ++i) order.push_back(order[i]);
  }
  std::vector<int64_t> mine;
  mine.reserve(static_cast<size_t>(num_samples_));
  for (size_t i = static_cast<size_t>(options_.rank); i < order.size(); i += static_cast<size_t>(options_.num_replicas))
    mine.push_back(order[i]);
  return mine;
}

}  // namespace accmt::data
