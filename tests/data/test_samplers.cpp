// Order and content of every sampler, checked against what each one promises (the draws
// it is documented to make), computed here without the sampler.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "tests/data/data_helpers.hpp"
#include "tests/support/checks.hpp"

using namespace datatest;
using accmt::test::error_of;

TEST_SUITE("data.samplers") {

TEST_CASE("sequential sampler counts up") {
  SequentialSampler s(5);
  CHECK(s.size() == 5);
  CHECK(s.indices(3, 99) == std::vector<int64_t>{0, 1, 2, 3, 4});
}

TEST_CASE("random sampler without replacement is randperm(n) from Generator(seed + epoch)") {
  RandomSampler s(10);
  for (int64_t epoch : {0, 1, 5}) {
    auto got = s.indices(epoch, 42);
    CHECK(got == perm_of(10, 42 + epoch));
    auto sorted = got;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int64_t> all(10);
    std::iota(all.begin(), all.end(), 0);
    CHECK(sorted == all);
  }
  CHECK(s.indices(0, 42) != s.indices(1, 42));
  CHECK(s.indices(0, 42) == s.indices(0, 42));
  // Its own seed wins over the loader's.
  RandomSampler own(10, {.seed = 7});
  CHECK(own.indices(2, 42) == perm_of(10, 9));
}

TEST_CASE("random sampler: num_samples beyond n chains permutations; replacement uses randint") {
  RandomSampler more(4, {.num_samples = 10});
  Generator g(3);
  std::vector<int64_t> expected;
  for (int k = 0; k < 3; ++k) {
    auto p = randperm(4, {.dtype = DType::Int64}, &g).to_vector<int64_t>();
    expected.insert(expected.end(), p.begin(), p.end());
  }
  expected.resize(10);
  CHECK(more.indices(0, 3) == expected);

  RandomSampler with(6, {.replacement = true, .num_samples = 50});
  Generator g2(11 + 2);
  CHECK(with.indices(2, 11) == randint(0, 6, {50}, {.dtype = DType::Int64}, &g2).to_vector<int64_t>());
  for (int64_t i : with.indices(2, 11)) CHECK((i >= 0 && i < 6));
}

TEST_CASE("subset random sampler permutes the given indices") {
  std::vector<int64_t> idx{10, 20, 30, 40, 50};
  SubsetRandomSampler s(idx);
  auto p = perm_of(5, 8 + 1);
  std::vector<int64_t> expected;
  for (int64_t k : p) expected.push_back(idx[k]);
  CHECK(s.indices(1, 8) == expected);
}

TEST_CASE("weighted sampler with replacement follows the cumulative weights") {
  std::vector<double> w{1, 0, 3, 6};
  WeightedRandomSampler s(w, 200);
  Generator g(5);
  auto u = rand({200}, {.dtype = DType::Float64}, &g).to_vector<double>();
  std::vector<int64_t> expected;
  for (double x : u) {
    double t = x * 10;  // total weight
    expected.push_back(t < 1 ? 0 : t < 4 ? 2 : 3);
  }
  auto got = s.indices(0, 5);
  CHECK(got == expected);
  CHECK(std::count(got.begin(), got.end(), 1) == 0);
  // Frequencies near 0.1, 0.3, 0.6 over many draws.
  WeightedRandomSampler big(w, 20000, {.seed = 1});
  auto many = big.indices(0, 0);
  CHECK(std::count(many.begin(), many.end(), 3) / 20000.0 == doctest::Approx(0.6).epsilon(0.05));
  CHECK(std::count(many.begin(), many.end(), 0) / 20000.0 == doctest::Approx(0.1).epsilon(0.1));
}

TEST_CASE("weighted sampler without replacement: distinct, by decreasing u^(1/w)") {
  std::vector<double> w{1, 2, 0, 4, 8};
  WeightedRandomSampler s(w, 4, {.replacement = false});
  Generator g(9);
  auto u = rand({5}, {.dtype = DType::Float64}, &g).to_vector<double>();
  std::vector<std::pair<double, int64_t>> keys;
  for (int i = 0; i < 5; ++i)
    if (w[i] > 0) keys.push_back({std::pow(u[i], 1.0 / w[i]), i});
  std::sort(keys.begin(), keys.end(), [](auto& a, auto& b) { return a.first > b.first; });
  std::vector<int64_t> expected;
  for (auto& k : keys) expected.push_back(k.second);
  CHECK(s.indices(0, 9) == expected);
  CHECK(error_of([&] { WeightedRandomSampler(w, 5, {.replacement = false}); }).find("4 indices of positive weight") !=
        std::string::npos);
  CHECK(error_of([] { WeightedRandomSampler({1, -1}, 2); }).find("weights[1] = -1") != std::string::npos);
  CHECK(error_of([] { WeightedRandomSampler({0, 0}, 2); }).find("sum to 0") != std::string::npos);
}

TEST_CASE("temperature sampler: source probabilities (n_s / N)^(1/T), normalised") {
  std::vector<int64_t> sizes{900, 90, 10};
  for (double T : {1.0, 2.0, 5.0, 100.0}) {
    TemperatureSampler s(sizes, {.temperature = T});
    std::vector<double> expected;
    double z = 0;
    for (int64_t n : sizes) z += std::pow(n / 1000.0, 1 / T);
    for (int64_t n : sizes) expected.push_back(std::pow(n / 1000.0, 1 / T) / z);
    for (size_t k = 0; k < 3; ++k) CHECK(s.source_probabilities()[k] == doctest::Approx(expected[k]));
    // Every example of a source is equally likely.
    CHECK(s.example_weights()[0] == doctest::Approx(expected[0] / 900));
    CHECK(s.example_weights()[995] == doctest::Approx(expected[2] / 10));
    CHECK(s.size() == 1000);
  }
  // T = 1 is the data distribution; a large T nearly uniform over sources.
  CHECK(TemperatureSampler(sizes, {.temperature = 1}).source_probabilities()[0] == doctest::Approx(0.9));
  CHECK(TemperatureSampler(sizes, {.temperature = 1000}).source_probabilities()[2] == doctest::Approx(1 / 3.0).epsilon(0.01));
}

TEST_CASE("temperature sampler draws by its weights and upsamples the small source") {
  TemperatureSampler s({900, 90, 10}, {.temperature = 5, .num_samples = 30000});
  auto got = s.indices(1, 4);
  Generator g(4 + 1);
  auto u = rand({30000}, {.dtype = DType::Float64}, &g).to_vector<double>();
  std::vector<double> cdf(s.example_weights().size());
  std::partial_sum(s.example_weights().begin(), s.example_weights().end(), cdf.begin());
  bool same = true;
  for (size_t k = 0; k < got.size(); ++k) {
    auto it = std::upper_bound(cdf.begin(), cdf.end(), u[k] * cdf.back());
    same = same && got[k] == std::min<int64_t>(it - cdf.begin(), 999);
  }
  CHECK(same);
  std::array<double, 3> freq{};
  for (int64_t i : got) freq[i < 900 ? 0 : i < 990 ? 1 : 2] += 1.0 / 30000;
  for (int k = 0; k < 3; ++k) CHECK(freq[k] == doctest::Approx(s.source_probabilities()[k]).epsilon(0.08));
  CHECK(freq[2] > 0.1);  // 1% of the data, upsampled to ~16% of the draws
}

TEST_CASE("temperature sampler from per-example labels") {
  std::vector<int64_t> labels{7, 7, 7, 3, 7, 3, 7, 7};  // source 7: 6 examples, source 3: 2
  auto s = TemperatureSampler::from_labels(labels, {.temperature = 2});
  const double a = std::sqrt(6 / 8.0), b = std::sqrt(2 / 8.0);
  CHECK(s.source_probabilities()[0] == doctest::Approx(a / (a + b)));
  CHECK(s.example_weights()[3] == doctest::Approx(b / (a + b) / 2));
  CHECK(s.example_weights()[0] == doctest::Approx(a / (a + b) / 6));
  CHECK(error_of([] { TemperatureSampler({3}, {.temperature = 0}); }).find("temperature must be a positive") !=
        std::string::npos);
}

TEST_CASE("distributed shards cover the data exactly once per epoch") {
  const int64_t n = 24;
  for (int64_t R : {1, 2, 3, 4}) {
    for (int64_t epoch : {0, 1}) {
      std::vector<int64_t> seen;
      auto order = perm_of(n, 5 + epoch);
      for (int64_t r = 0; r < R; ++r) {
        DistributedSampler s(n, {.num_replicas = R, .rank = r, .seed = 5});
        auto mine = s.indices(epoch, 12345);  // the loader's seed is ignored: ranks must agree
        CHECK(int64_t(mine.size()) == n / R);
        for (size_t k = 0; k < mine.size(); ++k) CHECK(mine[k] == order[r + k * R]);
        seen.insert(seen.end(), mine.begin(), mine.end());
      }
      std::sort(seen.begin(), seen.end());
      std::vector<int64_t> all(n);
      std::iota(all.begin(), all.end(), 0);
      CHECK(seen == all);
    }
  }
}

TEST_CASE("distributed: padding repeats the start, drop_last cuts, set_epoch reshuffles") {
  // 10 examples over 4 ranks: 12 positions, the first two repeated.
  std::vector<int64_t> seen;
  for (int64_t r = 0; r < 4; ++r) {
    auto mine = DistributedSampler(10, {.num_replicas = 4, .rank = r, .shuffle = false}).indices(0, 0);
    CHECK(mine.size() == 3);
    seen.insert(seen.end(), mine.begin(), mine.end());
  }
  std::sort(seen.begin(), seen.end());
  CHECK(seen == std::vector<int64_t>{0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(DistributedSampler(10, {.num_replicas = 4, .rank = 1, .shuffle = false}).indices(0, 0) ==
        std::vector<int64_t>{1, 5, 9});
  CHECK(DistributedSampler(10, {.num_replicas = 4, .rank = 3, .shuffle = false}).indices(0, 0) ==
        std::vector<int64_t>{3, 7, 1});
  seen.clear();
  for (int64_t r = 0; r < 4; ++r) {
    auto mine = DistributedSampler(10, {.num_replicas = 4, .rank = r, .drop_last = true}).indices(0, 0);
    CHECK(mine.size() == 2);
    seen.insert(seen.end(), mine.begin(), mine.end());
  }
  CHECK(std::set<int64_t>(seen.begin(), seen.end()).size() == 8);
  // More ranks than examples: whole copies first.
  CHECK(DistributedSampler(2, {.num_replicas = 5, .rank = 4, .shuffle = false}).indices(0, 0) ==
        std::vector<int64_t>{0});

  DistributedSampler s(16, {.num_replicas = 2, .rank = 0, .seed = 3});
  auto e0 = s.indices();
  s.set_epoch(1);
  CHECK(s.indices() != e0);
  CHECK(s.indices() == s.indices(1, 0));
  CHECK(error_of([] { DistributedSampler(4, {.num_replicas = 2, .rank = 2}); }).find("rank 2 is out of range") !=
        std::string::npos);
}

TEST_CASE("distributed over an inner sampler shards that sampler's epoch") {
  auto inner = std::make_shared<TemperatureSampler>(std::vector<int64_t>{30, 6}, TemperatureOptions{.temperature = 3});
  auto full = inner->indices(2, 77);
  std::vector<int64_t> merged(full.size());
  for (int64_t r = 0; r < 3; ++r) {
    auto mine = DistributedSampler(inner, {.num_replicas = 3, .rank = r, .seed = 77}).indices(2, 0);
    CHECK(mine.size() == 12);
    for (size_t k = 0; k < mine.size(); ++k) merged[r + 3 * k] = mine[k];
  }
  CHECK(merged == full);
}

TEST_CASE("batch sampler groups indices; drop_last drops the short tail") {
  auto seq = std::make_shared<SequentialSampler>(7);
  FixedSizeBatchSampler keep(seq, 3, false), drop(seq, 3, true);
  CHECK(keep.size() == 3);
  CHECK(drop.size() == 2);
  CHECK(keep.batches(0, 0) == std::vector<std::vector<int64_t>>{{0, 1, 2}, {3, 4, 5}, {6}});
  CHECK(drop.batches(0, 0) == std::vector<std::vector<int64_t>>{{0, 1, 2}, {3, 4, 5}});
}

}  // TEST_SUITE
