// Random numbers: Philox4x32-10 known-answer vectors, stream reproducibility and
// independence of generators, state save/restore, distribution checks on 1e6 samples,
// and bitwise independence from the OpenMP thread count.
#include <doctest/doctest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/common/philox.hpp"
#include "tensor/random.hpp"
#include "tensor/tensor.hpp"
#include "tests/tensor/helpers.hpp"

using namespace accmt;
using accmt::tensor_test::check_error;
using accmt::tensor_test::dvals;
using accmt::tensor_test::ivals;

namespace {

// Bitwise equality of two tensors' bytes (same shape and dtype required).
bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes() || a.dtype() != b.dtype()) return false;
  Tensor ac = a.contiguous(), bc = b.contiguous();
  return std::memcmp(ac.data_ptr(), bc.data_ptr(), static_cast<size_t>(ac.numel() * dtype_size(ac.dtype()))) == 0;
}

double mean_of(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double std_of(const std::vector<double>& v) {
  double m = mean_of(v), s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(v.size() - 1));
}

// Restores the OpenMP thread count when a test case ends.
struct ThreadCountGuard {
  int saved = omp_get_max_threads();
  ~ThreadCountGuard() { omp_set_num_threads(saved); }
};

}  // namespace

TEST_SUITE("tensor.random") {

TEST_CASE("Philox4x32-10 known-answer vectors (Random123 kat_vectors)") {
  // philox::block(seed, offset, blk) uses counter words (blk lo, blk hi, offset lo, offset hi)
  // and key words (seed lo, seed hi), so each KAT counter/key maps to these arguments.
  struct Kat {
    uint64_t seed, offset, blk;
    uint32_t expected[4];
  };
  const Kat kats[] = {
      // counter = 0 0 0 0, key = 0 0
      {0, 0, 0, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
      // counter = ffffffff x4, key = ffffffff x2
      {~0ULL, ~0ULL, ~0ULL, {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
      // counter = 243f6a88 85a308d3 13198a2e 03707344, key = a4093822 299f31d0 (digits of pi)
      {0x299f31d0a4093822ULL, 0x0370734413198a2eULL, 0x85a308d3243f6a88ULL,
       {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
  };
  for (const Kat& k : kats) {
    CAPTURE(k.seed);
    philox::U32x4 out = philox::block(k.seed, k.offset, k.blk);
    for (int i = 0; i < 4; ++i) CHECK(out.v[i] == k.expected[i]);
  }
}

TEST_CASE("rand draws element i from Philox at (seed, offset, i)") {
  // Pins the stream layout the CUDA kernels must reproduce.
  Generator gen(1234);
  Tensor a = rand({9}, {}, &gen);
  Tensor b = rand({9}, {.dtype = DType::Float64}, &gen);
  std::vector<float> av = a.to_vector<float>();
  std::vector<double> bv = b.to_vector<double>();
  for (uint64_t i = 0; i < 9; ++i) {
    CHECK(av[i] == philox::uniform_float(1234, 0, i));
    CHECK(bv[i] == philox::uniform_double(1234, 1, i));  // the second draw uses offset 1
  }
  CHECK(gen.offset() == 2);
}

TEST_CASE("randn draws element i from Philox at (seed, offset, i)") {
  // The CPU kernel computes whole Philox blocks at once; every element must still equal
  // the per-element formula that CUDA threads use. Odd sizes leave ragged block ends.
  Generator gen(99);
  std::vector<float> a = randn({11}, {}, &gen).to_vector<float>();
  std::vector<double> b = randn({7}, {.dtype = DType::Float64}, &gen).to_vector<double>();
  for (uint64_t i = 0; i < a.size(); ++i) CHECK(a[i] == philox::normal_float(99, 0, i));
  for (uint64_t i = 0; i < b.size(); ++i) CHECK(b[i] == philox::normal_double(99, 1, i));
  // A transposed (strided) output gets the values of its logical positions.
  Generator g1(5), g2(5);
  Tensor t = empty({3, 5}).t();
  t.normal_(0.0, 1.0, &g1);
  CHECK(t.contiguous().equal(randn({5, 3}, {}, &g2)));
}

TEST_CASE("same seed gives the same stream; generators are independent") {
  Generator g1(42), g2(42);
  CHECK(same_bits(rand({1000}, {}, &g1), rand({1000}, {}, &g2)));
  CHECK(same_bits(randn({7, 3}, {.dtype = DType::Float64}, &g1), randn({7, 3}, {.dtype = DType::Float64}, &g2)));
  // Consecutive draws differ.
  Tensor d1 = rand({100}, {}, &g1), d2 = rand({100}, {}, &g1);
  CHECK_FALSE(same_bits(d1, d2));
  // Different seeds differ.
  Generator g3(43);
  CHECK_FALSE(same_bits(rand({100}, {}, &g3), rand({100}, {}, &g2)));
  // Draws from one generator (or the default one) do not disturb another.
  Generator solo(7), mixed(7), other(7);
  Tensor s1 = rand({50}, {}, &solo), s2 = randint(0, 100, {50}, {.dtype = DType::Int64}, &solo);
  Tensor m1 = rand({50}, {}, &mixed);
  rand({50}, {}, &other);
  rand({50});  // default generator
  randn({10}, {}, &other);
  Tensor m2 = randint(0, 100, {50}, {.dtype = DType::Int64}, &mixed);
  CHECK(same_bits(s1, m1));
  CHECK(same_bits(s2, m2));
}

TEST_CASE("manual_seed and the default generator") {
  manual_seed(2024);
  Tensor a = rand({64});
  Tensor a2 = randn({64});
  manual_seed(2024);
  CHECK(same_bits(rand({64}), a));
  CHECK(same_bits(randn({64}), a2));
  CHECK(default_generator().initial_seed() == 2024);
  CHECK(default_generator().offset() == 2);
  Generator g(5);
  rand({3}, {}, &g);
  g.manual_seed(5);  // resets the offset too
  CHECK(g.offset() == 0);
  Generator fresh(5);
  CHECK(same_bits(rand({16}, {}, &g), rand({16}, {}, &fresh)));
  CHECK(Generator().initial_seed() == Generator::kDefaultSeed);
}

TEST_CASE("Generator state round trip and bad states") {
  Generator g(99);
  rand({10}, {}, &g);
  Tensor state = g.get_state();
  CHECK(state.dtype() == DType::UInt8);
  CHECK(state.numel() == 16);
  // Seed then offset, little-endian.
  std::vector<uint8_t> bytes = state.to_vector<uint8_t>();
  CHECK(bytes[0] == 99);
  CHECK(bytes[8] == 1);
  Tensor next = rand({20}, {}, &g);
  Generator h(1);
  h.set_state(state);
  CHECK(h.initial_seed() == 99);
  CHECK(h.offset() == 1);
  CHECK(same_bits(rand({20}, {}, &h), next));
  g.set_state(state);
  CHECK(same_bits(rand({20}, {}, &g), next));
  check_error([&] { g.set_state(zeros({16})); }, {"set_state", "uint8", "float32"}, "set_state with a float tensor");
  check_error([&] { g.set_state(zeros({8}, {.dtype = DType::UInt8})); }, {"set_state", "16", "8"},
              "set_state with 8 bytes");
  check_error([&] { g.set_state(Tensor()); }, {"set_state", "undefined"}, "set_state with an undefined tensor");
  // A failed set_state leaves the generator as it was.
  CHECK(g.initial_seed() == 99);
}

TEST_CASE("rand is in [0, 1) with the right moments") {
  Generator gen(17);
  for (DType dt : {DType::Float32, DType::Float64}) {
    INFO("dtype: " << std::string(dtype_name(dt)));
    std::vector<double> v = dvals(rand({1000000}, {.dtype = dt}, &gen));
    CHECK(*std::min_element(v.begin(), v.end()) >= 0.0);
    CHECK(*std::max_element(v.begin(), v.end()) < 1.0);
    // Mean 1/2 and std sqrt(1/12), within ~6 standard errors of 1e6 samples.
    CHECK(std::fabs(mean_of(v) - 0.5) < 2e-3);
    CHECK(std::fabs(std_of(v) - std::sqrt(1.0 / 12.0)) < 1e-3);
  }
  // 16-bit dtypes stay below 1 as well (torch.rand(10**7, dtype=torch.bfloat16).max() is
  // 0.9961): rounding a float just below 1 must not produce 1.0.
  for (DType dt : {DType::BFloat16, DType::Float16}) {
    INFO("dtype: " << std::string(dtype_name(dt)));
    std::vector<double> h = dvals(rand({200000}, {.dtype = dt}, &gen));
    CHECK(*std::min_element(h.begin(), h.end()) >= 0.0);
    CHECK(*std::max_element(h.begin(), h.end()) < 1.0);
  }
  // uniform_ on a range.
  Tensor u = empty({100000}, {.dtype = DType::Float64});
  u.uniform_(-2, 3, &gen);
  std::vector<double> uv = dvals(u);
  CHECK(*std::min_element(uv.begin(), uv.end()) >= -2.0);
  CHECK(*std::max_element(uv.begin(), uv.end()) < 3.0);
  CHECK(std::fabs(mean_of(uv) - 0.5) < 0.03);
  check_error([] { rand({2}, {.dtype = DType::Int64}); }, {"rand", "int64"}, "rand with an integer dtype");
}

TEST_CASE("randn has mean 0 and std 1 within statistical bounds") {
  Generator gen(23);
  for (DType dt : {DType::Float32, DType::Float64}) {
    INFO("dtype: " << std::string(dtype_name(dt)));
    std::vector<double> v = dvals(randn({1000000}, {.dtype = dt}, &gen));
    // Standard error of the mean is 1e-3 and of the std about 7e-4: allow 5 of each.
    CHECK(std::fabs(mean_of(v)) < 5e-3);
    CHECK(std::fabs(std_of(v) - 1.0) < 3.5e-3);
    // Tail mass beyond 2 sigma is 4.55%.
    double tail = 0;
    for (double x : v) tail += std::fabs(x) > 2.0;
    CHECK(std::fabs(tail / 1e6 - 0.0455) < 2e-3);
  }
  Tensor n = empty({200000}, {.dtype = DType::Float64});
  n.normal_(3.0, 2.0, &gen);
  std::vector<double> nv = dvals(n);
  CHECK(std::fabs(mean_of(nv) - 3.0) < 0.02);
  CHECK(std::fabs(std_of(nv) - 2.0) < 0.02);
}

TEST_CASE("randint covers exactly [low, high)") {
  Generator gen(31);
  for (DType dt : {DType::Int64, DType::Int32, DType::Float32}) {
    INFO("dtype: " << std::string(dtype_name(dt)));
    Tensor r = randint(-3, 4, {70000}, {.dtype = dt}, &gen);
    CHECK(r.dtype() == dt);
    std::vector<int64_t> v = ivals(r);
    std::vector<int64_t> counts(7, 0);
    for (int64_t x : v) {
      REQUIRE(x >= -3);
      REQUIRE(x < 4);
      ++counts[static_cast<size_t>(x + 3)];
    }
    for (int64_t c : counts) CHECK(std::abs(c - 10000) < 500);  // 5 standard errors
  }
  CHECK(ivals(randint(5, 6, {10}, {.dtype = DType::Int64}, &gen)) == std::vector<int64_t>(10, 5));
  check_error([] { randint(3, 3, {2}); }, {"randint", "3"}, "randint with low == high");
  check_error([] { randint(0, 2, {2}, {.dtype = DType::Bool}); }, {"randint", "bool"}, "randint to bool");
}

TEST_CASE("bernoulli frequencies") {
  Generator gen(37);
  Tensor p = full({200000}, 0.3, {.dtype = DType::Float64});
  Tensor b = bernoulli(p, &gen);
  CHECK(b.dtype() == DType::Float64);
  std::vector<double> v = dvals(b);
  for (double x : v) REQUIRE((x == 0.0 || x == 1.0));
  CHECK(std::fabs(mean_of(v) - 0.3) < 5e-3);  // standard error 1e-3
  // p of exactly 0 and 1 are certain.
  Tensor edge = bernoulli(tensor({0.0, 1.0, 0.0, 1.0}), &gen);
  CHECK(dvals(edge) == std::vector<double>{0, 1, 0, 1});
  // Scalar probability and the in-place form.
  std::vector<double> s = dvals(bernoulli(zeros({100000}), 0.8, &gen));
  CHECK(std::fabs(mean_of(s) - 0.8) < 7e-3);
  Tensor ib = zeros({100000}, {.dtype = DType::UInt8});
  ib.bernoulli_(0.5, &gen);
  CHECK(std::fabs(mean_of(dvals(ib)) - 0.5) < 8e-3);
  check_error([&] { bernoulli(tensor({0.5, 1.5}), &gen); }, {"bernoulli", "1.5"}, "bernoulli with p > 1");
  check_error([&] { zeros({2}).bernoulli_(-0.1, &gen); }, {"bernoulli_", "-0.1"}, "bernoulli_ with p < 0");
}

TEST_CASE("randperm is a permutation") {
  Generator gen(41);
  for (int64_t n : {0, 1, 2, 10, 1000, 50000}) {
    CAPTURE(n);
    Tensor p = randperm(n, {.dtype = DType::Int64}, &gen);
    CHECK(p.sizes() == Shape{n});
    std::vector<int64_t> v = ivals(p);
    std::sort(v.begin(), v.end());
    std::vector<int64_t> expected(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) expected[static_cast<size_t>(i)] = i;
    CHECK(v == expected);
  }
  // Shuffled, not the identity, and different for another draw.
  Tensor a = randperm(1000, {.dtype = DType::Int64}, &gen), b = randperm(1000, {.dtype = DType::Int64}, &gen);
  CHECK_FALSE(a.equal(arange(1000)));
  CHECK_FALSE(a.equal(b));
  CHECK(randperm(5, {.dtype = DType::Int32}, &gen).dtype() == DType::Int32);
  check_error([&] { randperm(-1, {.dtype = DType::Int64}, &gen); }, {"randperm", "-1"}, "randperm(-1)");
}

TEST_CASE("a strided output gets the values of its logical positions") {
  Generator g1(55), g2(55);
  Tensor direct = rand({30, 40}, {.dtype = DType::Float64}, &g1);
  Tensor strided = empty({40, 30}, {.dtype = DType::Float64}).t();  // [30, 40], column-major storage
  strided.uniform_(0, 1, &g2);
  CHECK(same_bits(strided.contiguous(), direct));
}

TEST_CASE("random draws and big reductions do not depend on the thread count") {
  ThreadCountGuard guard;
  // Sizes above the 32768-element grain so the OpenMP paths split the work.
  auto draw_all = [] {
    Generator gen(77);
    std::vector<Tensor> out;
    out.push_back(rand({100003}, {}, &gen));
    out.push_back(rand({100003}, {.dtype = DType::Float64}, &gen));
    out.push_back(randn({100003}, {}, &gen));
    out.push_back(randn({333, 301}, {.dtype = DType::Float64}, &gen));
    out.push_back(randint(-1000, 1000, {100003}, {.dtype = DType::Int64}, &gen));
    out.push_back(bernoulli(full({100003}, 0.25, {.dtype = DType::Float32}), &gen));
    out.push_back(randperm(70000, {.dtype = DType::Int64}, &gen));
    Tensor strided = empty({300, 400}, {.dtype = DType::Float64}).t();
    strided.normal_(0, 1, &gen);
    out.push_back(strided.contiguous());
    // Reductions of one big tensor: all elements, over each dim, and a softmax.
    Tensor big = out[3];
    out.push_back(big.sum());
    out.push_back(big.sum({0}));
    out.push_back(big.t().sum({0}));
    out.push_back(out[0].sum());
    out.push_back(big.softmax(1));
    return out;
  };
  omp_set_num_threads(1);
  std::vector<Tensor> one = draw_all();
  omp_set_num_threads(2);
  std::vector<Tensor> two = draw_all();
  REQUIRE(one.size() == two.size());
  for (size_t i = 0; i < one.size(); ++i) {
    CAPTURE(i);
    CHECK(same_bits(one[i], two[i]));
  }
}

}  // TEST_SUITE
