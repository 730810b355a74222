// Batches, the default collate, lists of collate functions and the padding collator.
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
Example seq(std::vector<int64_t> ids, int64_t label) {
  return Example{{"ids", tensor(ids)}, {"label", scalar_tensor(label, {.dtype = DType::Int64})}};
}
}  // namespace

TEST_SUITE("data.collate") {

TEST_CASE("Batch: by name, by position, in insertion order; set replaces in place") {
  Batch b{{"image", zeros({2, 3})}, {"label", ones({2})}};
  CHECK(b.keys() == std::vector<std::string>{"image", "label"});
  CHECK(b[size_t{1}].equal(ones({2})));
  CHECK(b[0].sizes() == Shape{2, 3});
  b.set("image", ones({1}));
  CHECK(b.keys() == std::vector<std::string>{"image", "label"});
  CHECK(b["image"].equal(ones({1})));
  b.set("mask", zeros({1}));
  CHECK(b.size() == 3);
  CHECK(b.erase("mask"));
  CHECK(b.str() == "{image: [1] float32, label: [2] float32}");
  CHECK(has(error_of([&] { (void)b[size_t{5}]; }), "position 5 is out of range for a batch of 2"));
}

TEST_CASE("default collate stacks each key along a new first dimension") {
  std::vector<Example> xs{Example{{"x", tensor({1., 2.})}, {"y", scalar_tensor(3, {.dtype = DType::Int64})}},
                          Example{{"x", tensor({4., 5.})}, {"y", scalar_tensor(6, {.dtype = DType::Int64})}}};
  Batch b = default_collate(xs);
  CHECK(b["x"].equal(tensor({{1., 2.}, {4., 5.}})));
  CHECK(b["y"].to_vector<int64_t>() == std::vector<int64_t>{3, 6});
  CHECK(b.keys() == std::vector<std::string>{"x", "y"});
}

TEST_CASE("default collate errors name the key, the example and the shapes") {
  std::vector<Example> shapes{Example{{"x", zeros({3, 32, 32})}}, Example{{"x", zeros({3, 32, 32})}},
                              Example{{"x", zeros({3, 30, 32})}}};
  CHECK(has(error_of([&] { default_collate(shapes); }),
            "collate: key 'x' has shape [3, 30, 32] in example 2 but [3, 32, 32] in example 0"));
  std::vector<Example> keys{Example{{"x", zeros({1})}}, Example{{"z", zeros({1})}}};
  CHECK(has(error_of([&] { default_collate(keys); }), "example 1 has no key 'x'"));
  std::vector<Example> types{Example{{"x", zeros({1})}}, Example{{"x", zeros({1}, {.dtype = DType::Int64})}}};
  CHECK(has(error_of([&] { default_collate(types); }), "key 'x' is int64 in example 1 but float32 in example 0"));
}

TEST_CASE("a list of collate functions applies in order") {
  std::vector<Example> xs{Example{{"x", full({1}, 1.0)}}, Example{{"x", full({1}, 2.0)}}};
  CollateFn chain = {[](const std::vector<Example>& ex) {
                       Batch b = default_collate(ex);
                       b.set("x", b["x"] * 10);
                       return b;
                     },
                     [](Batch b) {
                       b.set("x", b["x"] + 1);
                       return b;
                     },
                     [](Batch b) {
                       b.set("n", scalar_tensor(double(b["x"].size(0))));
                       return b;
                     }};
  Batch b = chain(xs);
  CHECK(b["x"].equal(tensor({11., 21.}).reshape({2, 1})));  // (x * 10) + 1: the order matters
  CHECK(b["n"].item<double>() == 2);
  // A list starting with a batch step begins with the default collate.
  CollateFn after_default = {[](Batch b) {
    b.set("x", b["x"].neg());
    return b;
  }};
  CHECK(after_default(xs)["x"].equal(tensor({-1., -2.}).reshape({2, 1})));
  CHECK(has(error_of([] {
              CollateFn bad = {[](Batch b) { return b; }, [](const std::vector<Example>& e) { return default_collate(e); }};
            }),
            "step 1 takes the examples"));
}

TEST_CASE("padding collator: right and left, mask, per-key pad values, multiple-of") {
  std::vector<Example> xs{seq({5, 6, 7}, 1), seq({8}, 0), seq({9, 10}, 1)};
  Batch r = PaddingCollator({.keys = {"ids"}})(xs);
  CHECK(r.keys() == std::vector<std::string>{"ids", "label", "attention_mask"});
  CHECK(r["ids"].to_vector<int64_t>() == std::vector<int64_t>{5, 6, 7, 8, 0, 0, 9, 10, 0});
  CHECK(r["attention_mask"].to_vector<int64_t>() == std::vector<int64_t>{1, 1, 1, 1, 0, 0, 1, 1, 0});
  CHECK(r["label"].to_vector<int64_t>() == std::vector<int64_t>{1, 0, 1});

  Batch l = PaddingCollator({.keys = {"ids"}, .pad_value = -1, .side = "left", .pad_to_multiple_of = 4})(xs);
  CHECK(l["ids"].sizes() == Shape{3, 4});
  CHECK(l["ids"].to_vector<int64_t>() == std::vector<int64_t>{-1, 5, 6, 7, -1, -1, -1, 8, -1, -1, 9, 10});
  CHECK(l["attention_mask"].to_vector<int64_t>() == std::vector<int64_t>{0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1});

  std::vector<Example> two{Example{{"ids", tensor(std::vector<int64_t>{1, 2})}, {"labels", tensor(std::vector<int64_t>{3, 4})}},
                           Example{{"ids", tensor(std::vector<int64_t>{5})}, {"labels", tensor(std::vector<int64_t>{6})}}};
  Batch p = PaddingCollator({.pad_values = {{"labels", -100}}, .mask_key = ""})(two);
  CHECK(p["labels"].to_vector<int64_t>() == std::vector<int64_t>{3, 4, 6, -100});
  CHECK(p["ids"].to_vector<int64_t>() == std::vector<int64_t>{1, 2, 5, 0});
  CHECK(!p.contains("attention_mask"));

  // Trailing dims must agree.
  std::vector<Example> feats{Example{{"f", zeros({2, 4})}}, Example{{"f", zeros({3, 5})}}};
  CHECK(has(error_of([&] { PaddingCollator()(feats); }), "key 'f' has shape [3, 5] in example 1 but [2, 4]"));
  CHECK(has(error_of([] { PaddingCollator({.side = "middle"}); }), "side must be \"right\" or \"left\""));
}

TEST_CASE("a user example type with its own collate goes through the loader") {
  struct Pair {
    int64_t a, b;
  };
  struct Sums {
    int64_t total = 0;
    size_t count = 0;
  };
  struct PairDataset : BasicDataset<Pair> {
    int64_t size() const override { return 5; }
    Pair get(int64_t i) const override { return {i, 10 * i}; }
  };
  using Loader = BasicDataLoader<Pair, Sums>;
  Loader loader(std::make_shared<PairDataset>(), {.batch_size = 2, .collate_fn = [](const std::vector<Pair>& ps) {
                                                    Sums s;
                                                    for (auto& p : ps) s.total += p.a + p.b;
                                                    s.count = ps.size();
                                                    return s;
                                                  }});
  std::vector<int64_t> totals;
  for (Sums& s : loader) totals.push_back(s.total);
  CHECK(totals == std::vector<int64_t>{11, 55, 44});
  CHECK(has(error_of([] { Loader(std::make_shared<PairDataset>(), {.batch_size = 2}); }),
            "needs a collate_fn that takes its examples"));
}

}  // TEST_SUITE
