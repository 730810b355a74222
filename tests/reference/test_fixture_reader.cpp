// The test-support safetensors reader: loads what the format allows and rejects what
// REFERENCE.md says readers must reject, with errors naming the problem.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include "tests/support/checks.hpp"
#include "kernels/common/error.hpp"
#include "tests/support/fixtures.hpp"

using namespace accmt;
using accmt::test::Fixtures;

namespace {

namespace fs = std::filesystem;

// Writes <tmp>/<name>: 8-byte header length (or `declared_len`), the JSON, the data bytes.
std::string write_file(const std::string& name, std::string json, const std::vector<uint8_t>& data,
                       std::optional<uint64_t> declared_len = std::nullopt) {
  const fs::path dir = fs::temp_directory_path() / ("accmt_reader_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  accmt::test::temp_dirs_to_remove().add(dir);
  json.append((8 - json.size() % 8) % 8, ' ');
  const uint64_t n = declared_len ? *declared_len : json.size();
  const std::string path = (dir / name).string();
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(&n), 8);
  out.write(json.data(), static_cast<std::streamsize>(json.size()));
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  return path;
}

template <class T> void append(std::vector<uint8_t>& bytes, const std::vector<T>& values) {
  const auto* p = reinterpret_cast<const uint8_t*>(values.data());
  bytes.insert(bytes.end(), p, p + values.size() * sizeof(T));
}

// The Error message when loading `path`, or "" when it loads.
std::string load_error(const std::string& path) {
  try {
    Fixtures f(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_SUITE("reference.reader") {
  TEST_CASE("a valid file loads every dtype, 0-d and empty tensors, in any header order") {
    std::vector<uint8_t> data;
    append(data, std::vector<double>{2.5});                  // s: [0, 8)
    append(data, std::vector<float>{1.0f, -2.0f, 3.5f, 0.25f});  // m: [8, 24)
    append(data, std::vector<int64_t>{-7, 1LL << 60});       // i: [24, 40)
    append(data, std::vector<uint16_t>{0x3f80, 0xc040});     // b (bf16 1, -3): [40, 44)
    append(data, std::vector<uint8_t>{1, 0, 1});             // k (bool): [44, 47)
    const std::string json =
        R"({"m":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]},)"
        R"("__metadata__":{"format":"pt","torch_version":"x"},)"
        R"("k":{"dtype":"BOOL","shape":[3],"data_offsets":[44,47]},)"
        R"("e":{"dtype":"F32","shape":[0,3],"data_offsets":[47,47]},)"
        R"("s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},)"
        R"("i":{"dtype":"I64","shape":[2],"data_offsets":[24,40]},)"
        R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[40,44]}})";
    const Fixtures f(write_file("valid.safetensors", json, data));
    CHECK(f.names() == std::vector<std::string>{"b", "e", "i", "k", "m", "s"});
    CHECK(f.metadata().at("torch_version") == "x");
    CHECK(f.get("s").dim() == 0);
    CHECK(test::host_values(f.get("s")) == std::vector<double>{2.5});
    CHECK(f.get("m").sizes() == Shape{2, 2});
    CHECK(test::host_values(f.get("m")) == std::vector<double>{1.0, -2.0, 3.5, 0.25});
    CHECK(f.get("i").dtype() == DType::Int64);
    CHECK(f.get("i").to_vector<int64_t>() == std::vector<int64_t>{-7, 1LL << 60});
    CHECK(test::host_values(f.get("b")) == std::vector<double>{1.0, -3.0});
    CHECK(f.get("k").dtype() == DType::Bool);
    CHECK(test::host_values(f.get("k")) == std::vector<double>{1, 0, 1});
    CHECK(f.get("e").sizes() == Shape{0, 3});
    CHECK(test::check_close(f.get("m"), f.get("m"), 0, 0, "self"));
  }

  TEST_CASE("a missing key names the key and the file") {
    std::vector<uint8_t> data;
    append(data, std::vector<float>{1.0f});
    const std::string path = write_file("one.safetensors", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", data);
    const Fixtures f(path);
    try {
      f.get("nope.out");
      FAIL("get of a missing key did not throw");
    } catch (const Error& e) {
      CHECK(contains(e.what(), "nope.out"));
      CHECK(contains(e.what(), "one.safetensors"));
    }
  }

  TEST_CASE("malformed files are rejected with a reason") {
    std::vector<uint8_t> eight(8, 0);
    const std::string a = R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
    CHECK(contains(load_error(write_file("huge.st", "{}", {}, 100'000'001)), "limit"));
    CHECK(contains(load_error(write_file("past.st", "{}", {}, 4096)), "past the end"));
    CHECK(contains(load_error(write_file("gap.st", "{" + a + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})", std::vector<uint8_t>(12))), "gap"));
    CHECK(contains(load_error(write_file("overlap.st", "{" + a + R"(,"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})", eight)), "overlap"));
    CHECK(contains(load_error(write_file("size.st", R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", eight)), "needs 12 bytes"));
    CHECK(contains(load_error(write_file("trailing.st", "{" + a + "}", eight)), "header and data need"));
    CHECK(contains(load_error(write_file("dtype.st", R"({"a":{"dtype":"I16","shape":[2],"data_offsets":[0,4]}})", std::vector<uint8_t>(4))), "I16"));
    CHECK(contains(load_error(write_file("json.st", R"({"a": [1, 2)", {})), "JSON"));
    CHECK(contains(load_error(write_file("fields.st", R"({"a":{"dtype":"F32"}})", {})), "data_offsets"));
    CHECK(contains(load_error("/nonexistent/x.safetensors"), "cannot open"));
    std::ofstream(fs::temp_directory_path() / "accmt_reader_short.st") << "abc";
    accmt::test::temp_dirs_to_remove().add(fs::temp_directory_path() / "accmt_reader_short.st");
    CHECK(contains(load_error((fs::temp_directory_path() / "accmt_reader_short.st").string()), "shorter"));
  }

  TEST_CASE("check_close treats NaN and same-signed inf as equal and honours the tolerances") {
    const double nan = std::nan(""), inf = INFINITY;
    const Tensor e = tensor(std::vector<double>{1.0, nan, inf, -inf, 100.0});
    const Tensor a = tensor(std::vector<double>{1.0 + 1e-9, nan, inf, -inf, 100.0 + 9e-4});
    CHECK(test::check_close(a, e, 1e-5, 1e-8, "nan/inf"));
    CHECK(test::check_close(a.to(DType::Float32), e, 1e-5, 1e-8, "float32 vs float64"));
    const Tensor i = tensor(std::vector<int64_t>{3, -1, 1LL << 62});
    CHECK(test::check_close(i, i.clone(), 0, 0, "int64 exact"));
  }
}
