// Safetensors reader and allclose checks for the reference tests.
#include "tests/support/fixtures.hpp"

#include <doctest/doctest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include "kernels/common/error.hpp"

namespace accmt::test {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

constexpr uint64_t kMaxHeader = 100'000'000;  // REFERENCE.md: header size limit

[[noreturn]] void fail(const std::string& path, const std::string& msg) {
  throw Error("safetensors file '" + path + "': " + msg);
}

// safetensors dtype names accmt has; others are recognised only to name them in errors.
bool dtype_from_safetensors(const std::string& s, DType& out) {
  static const std::map<std::string, DType> known = {
      {"BOOL", DType::Bool},    {"U8", DType::UInt8},      {"I32", DType::Int32},
      {"I64", DType::Int64},    {"F16", DType::Float16},   {"BF16", DType::BFloat16},
      {"F32", DType::Float32},  {"F64", DType::Float64}};
  auto it = known.find(s);
  if (it == known.end()) return false;
  out = it->second;
  return true;
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

std::string index_str(int64_t flat, const Shape& sizes) {
  Shape idx(sizes.size());
  for (int64_t d = static_cast<int64_t>(sizes.size()) - 1; d >= 0; --d) {
    idx[d] = sizes[d] ? flat % sizes[d] : 0;
    flat = sizes[d] ? flat / sizes[d] : 0;
  }
  return shape_str(idx);
}

// Reads every element (following sizes/strides from data_ptr) converted to Out.
template <class Out> std::vector<Out> read_as(const Tensor& t0) {
  Tensor t = t0.device().is_cpu() ? t0 : t0.cpu();
  const Shape& sizes = t.sizes();
  const Shape& strides = t.strides();
  const int64_t n = t.numel();
  std::vector<Out> out;
  out.reserve(static_cast<size_t>(n));
  if (n == 0) return out;
  dispatch_all(t.dtype(), [&]<class T>() {
    const T* base = static_cast<const T*>(t.data_ptr());
    Shape idx(sizes.size(), 0);
    for (int64_t i = 0; i < n; ++i) {
      int64_t off = 0;
      for (size_t d = 0; d < idx.size(); ++d) off += idx[d] * strides[d];
      T v;
      std::memcpy(&v, base + off, sizeof(T));  // bool/16-bit types: no aliasing surprises
      if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) out.push_back(static_cast<Out>(float(v)));
      else out.push_back(static_cast<Out>(v));
      for (int64_t d = static_cast<int64_t>(idx.size()) - 1; d >= 0; --d) {
        if (++idx[d] < sizes[d]) break;
        idx[d] = 0;
      }
    }
  });
  return out;
}

}  // namespace

Fixtures::Fixtures(const std::string& path) : path_(path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open (run python3 tests/reference/make_fixtures.py to regenerate)");
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const uint64_t file_size = bytes.size();
  if (file_size < 8) fail(path, "shorter than the 8-byte header length");
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  if (n > kMaxHeader) fail(path, "header length " + std::to_string(n) + " exceeds the limit of 100000000");
  if (8 + n > file_size) fail(path, "header length " + std::to_string(n) + " runs past the end of the file");

  YAML::Node header;
  try {
    header = YAML::Load(std::string(bytes.data() + 8, n));  // JSON is YAML
  } catch (const YAML::Exception& e) {
    fail(path, std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.IsMap()) fail(path, "header is not a JSON object");

  std::vector<Entry> entries;
  for (const auto& kv : header) {
    const std::string key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (key == "__metadata__") {
      if (!v.IsMap()) fail(path, "__metadata__ is not an object");
      for (const auto& m : v) metadata_[m.first.as<std::string>()] = m.second.as<std::string>();
      continue;
    }
    if (!v.IsMap() || !v["dtype"] || !v["shape"] || !v["data_offsets"])
      fail(path, "entry '" + key + "' needs dtype, shape and data_offsets");
    Entry e{key, DType::Float32, {}, 0, 0};
    const std::string dt = v["dtype"].as<std::string>();
    if (!dtype_from_safetensors(dt, e.dtype)) fail(path, "entry '" + key + "' has dtype " + dt + ", which accmt does not support");
    if (!v["shape"].IsSequence()) fail(path, "entry '" + key + "': shape is not a list");
    uint64_t numel = 1;
    for (const auto& s : v["shape"]) {
      const int64_t d = s.as<int64_t>();
      if (d < 0) fail(path, "entry '" + key + "' has a negative dimension");
      if (d && numel > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(d)) fail(path, "entry '" + key + "' is too large");
      numel *= static_cast<uint64_t>(d);
      e.shape.push_back(d);
    }
    const YAML::Node& off = v["data_offsets"];
    if (!off.IsSequence() || off.size() != 2) fail(path, "entry '" + key + "': data_offsets must be [begin, end]");
    e.begin = off[0].as<uint64_t>();
    e.end = off[1].as<uint64_t>();
    if (e.end < e.begin) fail(path, "entry '" + key + "': data_offsets end < begin");
    const uint64_t want = numel * static_cast<uint64_t>(dtype_size(e.dtype));
    if (e.end - e.begin != want)
      fail(path, "entry '" + key + "' " + shape_str(e.shape) + " " + dt + " needs " + std::to_string(want) +
                     " bytes but data_offsets span " + std::to_string(e.end - e.begin));
    entries.push_back(std::move(e));
  }

  // Offsets must tile [0, last end) exactly, and the data must end at the end of the file.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t expect = 0;
  for (const Entry& e : entries) {
    if (e.begin != expect)
      fail(path, "entry '" + e.name + "' starts at " + std::to_string(e.begin) + ", expected " + std::to_string(expect) +
                     (e.begin < expect ? " (overlap)" : " (gap)"));
    expect = e.end;
  }
  if (8 + n + expect != file_size)
    fail(path, "file is " + std::to_string(file_size) + " bytes, header and data need " + std::to_string(8 + n + expect));

  const char* data = bytes.data() + 8 + n;
  for (const Entry& e : entries) {
    Tensor t = empty(e.shape, TensorOptions{.dtype = e.dtype});
    if (e.end > e.begin) std::memcpy(t.data_ptr(), data + e.begin, e.end - e.begin);
    tensors_.emplace(e.name, std::move(t));
  }
}

const Tensor& Fixtures::get(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) throw Error("fixture '" + path_ + "' has no tensor named '" + name + "'");
  return it->second;
}

