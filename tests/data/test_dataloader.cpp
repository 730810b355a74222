// The DataLoader: batch order and content, seeds, workers, errors, early exit, resume.
#include <set>

#include "tests/data/data_helpers.hpp"
#include "tests/support/checks.hpp"

using namespace datatest;
using accmt::test::error_of;

namespace {
bool has(const std::string& message, const std::string& part) {
  if (message.find(part) != std::string::npos) return true;
  MESSAGE("message: " << message << "\nexpected to contain: " << part);
  return false;
}
std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[i] = i;
  return v;
}
}  // namespace

TEST_SUITE("data.loader") {

TEST_CASE("sequential batches hold the dataset's rows in order; drop_last") {
  Tensor x = arange(20).reshape({10, 2}).to(DType::Float32);
  auto ds = std::make_shared<TensorDataset>(Batch{{"x", x}, {"i", arange(10)}});
  DataLoader loader(ds, {.batch_size = 4});
  CHECK(loader.size() == 3);
  std::vector<Batch> got;
  for (Batch& b : loader) got.push_back(b);
  REQUIRE(got.size() == 3);
  CHECK(got[0]["x"].equal(x.narrow(0, 0, 4)));
  CHECK(got[2]["x"].equal(x.narrow(0, 8, 2)));
  CHECK(got[1]["i"].to_vector<int64_t>() == std::vector<int64_t>{4, 5, 6, 7});
  DataLoader dropping(ds, {.batch_size = 4, .drop_last = true});
  CHECK(dropping.size() == 2);
  int n = 0;
  for (Batch& b : dropping) n += b["x"].size(0) == 4;
  CHECK(n == 2);
}

TEST_CASE("shuffle: epoch e is randperm(n) from Generator(seed + e), a new order each epoch") {
  auto ds = std::make_shared<CountingDataset>(23);
  DataLoader loader(ds, {.batch_size = 5, .shuffle = true, .seed = 100});
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    CHECK(loader.epoch() == epoch);
    CHECK(indices_of(loader) == chunk(perm_of(23, 100 + epoch), 5));
  }
  // Content follows the index: x = {i, -i}.
  for (Batch& b : loader) {
    auto y = b["y"].to_vector<int64_t>();
    auto x = b["x"].to_vector<float>();
    for (size_t k = 0; k < y.size(); ++k) CHECK(x[2 * k + 1] == -float(y[k]));
  }
  // Same seed, same batches; another seed, another order.
  DataLoader again(ds, {.batch_size = 5, .shuffle = true, .seed = 100});
  DataLoader other(ds, {.batch_size = 5, .shuffle = true, .seed = 101});
  auto first = indices_of(again);
  CHECK(first == chunk(perm_of(23, 100), 5));
  CHECK(indices_of(other) != first);
  // Without a seed the loader draws one from the default generator: manual_seed fixes it.
  manual_seed(9);
  DataLoader s1(ds, {.batch_size = 5, .shuffle = true});
  manual_seed(9);
  DataLoader s2(ds, {.batch_size = 5, .shuffle = true});
  CHECK(s1.state_dict().seed == s2.state_dict().seed);
  CHECK(indices_of(s1) == indices_of(s2));
}

TEST_CASE("sampler and batch_sampler options; conflicting options are errors") {
  auto ds = std::make_shared<CountingDataset>(12);
  DataLoader weighted(ds, {.batch_size = 4,
                           .sampler = std::make_shared<WeightedRandomSampler>(std::vector<double>(12, 1.0), 8),
                           .seed = 3});
  auto expected = WeightedRandomSampler(std::vector<double>(12, 1.0), 8).indices(0, 3);
  CHECK(indices_of(weighted) == chunk(expected, 4));

  struct Pairs : BatchSampler {
    std::vector<std::vector<int64_t>> batches(int64_t epoch, uint64_t) const override {
      return {{epoch, 11}, {3}, {0, 1, 2}};
    }
    int64_t size() const override { return 3; }
  };
  DataLoader custom(ds, {.batch_sampler = std::make_shared<Pairs>()});
  CHECK(indices_of(custom) == std::vector<std::vector<int64_t>>{{0, 11}, {3}, {0, 1, 2}});
  CHECK(indices_of(custom).front() == std::vector<int64_t>{1, 11});

  auto seq = std::make_shared<SequentialSampler>(12);
  CHECK(has(error_of([&] { DataLoader(ds, {.shuffle = true, .sampler = seq}); }), "sampler and shuffle are exclusive"));
  CHECK(has(error_of([&] { DataLoader(ds, {.batch_size = 2, .batch_sampler = std::make_shared<Pairs>()}); }),
            "batch_sampler is exclusive with batch_size"));
  CHECK(has(error_of([&] { DataLoader(ds, {.batch_size = 0}); }), "batch_size must be at least 1"));
  CHECK(has(error_of([&] { DataLoader(ds, {.num_workers = -1}); }), "num_workers must be >= 0"));
  struct OutOfRange : Sampler {
    std::vector<int64_t> indices(int64_t, uint64_t) const override { return {0, 12}; }
    int64_t size() const override { return 2; }
  };
  DataLoader bad(ds, {.batch_size = 2, .sampler = std::make_shared<OutOfRange>()});
  CHECK(has(error_of([&] { indices_of(bad); }), "the sampler gave index 12 for a dataset of 12 examples"));
}

