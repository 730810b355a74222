#pragma once
// Shared pieces of the data tests: a temporary folder, file writers (plain and gzip),
// a dataset that counts and can fail or stall its loads, and a thread counter.
#include <doctest/doctest.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "data/data.hpp"

namespace datatest {

namespace fs = std::filesystem;
using namespace accmt;
using namespace accmt::data;

// A fresh folder under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "accmt-data-XXXXXX").string();
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline void write_gzip(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) == static_cast<int>(bytes.size()));
  gzclose(f);
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Threads of this process now.
inline int count_threads() {
  int n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// Example i = {"x": float32 [2] = {i, -i}, "y": int64 [] = i}; counts loads, can throw at
// one index and can sleep per load (to let workers fall behind or run ahead).
class CountingDataset : public Dataset {
 public:
  explicit CountingDataset(int64_t n, int64_t fail_at = -1, int sleep_us = 0)
      : n_(n), fail_at_(fail_at), sleep_us_(sleep_us) {}
  int64_t size() const override { return n_; }
  Example get(int64_t i) const override {
    loads.fetch_add(1);
    if (sleep_us_) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    if (i == fail_at_) throw Error("disk on fire");
    return Example{{"x", tensor({double(i), -double(i)})}, {"y", scalar_tensor(i, {.dtype = DType::Int64})}};
  }
  mutable std::atomic<int64_t> loads{0};

 private:
  int64_t n_, fail_at_;
  int sleep_us_;
};

// The "y" values of every batch of a pass (the dataset indices, for CountingDataset).
inline std::vector<std::vector<int64_t>> indices_of(DataLoader& loader) {
  std::vector<std::vector<int64_t>> out;
  for (Batch& b : loader) out.push_back(b["y"].to_vector<int64_t>());
  return out;
}

// Splits `all` into consecutive batches of `size` (the last one smaller unless drop_last).
inline std::vector<std::vector<int64_t>> chunk(const std::vector<int64_t>& all, size_t size, bool drop_last = false) {
  std::vector<std::vector<int64_t>> out;
  for (size_t s = 0; s < all.size(); s += size) {
    size_t e = std::min(all.size(), s + size);
    if (drop_last && e - s < size) break;
    out.emplace_back(all.begin() + long(s), all.begin() + long(e));
  }
  return out;
}

inline std::vector<int64_t> perm_of(int64_t n, uint64_t seed) {
  Generator g(seed);
  return randperm(n, {.dtype = DType::Int64}, &g).to_vector<int64_t>();
}

}  // namespace datatest
