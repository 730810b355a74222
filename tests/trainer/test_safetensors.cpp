// safetensors: our writer and validating reader round trip every dtype; sharded models
// follow HuggingFace's layout; malformed files (bad header lengths, overlapping or
// out-of-range offsets, wrong sizes, truncation, missing shards) are clear errors; and
// the real Python `safetensors` + `torch` read our files and write files we read.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <accmt/accmt.hpp>
#include "tests/support/checks.hpp"
#include "tests/support/fixtures.hpp"
#include "trainer/safetensors.hpp"

using namespace accmt;
using accmt::test::error_of;
namespace fs = std::filesystem;

namespace {

std::string fresh_dir(const std::string& name) { return test::fresh_temp_dir("st-" + name); }

nn::StateDict every_dtype() {
  Generator g(4);
  return {{"f32", randn({3, 5}, {}, &g)},
          {"f64", randn({7}, {.dtype = DType::Float64}, &g)},
          {"f16", randn({2, 2, 3}, {}, &g).to(DType::Float16)},
          {"bf16", randn({9}, {}, &g).to(DType::BFloat16)},
          {"i64", randint(-1000, 1000, {4, 4}, {.dtype = DType::Int64}, &g)},
          {"i32", randint(-1000, 1000, {6}, {.dtype = DType::Int32}, &g)},
          {"u8", randint(0, 256, {10}, {.dtype = DType::UInt8}, &g)},
          {"bool", rand({3, 3}, {}, &g).gt(0.5)},
          {"scalar", full({}, 2.5)},
          {"empty", zeros({0, 4})}};
}

void check_same(const nn::StateDict& got, const nn::StateDict& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CAPTURE(want[i].first);
    CHECK(got[i].first == want[i].first);
    CHECK(got[i].second.dtype() == want[i].second.dtype());
    CHECK(got[i].second.equal(want[i].second));
  }
}

void write_bytes(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

// A file with the given JSON header and `data_bytes` zero bytes of data.
std::string with_header(const std::string& json, size_t data_bytes) {
  std::string out(8, '\0');
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out[size_t(i)] = char((n >> (8 * i)) & 0xff);
  return out + json + std::string(data_bytes, '\0');
}

}  // namespace