TEST_CASE("distributed sampler through the loader: ranks split every epoch exactly") {
  auto ds = std::make_shared<CountingDataset>(40);
  for (int64_t epoch = 0; epoch < 2; ++epoch) {
    std::vector<int64_t> all;
    for (int64_t r = 0; r < 4; ++r) {
      DataLoader loader(ds, {.batch_size = 3, .sampler = std::make_shared<DistributedSampler>(
                                                  40, DistributedOptions{.num_replicas = 4, .rank = r, .seed = 6})});
      loader.set_epoch(epoch);
      for (auto& b : indices_of(loader)) all.insert(all.end(), b.begin(), b.end());
    }
    std::sort(all.begin(), all.end());
    CHECK(all == iota(40));
  }
}

TEST_CASE("workers give the same batches as no workers, in order") {
  auto ds = std::make_shared<CountingDataset>(57, -1, 50);
  DataLoader plain(ds, {.batch_size = 4, .shuffle = true, .seed = 5});
  auto expected0 = indices_of(plain);
  auto expected1 = indices_of(plain);
  for (int workers : {1, 2, 3}) {
    for (int prefetch : {1, 2, 4}) {
      DataLoader loader(ds, {.batch_size = 4, .shuffle = true, .num_workers = workers, .prefetch_factor = prefetch,
                             .seed = 5});
      CHECK(indices_of(loader) == expected0);
      CHECK(indices_of(loader) == expected1);
    }
  }
  // Same tensors, not just the same indices.
  DataLoader a(ds, {.batch_size = 8, .seed = 1}), b(ds, {.batch_size = 8, .num_workers = 2, .seed = 1});
  std::vector<Tensor> xa, xb;
  for (Batch& batch : a) xa.push_back(batch["x"]);
  for (Batch& batch : b) xb.push_back(batch["x"]);
  REQUIRE(xa.size() == xb.size());
  for (size_t k = 0; k < xa.size(); ++k) CHECK(xa[k].equal(xb[k]));
}

TEST_CASE("a dataset error reaches the caller with the dataset index, with and without workers") {
  auto ds = std::make_shared<CountingDataset>(30, 17);
  for (int workers : {0, 1, 2}) {
    DataLoader loader(ds, {.batch_size = 4, .num_workers = workers});
    std::vector<int64_t> seen;
    std::string message = error_of([&] {
      for (Batch& b : loader) seen.push_back(b["y"][0].item<int64_t>());
    });
    CHECK(has(message, "DataLoader: loading dataset index 17 failed: disk on fire"));
    CHECK(seen == std::vector<int64_t>{0, 4, 8, 12});  // every batch before the bad one arrived
    CHECK(loader.state_dict().batches_seen == 4);
  }
}

TEST_CASE("a collate error names the batch's dataset indices, the key and the shapes") {
  struct Ragged : Dataset {
    int64_t size() const override { return 6; }
    Example get(int64_t i) const override { return Example{{"tokens", zeros({i < 4 ? 3 : 5})}}; }
  };
  for (int workers : {0, 2}) {
    DataLoader loader(std::make_shared<Ragged>(), {.batch_size = 3, .num_workers = workers});
    CHECK(has(error_of([&] {
                for (Batch& b : loader) (void)b;
              }),
              "DataLoader: collating the batch of dataset indices [3, 4, 5] failed: collate: key 'tokens' has shape "
              "[5] in example 1 but [3] in example 0"));
  }
}

