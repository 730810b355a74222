#pragma once
// TokenDataset: language-model windows from a memory-mapped binary file of uint16 or
// uint32 tokens (little-endian). Example i is a window of seq_len + 1 tokens split into
// {"input": int64 [T], "target": int64 [T]} (target = input shifted by one).
//
// Files that start with llm.c's header (256 int32: magic 20240520, version 1 = uint16 or
// 2 = uint32, token count) are read by that header and checked against it; other files
// are raw tokens of options.token_bytes each.
#include <string>

#include "data/dataset.hpp"

namespace accmt::data {

struct TokenOptions {
  int64_t seq_len = 0;        // T (required)
  int token_bytes = 2;        // 2 (uint16) or 4 (uint32), for files without a header
  // Sequential: window i starts at token i * seq_len (consecutive, non-overlapping inputs).
  // Random: window i starts at a position drawn from Philox(seed, i), uniform over every
  // start that fits, so a given index always gives the same window.
  bool random = false;
  int64_t num_samples = 0;    // random windows per epoch (0: as many as sequential windows)
  uint64_t seed = 0;
};

class TokenDataset : public Dataset {
 public:
  TokenDataset(const std::string& path, TokenOptions options);
  ~TokenDataset() override;
  TokenDataset(const TokenDataset&) = delete;
  TokenDataset& operator=(const TokenDataset&) = delete;

  int64_t size() const override { return size_; }
  Example get(int64_t index) const override;
  int64_t num_tokens() const { return num_tokens_; }
  // Token at position i of the file (after any header).
  int64_t token(int64_t i) const;
  // Where window `index` starts.
  int64_t window_start(int64_t index) const;

 private:
  std::string path_;
  TokenOptions options_;
  void* map_ = nullptr;
  size_t map_bytes_ = 0;
  const unsigned char* tokens_ = nullptr;
  int64_t num_tokens_ = 0;
  int64_t size_ = 0;
};

}  // namespace accmt::data
