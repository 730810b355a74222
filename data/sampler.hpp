#pragma once
// Samplers choose the dataset indices of an epoch; batch samplers group them into batches.
//
// An epoch's indices are a pure function of (the sampler's settings, epoch, seed): the
// DataLoader passes its epoch and seed, so that (epoch, batches seen, seed) fully decide the
// batches still to come, and a resumed run skips the ones already seen without loading them.
// Random samplers draw from Generator(seed + epoch) (PyTorch's DistributedSampler rule); a
// sampler given its own seed uses that one instead of the loader's.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "tensor/random.hpp"

namespace accmt::data {

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::vector<int64_t> indices(int64_t epoch, uint64_t seed) const = 0;
  // How many indices indices() returns.
  virtual int64_t size() const = 0;
};

class BatchSampler {
 public:
  virtual ~BatchSampler() = default;
  virtual std::vector<std::vector<int64_t>> batches(int64_t epoch, uint64_t seed) const = 0;
  // How many batches batches() returns.
  virtual int64_t size() const = 0;
};

// The generator an epoch draws from.
inline Generator epoch_generator(uint64_t seed, int64_t epoch) { return Generator(seed + static_cast<uint64_t>(epoch)); }

// 0, 1, ..., n-1.
class SequentialSampler : public Sampler {
 public:
  explicit SequentialSampler(int64_t n);
  std::vector<int64_t> indices(int64_t epoch, uint64_t seed) const override;
  int64_t size() const override { return n_; }

 private:
  int64_t n_;
};

struct RandomOptions {
  bool replacement = false;
  std::optional<int64_t> num_samples{};  // default: n
  std::optional<uint64_t> seed{};        // default: the loader's
};

// Without replacement: randperm(n) (more permutations follow when num_samples > n, drawn
// from the same generator). With replacement: randint(0, n, {num_samples}).
class RandomSampler : public Sampler {
 public:
  explicit RandomSampler(int64_t n, RandomOptions options = {});
  std::vector<int64_t> indices(int64_t epoch, uint64_t seed) const override;
  int64_t size() const override { return num_samples_; }

 private:
  int64_t n_, num_samples_;
  RandomOptions options_;
};

// The given indices in the order randperm(k) picks.
class SubsetRandomSampler : public Sampler {
 public:
  explicit SubsetRandomSampler(std::vector<int64_t> indices, std::optional<uint64_t> seed = std::nullopt);
  std::vector<int64_t> indices(int64_t epoch, uint64_t seed) const override;
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }

 private:
  std::vector<int64_t> indices_;
  std::optional<uint64_t> seed_;
};

struct WeightedOptions {
  bool replacement = true;
  std::optional<uint64_t> seed{};
};

// Index i with probability weights[i] / sum(weights). With replacement: u_k = rand(float64)
// and the index whose cumulative-weight interval holds u_k * total. Without replacement:
// the num_samples largest keys u_i^(1 / w_i) (Efraimidis-Spirakis), in decreasing key order,
// which is the same distribution as drawing one at a time and removing it.
class WeightedRandomSampler : public Sampler {
 public:
  WeightedRandomSampler(std::vector<double> weights, int64_t num_samples, WeightedOptions options = {});
  std::vector<int64_t> indices(int64_t epoch, uint64_t seed) const override;
  int64_t size() const override { return num_samples_; }
  const std::vector<double>& weights() const { return weights_; }

 private:
  std::vector<double> weights_;
  int64_t num_samples_;
  WeightedOptions options_;
};

// Draws `count` indices with replacement by weights (the rule of WeightedRandomSampler).
std::vector<int64_t> weighted_draw_with_replacement(const std::vector<double>& weights, int64_t count, Generator& gen);

// Groups a sampler's indices into batches of batch_size (the last one smaller unless
// drop_last), like torch.utils.data.BatchSampler.
class FixedSizeBatchSampler : public BatchSampler {
 public:
  FixedSizeBatchSampler(std::shared_ptr<const Sampler> sampler, int64_t batch_size, bool drop_last);
  std::vector<std::vector<int64_t>> batches(int64_t epoch, uint64_t seed) const override;
  int64_t size() const override;

 private:
  std::shared_ptr<const Sampler> sampler_;
  int64_t batch_size_;
  bool drop_last_;
};

}  // namespace accmt::data