std::vector<std::string> Fixtures::names() const {
  std::vector<std::string> out;
  for (const auto& kv : tensors_) out.push_back(kv.first);
  return out;
}

// The repository root: the ACCMT_SOURCE_DIR environment variable when set and non-empty
// (binaries carried to another machine, tools/device-check.sh), else the compiled-in path.
std::string fixture_path(const std::string& file) {
  const char* env = std::getenv("ACCMT_SOURCE_DIR");
  const std::string root = (env != nullptr && *env != '\0') ? std::string(env) : std::string(ACCMT_SOURCE_DIR);
  return root + "/tests/reference/fixtures/" + file;
}

std::vector<double> host_values(const Tensor& t) { return read_as<double>(t); }

bool check_close(const Tensor& actual, const Tensor& expected, double rtol, double atol, const std::string& what) {
  if (!actual.defined() || !expected.defined()) {
    FAIL_CHECK(what << ": " << (actual.defined() ? "expected" : "actual") << " tensor is undefined");
    return false;
  }
  if (actual.sizes() != expected.sizes()) {
    FAIL_CHECK(what << ": shape " << shape_str(actual.sizes()) << " != expected " << shape_str(expected.sizes()));
    return false;
  }
  const bool exact = !is_floating(actual.dtype()) && !is_floating(expected.dtype());
  int64_t mismatches = 0, first = -1;
  double max_diff = 0;
  std::string first_a, first_e;
  if (exact) {  // int64 keeps large integers exact
    const auto a = read_as<int64_t>(actual), e = read_as<int64_t>(expected);
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] == e[i]) continue;
      if (mismatches++ == 0) first = static_cast<int64_t>(i), first_a = std::to_string(a[i]), first_e = std::to_string(e[i]);
      max_diff = std::max(max_diff, std::fabs(double(a[i]) - double(e[i])));
    }
  } else {
    const auto a = read_as<double>(actual), e = read_as<double>(expected);
    for (size_t i = 0; i < a.size(); ++i) {
      bool ok;
      if (std::isnan(e[i])) ok = std::isnan(a[i]);
      else if (std::isinf(e[i]) || std::isinf(a[i])) ok = a[i] == e[i];
      else ok = std::fabs(a[i] - e[i]) <= atol + rtol * std::fabs(e[i]);
      if (ok) continue;
      if (mismatches++ == 0) {
        std::ostringstream sa, se;
        sa.precision(17), se.precision(17);
        sa << a[i], se << e[i];
        first = static_cast<int64_t>(i), first_a = sa.str(), first_e = se.str();
      }
      if (!std::isnan(a[i]) && !std::isnan(e[i])) max_diff = std::max(max_diff, std::fabs(a[i] - e[i]));
    }
  }
  CHECK_MESSAGE(mismatches == 0, what << ": " << mismatches << " of " << expected.numel() << " elements differ (rtol "
                                      << rtol << ", atol " << atol << "); first at " << index_str(first, expected.sizes())
                                      << ": got " << first_a << ", expected " << first_e << "; max |diff| " << max_diff);
  return mismatches == 0;
}

}  // namespace accmt::test