TEST_CASE("an early break leaves no thread behind, even with workers blocked on a full queue") {
  auto ds = std::make_shared<CountingDataset>(400, -1, 200);
  // Warm up (the caller's OpenMP team starts with the first parallel op).
  DataLoader warm(ds, {.batch_size = 64});
  indices_of(warm);
  const int before = count_threads();
  ds->loads = 0;
  for (int workers : {1, 2, 4}) {
    DataLoader loader(ds, {.batch_size = 4, .num_workers = workers, .prefetch_factor = 2});
    int n = 0;
    for (Batch& b : loader) {
      (void)b;
      if (n == 0) CHECK(count_threads() == before + workers);
      // Let the workers fill the queue and block on it.
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (++n == 3) break;
    }
    CHECK(count_threads() == before);
    // Only what the bounded queue allows was loaded: 3 batches out plus at most
    // workers * prefetch_factor in flight.
    CHECK(ds->loads.load() <= (3 + 2 * workers) * 4);
    ds->loads = 0;
    // The next pass is a new epoch and works as usual.
    CHECK(loader.epoch() == 0);
    CHECK(indices_of(loader).size() == 100);
    CHECK(loader.epoch() == 2);
    ds->loads = 0;
  }
  CHECK(count_threads() == before);
}

TEST_CASE("mid-epoch resume gives the remaining batches without loading the skipped ones") {
  auto ds = std::make_shared<CountingDataset>(50);
  for (int workers : {0, 2}) {
    DataLoader full(ds, {.batch_size = 4, .shuffle = true, .num_workers = workers, .seed = 77});
    indices_of(full);                  // epoch 0
    auto epoch1 = indices_of(full);    // epoch 1, uninterrupted

    DataLoader first(ds, {.batch_size = 4, .shuffle = true, .num_workers = workers, .seed = 77});
    indices_of(first);
    std::string saved;
    int n = 0;
    for (Batch& b : first) {
      (void)b;
      if (++n == 5) {
        saved = first.state_dict().to_string();
        break;
      }
    }
    CHECK(saved == "{\"epoch\": 1, \"batches_seen\": 5, \"seed\": 77}");

    // A new process: another seed in the options, restored from the saved state.
    DataLoader resumed(ds, {.batch_size = 4, .shuffle = true, .num_workers = workers, .seed = 1});
    resumed.load_state_dict(LoaderState::from_string(saved));
    ds->loads = 0;
    auto rest = indices_of(resumed);
    CHECK(rest == std::vector<std::vector<int64_t>>(epoch1.begin() + 5, epoch1.end()));
    CHECK(ds->loads.load() == 50 - 5 * 4);  // the skipped batches were not loaded
    // Then epoch 2 as in an uninterrupted run.
    auto epoch2 = indices_of(full);
    CHECK(indices_of(resumed) == epoch2);
  }
}

TEST_CASE("state at an epoch's end, state strings and their errors") {
  auto ds = std::make_shared<CountingDataset>(8);
  DataLoader loader(ds, {.batch_size = 4, .shuffle = true, .seed = 3});
  LoaderState at_end;
  for (Batch& b : loader) {
    (void)b;
    at_end = loader.state_dict();
  }
  CHECK(at_end == LoaderState{0, 2, 3});
  CHECK(loader.state_dict() == LoaderState{1, 0, 3});
  DataLoader r(ds, {.batch_size = 4, .shuffle = true, .seed = 3});
  r.load_state_dict(at_end);
  CHECK(indices_of(r).empty());  // nothing left of epoch 0
  CHECK(indices_of(r) == chunk(perm_of(8, 4), 4));
  CHECK(LoaderState::from_string(" { \"seed\" : 18446744073709551615 , \"epoch\":2,\"batches_seen\":0}") ==
        LoaderState{2, 0, 18446744073709551615ULL});
  CHECK(has(error_of([] { LoaderState::from_string("{\"epoch\": 1}"); }), "no \"batches_seen\""));
  CHECK(has(error_of([] { LoaderState::from_string("epoch=1"); }), "no '{'"));
  r.load_state_dict({0, 9, 3});
  CHECK(has(error_of([&] { indices_of(r); }), "the state says 9 batches of epoch 0 were seen, but the epoch has only 2"));
}

TEST_CASE("pin_memory is a no-op without CUDA; padding collator as collate_fn") {
  std::vector<Tensor> ids;
  auto ds = std::make_shared<TensorDataset>(Batch{{"v", arange(6)}});
  DataLoader pinned(ds, {.batch_size = 3, .pin_memory = true});
  for (Batch& b : pinned) CHECK(b["v"].device().is_cpu());

  struct Ragged : Dataset {
    int64_t size() const override { return 4; }
    Example get(int64_t i) const override { return Example{{"ids", arange(1, i + 2)}}; }
  };
  DataLoader padded(std::make_shared<Ragged>(), {.batch_size = 4, .collate_fn = PaddingCollator({.pad_value = -1})});
  for (Batch& b : padded) {
    CHECK(b["ids"].to_vector<int64_t>() ==
          std::vector<int64_t>{1, -1, -1, -1, 1, 2, -1, -1, 1, 2, 3, -1, 1, 2, 3, 4});
    CHECK(b["attention_mask"].sum().item<int64_t>() == 10);
  }
}

}  // TEST_SUITE
