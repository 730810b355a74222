#pragma once
// DistributedSampler: this rank's share of an epoch, like PyTorch's. The epoch's order (a
// randperm(n) from Generator(seed + epoch) when shuffling, or an inner sampler's indices) is
// the same on every rank; it is padded by repeating its start (or cut, with drop_last) to
// a multiple of num_replicas, and rank r takes positions r, r + R, r + 2R, ... So the
// ranks' shards are disjoint and, without padding, cover every index exactly once.
#include <memory>

#include "data/sampler.hpp"

namespace accmt::data {

struct DistributedOptions {
  int64_t num_replicas = 1;
  int64_t rank = 0;
  bool shuffle = true;
  uint64_t seed = 0;     // must agree across ranks, so it never comes from the loader
  bool drop_last = false;
};

class DistributedSampler : public Sampler {
 public:
  DistributedSampler(int64_t dataset_size, DistributedOptions options);
  // Shards another sampler's epoch (its indices are drawn with this sampler's seed).
  DistributedSampler(std::shared_ptr<const Sampler> inner, DistributedOptions options);

  std::vector<int64_t> indices(int64_t epoch, uint64_t seed) const override;
  int64_t size() const override { return num_samples_; }
  // For use outside a DataLoader (which passes its own epoch): the epoch indices() uses.
  void set_epoch(int64_t epoch) { epoch_ = epoch; }
  std::vector<int64_t> indices() const { return indices(epoch_, options_.seed); }
  int64_t total_size() const { return num_samples_ * options_.num_replicas; }

 private:
  void init(int64_t dataset_size);
  std::shared_ptr<const Sampler> inner_;
  int64_t n_ = 0;
  int64_t num_samples_ = 0;
  int64_t epoch_ = 0;
  DistributedOptions options_;
};

}  // namespace accmt::data
