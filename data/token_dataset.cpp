#include "data/token_dataset.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "kernels/common/philox.hpp"

namespace accmt::data {
namespace {

constexpr int32_t kLlmcMagic = 20240520;
constexpr int64_t kLlmcHeaderBytes = 256 * 4;

int32_t read_i32(const unsigned char* p) {
  return static_cast<int32_t>(uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) | (uint32_t(p[3]) << 24));
}

}  // namespace

TokenDataset::TokenDataset(const std::string& path, TokenOptions options) : path_(path), options_(options) {
  ACCMT_CHECK(options_.seq_len >= 1, "TokenDataset: seq_len must be at least 1, got ", options_.seq_len);
  ACCMT_CHECK(options_.token_bytes == 2 || options_.token_bytes == 4,
              "TokenDataset: token_bytes must be 2 (uint16) or 4 (uint32), got ", options_.token_bytes);
  ACCMT_CHECK(options_.num_samples >= 0, "TokenDataset: num_samples must be >= 0, got ", options_.num_samples);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  ACCMT_CHECK(fd >= 0, "TokenDataset: cannot open '", path, "': ", std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    throw Error(detail::concat("TokenDataset: cannot stat '", path, "': ", std::strerror(err)));
  }
  map_bytes_ = static_cast<size_t>(st.st_size);
  if (map_bytes_ > 0) {
    map_ = ::mmap(nullptr, map_bytes_, PROT_READ, MAP_PRIVATE, fd, 0);
    int err = errno;
    ::close(fd);
    if (map_ == MAP_FAILED) {
      map_ = nullptr;
      throw Error(detail::concat("TokenDataset: cannot map '", path, "': ", std::strerror(err)));
    }
  } else {
    ::close(fd);
  }
  const auto* bytes = static_cast<const unsigned char*>(map_);
  const int64_t total = static_cast<int64_t>(map_bytes_);
  int64_t payload = total;
  tokens_ = bytes;
  try {
    if (total >= 4 && read_i32(bytes) == kLlmcMagic) {
      ACCMT_CHECK(total >= kLlmcHeaderBytes, "TokenDataset: ", path, " is truncated: it starts with the llm.c magic ",
                  "number but holds ", total, " bytes, less than the ", kLlmcHeaderBytes, "-byte header");
      int32_t version = read_i32(bytes + 4);
      ACCMT_CHECK(version == 1 || version == 2, "TokenDataset: ", path, ": llm.c header version ", version,
                  " is unknown (1: uint16 tokens, 2: uint32 tokens)");
      options_.token_bytes = version == 1 ? 2 : 4;
      const int64_t declared = read_i32(bytes + 8);
      tokens_ = bytes + kLlmcHeaderBytes;
      payload = total - kLlmcHeaderBytes;
      ACCMT_CHECK(payload == declared * options_.token_bytes, "TokenDataset: ", path, " is truncated or padded: ",
                  "its header declares ", declared, " tokens (", declared * options_.token_bytes,
                  " bytes) but ", payload, " bytes follow the header");
    }
    ACCMT_CHECK(payload % options_.token_bytes == 0, "TokenDataset: ", path, " has ", payload,
                " bytes of tokens, not a whole number of ", options_.token_bytes,
                "-byte tokens: the file is truncated or has the wrong token size");
    num_tokens_ = payload / options_.token_bytes;
    ACCMT_CHECK(num_tokens_ >= options_.seq_len + 1, "TokenDataset: ", path, " holds ", num_tokens_,
                " tokens, fewer than one window of seq_len + 1 = ", options_.seq_len + 1);
  } catch (...) {
    if (map_) ::munmap(map_, map_bytes_);
    map_ = nullptr;
    throw;
  }
  const int64_t sequential = (num_tokens_ - 1) / options_.seq_len;
  size_ = options_.random && options_.num_samples > 0 ? options_.num_samples : sequential;
}

TokenDataset::~TokenDataset() {
  if (map_) ::munmap(map_, map_bytes_);
}

int64_t TokenDataset::token(int64_t i) const {
  check_index("TokenDataset::token", i, num_tokens_);
  const unsigned char* p = tokens_ + i * options_.token_bytes;
  if (options_.token_bytes == 2) return int64_t(p[0]) | (int64_t(p[1]) << 8);
  return int64_t(uint32_t(read_i32(p)));
}

int64_t TokenDataset::window_start(int64_t index) const {
  check_index("TokenDataset", index, size_);
  if (!options_.random) return index * options_.seq_len;
  const uint64_t starts = static_cast<uint64_t>(num_tokens_ - options_.seq_len);  // starts that fit
  philox::U32x4 r = philox::block(options_.seed, 0, static_cast<uint64_t>(index));
  const uint64_t x = (uint64_t(r.v[1]) << 32) | r.v[0];
  return static_cast<int64_t>(x % starts);
}

Example TokenDataset::get(int64_t index) const {
  const int64_t start = window_start(index);
  const int64_t n = options_.seq_len + 1;
  std::vector<int64_t> window(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) window[k] = token(start + k);
  Tensor w = tensor(window);
  return Example{{"input", w.narrow(0, 0, options_.seq_len)}, {"target", w.narrow(0, 1, options_.seq_len)}};
}

}  // namespace accmt::data
