#pragma once
// DataLoader: batches from a dataset, as a C++ range.
//
//   DataLoader loader(dataset, {.batch_size = 64, .shuffle = true, .num_workers = 2, .seed = 1});
//   for (Batch& batch : loader) train_step(batch["image"], batch["label"]);
//
// Each pass over the loader is one epoch; epoch e's batches are a pure function of
// (seed, e). The state (epoch, batches handed out, seed) saves and restores with
// state_dict()/load_state_dict(): a restored loader continues the interrupted epoch with
// exactly the batches not yet seen, without loading the skipped ones. A pass abandoned
// early (break) counts as seen: the next pass starts the next epoch.
//
// Worker threads call the dataset's get() and the collate function concurrently, so both
// must be safe to call from several threads. The loader itself is not thread-safe, and it
// must outlive its iterators.
#include <iterator>
#include <memory>
#include <type_traits>
#include <vector>

#include "data/dataset.hpp"
#include "data/loader_options.hpp"
#include "data/loader_state.hpp"
#include "data/pin_memory.hpp"
#include "data/worker_pool.hpp"

namespace accmt::data {

template <class E, class B> class BasicDataLoader {
 public:
  using Options = BasicLoaderOptions<E, B>;

  BasicDataLoader(std::shared_ptr<const BasicDataset<E>> dataset, Options options = {})
      : source_(std::make_shared<Source>()), cursor_(std::make_shared<Cursor>()),
        num_workers_(options.num_workers), prefetch_factor_(options.prefetch_factor) {
    ACCMT_CHECK(dataset != nullptr, "DataLoader: the dataset is null");
    check_worker_options(options.num_workers, options.prefetch_factor);
    if constexpr (!(std::is_same_v<E, Example> && std::is_same_v<B, Batch>))
      ACCMT_CHECK(!options.collate_fn.uses_default_collate(),
                  "DataLoader: a dataset of a user example type needs a collate_fn that takes its examples");
    source_->dataset = std::move(dataset);
    source_->collate = std::move(options.collate_fn);
    source_->pin_memory = options.pin_memory;
    batch_sampler_ = resolve_batch_sampler(source_->dataset->size(),
                                           {options.batch_size, options.shuffle, options.drop_last,
                                            std::move(options.sampler), std::move(options.batch_sampler)});
    cursor_->seed = resolve_seed(options.seed, options.generator);
  }

  // A copy would share the position with the original; move it instead.
  BasicDataLoader(const BasicDataLoader&) = delete;
  BasicDataLoader& operator=(const BasicDataLoader&) = delete;
  BasicDataLoader(BasicDataLoader&&) noexcept = default;
  BasicDataLoader& operator=(BasicDataLoader&&) noexcept = default;

  class Iterator;
  Iterator begin();
  std::default_sentinel_t end() const { return {}; }

  // Batches per epoch.
  int64_t size() const { return batch_sampler_->size(); }
  const BasicDataset<E>& dataset() const { return *source_->dataset; }
  int64_t epoch() const { return cursor_->epoch; }
  // Starts epoch e on the next pass (for loaders rebuilt every epoch, like set_epoch upstream).
  void set_epoch(int64_t epoch) {
    ACCMT_CHECK(epoch >= 0, "DataLoader::set_epoch: epoch must be >= 0, got ", epoch);
    *cursor_ = Cursor{.epoch = epoch, .seed = cursor_->seed, .generation = cursor_->generation + 1};
  }
  // The batch indices of epoch e (what a pass over that epoch loads, in order).
  std::vector<std::vector<int64_t>> plan(int64_t epoch) const { return batch_sampler_->batches(epoch, cursor_->seed); }

  LoaderState state_dict() const { return {cursor_->epoch, cursor_->seen, cursor_->seed}; }
  void load_state_dict(const LoaderState& state) {
    ACCMT_CHECK(state.epoch >= 0 && state.batches_seen >= 0, "DataLoader::load_state_dict: negative epoch (",
                state.epoch, ") or batches_seen (", state.batches_seen, ")");
    *cursor_ = Cursor{.epoch = state.epoch, .seen = state.batches_seen, .resume = state.batches_seen > 0,
                      .seed = state.seed, .generation = cursor_->generation + 1};
  }

 private:
  struct Source {
    std::shared_ptr<const BasicDataset<E>> dataset;
    BasicCollateFn<E, B> collate;
    bool pin_memory = false;

    B collate_named(const std::vector<E>& examples, const std::vector<int64_t>& indices) const {
      try {
        return collate(examples);
      } catch (const std::exception& e) {
        throw Error(detail::concat("DataLoader: collating the batch of dataset indices ", index_list(indices),
                                   " failed: ", e.what()));
      }
    }

    B make(const std::vector<int64_t>& indices) const {
      const int64_t n = dataset->size();
      std::vector<E> examples;
      examples.reserve(indices.size());
      for (int64_t i : indices) {
        ACCMT_CHECK(i >= 0 && i < n, "DataLoader: the sampler gave index ", i, " for a dataset of ", n, " examples");
        try {
          examples.push_back(dataset->get(i));
        } catch (const std::exception& e) {
          throw Error(detail::concat("DataLoader: loading dataset index ", i, " failed: ", e.what()));
        } catch (...) {
          throw Error(detail::concat("DataLoader: loading dataset index ", i, " failed with an unknown exception"));
        }
      }
      B batch = collate_named(examples, indices);
      if constexpr (std::is_same_v<B, Batch>)
        if (pin_memory) pin_batch(batch);
      return batch;
    }
  };

  // Collate errors name the batch's dataset indices (the first few), as load errors do.
  static std::string index_list(const std::vector<int64_t>& indices) {
    std::string out = "[";
    for (size_t k = 0; k < indices.size() && k < 8; ++k) out += (k ? ", " : "") + std::to_string(indices[k]);
    return out + (indices.size() > 8 ? ", ...]" : "]");
  }

  struct Cursor {
    int64_t epoch = 0;
    int64_t seen = 0;           // batches of `epoch` handed out
    bool in_progress = false;   // a pass over `epoch` has begun and not reached its end
    bool resume = false;        // the next pass continues `epoch` at `seen` (after load_state_dict)
    uint64_t seed = 0;
    uint64_t generation = 0;    // which pass may update the cursor (the latest begun)
  };

  // One pass over an epoch; iterators share it, and the last one to go stops its workers.
  struct Run {
    std::shared_ptr<const Source> source;
    std::shared_ptr<Cursor> cursor;
    uint64_t generation = 0;
    std::shared_ptr<const std::vector<std::vector<int64_t>>> plan;
    int64_t next = 0;  // the batch number to hand out next
    std::unique_ptr<OrderedPrefetcher<B>> pool;  // declared after plan: stops before plan goes
    std::optional<B> current;
    bool done = false;

    void advance() {
      current.reset();
      const bool owner = cursor->generation == generation;
      if (next >= static_cast<int64_t>(plan->size())) {
        done = true;
        pool.reset();
        if (owner) *cursor = Cursor{.epoch = cursor->epoch + 1, .seed = cursor->seed, .generation = generation};
        return;
      }
      try {
        current.emplace(pool ? pool->next() : source->make((*plan)[static_cast<size_t>(next)]));
      } catch (...) {
        done = true;
        pool.reset();
        throw;
      }
      ++next;
      if (owner) cursor->seen = next;
    }
  };

  std::shared_ptr<Source> source_;
  std::shared_ptr<Cursor> cursor_;
  std::shared_ptr<const BatchSampler> batch_sampler_;
  int num_workers_;
  int prefetch_factor_;
};

template <class E, class B> class BasicDataLoader<E, B>::Iterator {
 public:
  using value_type = B;
  using difference_type = std::ptrdiff_t;

  Iterator() = default;
  B& operator*() const { return *run_->current; }
  B* operator->() const { return &*run_->current; }
  Iterator& operator++() {
    run_->advance();
    return *this;
  }
  void operator++(int) { ++*this; }
  bool operator==(std::default_sentinel_t) const { return !run_ || run_->done; }

 private:
  friend class BasicDataLoader;
  explicit Iterator(std::shared_ptr<Run> run) : run_(std::move(run)) {}
  std::shared_ptr<Run> run_;
};

template <class E, class B> typename BasicDataLoader<E, B>::Iterator BasicDataLoader<E, B>::begin() {
  Cursor& c = *cursor_;
  if (c.in_progress && !c.resume) c = Cursor{.epoch = c.epoch + 1, .seed = c.seed, .generation = c.generation};
  c.resume = false;
  c.in_progress = true;
  ++c.generation;
  auto run = std::make_shared<Run>();
  run->source = source_;
  run->cursor = cursor_;
  run->generation = c.generation;
  run->plan = std::make_shared<const std::vector<std::vector<int64_t>>>(batch_sampler_->batches(c.epoch, c.seed));
  const int64_t total = static_cast<int64_t>(run->plan->size());
  ACCMT_CHECK(c.seen <= total, "DataLoader: the state says ", c.seen, " batches of epoch ", c.epoch,
              " were seen, but the epoch has only ", total);
  run->next = c.seen;
  if (num_workers_ > 0 && run->next < total) {
    run->pool = std::make_unique<OrderedPrefetcher<B>>(
        [source = source_, plan = run->plan](int64_t j) { return source->make((*plan)[static_cast<size_t>(j)]); },
        run->next, total, num_workers_, int64_t{num_workers_} * prefetch_factor_);
  }
  run->advance();
  return Iterator(std::move(run));
}

using LoaderOptions = BasicLoaderOptions<Example, Batch>;
using DataLoader = BasicDataLoader<Example, Batch>;

}  // namespace accmt::data
