#pragma once
// The DataLoader's options (PyTorch's DataLoader arguments, filled with designated
// initialisers) and the checks and defaults that do not depend on the example type.
#include <memory>
#include <optional>

#include "data/collate.hpp"
#include "data/sampler.hpp"

namespace accmt::data {

template <class E, class B> struct BasicLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;               // a new order each epoch, from Generator(seed + epoch)
  bool drop_last = false;
  std::shared_ptr<const Sampler> sampler{};             // excludes shuffle
  std::shared_ptr<const BatchSampler> batch_sampler{};  // excludes batch_size, shuffle, sampler, drop_last
  BasicCollateFn<E, B> collate_fn{};    // one function or a list; empty: default_collate
  int num_workers = 0;                // worker threads making batches ahead (0: the caller's thread)
  int prefetch_factor = 2;            // batches in flight per worker
  bool pin_memory = false;            // page-locked batches when CUDA is available
  std::optional<uint64_t> seed{};       // default: drawn from `generator`
  Generator* generator = nullptr;     // default: the default generator (manual_seed)
};

// The settings that decide which indices each batch holds.
struct BatchingOptions {
  int64_t batch_size;
  bool shuffle;
  bool drop_last;
  std::shared_ptr<const Sampler> sampler{};
  std::shared_ptr<const BatchSampler> batch_sampler{};
};

// The batch sampler a loader uses: the given one, or batches of the given sampler, or of a
// Random (shuffle) or Sequential sampler over the dataset. Rejects conflicting options.
std::shared_ptr<const BatchSampler> resolve_batch_sampler(int64_t dataset_size, const BatchingOptions& options);
// The loader's seed: the given one, else one draw from generator (or the default generator).
uint64_t resolve_seed(std::optional<uint64_t> seed, Generator* generator);
void check_worker_options(int num_workers, int prefetch_factor);

}  // namespace accmt::data
