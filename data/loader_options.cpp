#include "data/loader_options.hpp"

namespace accmt::data {

std::shared_ptr<const BatchSampler> resolve_batch_sampler(int64_t dataset_size, const BatchingOptions& o) {
  if (o.batch_sampler) {
    ACCMT_CHECK(o.batch_size == 1 && !o.shuffle && !o.sampler && !o.drop_last,
                "DataLoader: batch_sampler is exclusive with batch_size, shuffle, sampler and drop_last (it decides "
                "the batches itself); got batch_size=", o.batch_size, ", shuffle=", o.shuffle,
                ", sampler=", o.sampler ? "set" : "none", ", drop_last=", o.drop_last);
    return o.batch_sampler;
  }
  ACCMT_CHECK(!(o.sampler && o.shuffle), "DataLoader: sampler and shuffle are exclusive (the sampler decides the "
              "order); set shuffle = false");
  ACCMT_CHECK(o.batch_size >= 1, "DataLoader: batch_size must be at least 1, got ", o.batch_size);
  std::shared_ptr<const Sampler> sampler = o.sampler;
  if (!sampler) {
    if (o.shuffle)
      sampler = std::make_shared<RandomSampler>(dataset_size);
    else
      sampler = std::make_shared<SequentialSampler>(dataset_size);
  }
  return std::make_shared<FixedSizeBatchSampler>(sampler, o.batch_size, o.drop_last);
}

uint64_t resolve_seed(std::optional<uint64_t> seed, Generator* generator) {
  if (seed) return *seed;
  Generator& gen = generator ? *generator : default_generator();
  return static_cast<uint64_t>(randint(0, INT64_MAX, {1}, {.dtype = DType::Int64}, &gen).item<int64_t>());
}

void check_worker_options(int num_workers, int prefetch_factor) {
  ACCMT_CHECK(num_workers >= 0, "DataLoader: num_workers must be >= 0, got ", num_workers);
  ACCMT_CHECK(prefetch_factor >= 1, "DataLoader: prefetch_factor must be at least 1, got ", prefetch_factor);
}

}  // namespace accmt::data