TEST_SUITE("trainer.safetensors") {
  TEST_CASE("every dtype round trips, with metadata, in file order") {
    const std::string dir = fresh_dir("roundtrip");
    const auto tensors = every_dtype();
    save_safetensors(dir + "/a.safetensors", tensors, {{"note", "hi \"there\""}});
    std::map<std::string, std::string> meta;
    check_same(load_safetensors(dir + "/a.safetensors", &meta), tensors);
    CHECK(meta.at("format") == "pt");
    CHECK(meta.at("note") == "hi \"there\"");
    // The test suite's independent reader agrees.
    test::Fixtures fx(dir + "/a.safetensors");
    CHECK(fx.get("i64").equal(tensors[4].second));
    // The header is padded to a multiple of 8.
    const std::string bytes = safetensors_bytes(tensors);
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | uint8_t(bytes[size_t(i)]);
    CHECK(n % 8 == 0);
  }

  TEST_CASE("sharding: greedy packing in order, the index, loading, and cleanup of old shards") {
    const std::string dir = fresh_dir("shards");
    nn::StateDict tensors;
    for (int i = 0; i < 5; ++i) tensors.emplace_back("layer" + std::to_string(i), full({250}, double(i)));  // 1000 B each
    tensors.emplace_back("big", zeros({1000}));  // 4000 B: larger than the limit, a shard of its own
    const auto files = save_model_safetensors(dir, tensors, 2500);
    // [layer0, layer1] [layer2, layer3] [layer4] [big]
    REQUIRE(files.size() == 5);
    CHECK(files[0] == "model-00001-of-00004.safetensors");
    CHECK(files[4] == "model.safetensors.index.json");
    CHECK(load_safetensors(dir + "/model-00002-of-00004.safetensors").size() == 2);
    CHECK(load_safetensors(dir + "/model-00004-of-00004.safetensors")[0].first == "big");
    check_same(load_model_safetensors(dir), tensors);
    std::ifstream idx(dir + "/model.safetensors.index.json");
    const std::string index((std::istreambuf_iterator<char>(idx)), std::istreambuf_iterator<char>());
    CHECK(index.find("\"total_size\": 9000") != std::string::npos);

    // Saving again unsharded removes the shards and the index.
    save_model_safetensors(dir, tensors, int64_t(1) << 30);
    CHECK(fs::exists(dir + "/model.safetensors"));
    CHECK_FALSE(fs::exists(dir + "/model.safetensors.index.json"));
    CHECK_FALSE(fs::exists(dir + "/model-00001-of-00004.safetensors"));
    check_same(load_model_safetensors(dir), tensors);

    // A missing shard is named.
    save_model_safetensors(dir, tensors, 2500);
    fs::remove(dir + "/model-00003-of-00004.safetensors");
    CHECK(error_of([&] { load_model_safetensors(dir); }).find("model-00003-of-00004.safetensors") != std::string::npos);
  }

  TEST_CASE("malformed files are errors naming the problem, never crashes") {
    const std::string dir = fresh_dir("bad");
    const std::string path = dir + "/bad.safetensors";
    const std::string entry = R"("t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]})";
    struct Case {
      std::string bytes;
      const char* expect;
    };
    std::string huge(8, '\0');
    huge[4] = 1;  // header length 2^32
    const std::vector<Case> cases = {
        {"abc", "shorter than the 8-byte header"},
        {huge + "{}", "exceeds the limit"},
        {with_header("{" + entry + "}", 4), "truncated"},
        {with_header("{" + entry + "}", 12), "trailing bytes"},
        {with_header("{not json", 0), "not valid JSON"},
        {with_header(R"({"t": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8), "needs 12 bytes"},
        {with_header(R"({"t": {"dtype": "Q7", "shape": [2], "data_offsets": [0, 8]}})", 8), "dtype Q7"},
        {with_header(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})", 12), "overlapping"},
        {with_header(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})", 16), "a gap"},
        {with_header(R"({"t": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", 8), "negative dimension"},
        {with_header(R"({"t": {"dtype": "F32", "shape": [4611686018427387904, 4], "data_offsets": [0, 8]}})", 8), "larger than the file"},
        {with_header(R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}})", 8), "end < begin"},
        {with_header(R"({"t": {"dtype": "F32"}})", 0), "needs dtype, shape and data_offsets"},
    };
    for (const Case& c : cases) {
      write_bytes(path, c.bytes);
      const std::string msg = error_of([&] { load_safetensors(path); });
      CAPTURE(msg);
      CHECK(msg.find("bad.safetensors") != std::string::npos);
      CHECK(msg.find(c.expect) != std::string::npos);
    }
  }

  TEST_CASE("Python's safetensors and torch read our files (single and sharded), and we read theirs") {
    const std::string dir = fresh_dir("interop");
    const auto tensors = every_dtype();
    save_safetensors(dir + "/single.safetensors", tensors);
    nn::StateDict big;
    for (int i = 0; i < 4; ++i) big.emplace_back("w" + std::to_string(i), randn({64, 16}));
    save_model_safetensors(dir + "/sharded", big, 5000);
    REQUIRE(fs::exists(dir + "/sharded/model.safetensors.index.json"));
    const char* source = std::getenv("ACCMT_SOURCE_DIR");
    const std::string script = std::string(source ? source : ACCMT_SOURCE_DIR) + "/tests/reference/check_safetensors_interop.py";
    const bool required = std::getenv("ACCMT_REQUIRE_PYTHON_INTEROP") != nullptr;
    for (const auto& [in, want] : std::vector<std::pair<std::string, nn::StateDict>>{
             {dir + "/single.safetensors", tensors}, {dir + "/sharded", big}}) {
      const std::string out = dir + "/from_torch.safetensors";
      fs::remove(out);
      const char* python = std::getenv("ACCMT_PYTHON");  // tools/setup-python-interop.sh prints one
      const int rc = std::system((std::string(python ? python : "python3") + " " + script + " " + in + " " + out +
                                  " > " + dir + "/py.log 2>&1")
                                     .c_str());
      if (WEXITSTATUS(rc) == 3 && !required) {
        MESSAGE("python3 lacks torch or safetensors: interop not checked here (CI requires it)");
        return;
      }
      REQUIRE(WEXITSTATUS(rc) == 0);
      std::map<std::string, std::string> meta;
      const auto back = load_safetensors(out, &meta);
      CHECK(meta.at("writer").rfind("torch ", 0) == 0);
      std::map<std::string, Tensor> by_name(back.begin(), back.end());
      for (const auto& [name, t] : want) {
        CAPTURE(name);
        REQUIRE(by_name.count(name));
        CHECK(by_name.at(name).equal(t));
        const Tensor expected = t.dtype() == DType::Bool ? t.logical_not() : t.mul(2).to(t.dtype());
        CHECK(by_name.at(name + ".derived").equal(expected));
      }
    }
  }
}
