#include "digits.hpp"

#include <zlib.h>

#include <charconv>
#include <cstdint>
#include <vector>

namespace digits {
namespace {

constexpr int kPixels = 64;
constexpr int kMaxPixel = 16;
constexpr int kClasses = 10;

std::string read_gzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  ACCMT_CHECK(f != nullptr, "digits: cannot open '", path,
              "'; pass --data PATH to the digits CSV (examples/data/digits.csv.gz)");
  std::string text;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  int err = 0;
  const char* msg = n < 0 ? gzerror(f, &err) : nullptr;
  std::string reason = msg ? msg : "";
  gzclose(f);
  ACCMT_CHECK(n == 0, "digits: '", path, "' is not a readable gzip file: ", reason);
  return text;
}

}  // namespace

Data load(const std::string& path) {
  const std::string text = read_gzip(path);
  std::vector<float> pixels;
  std::vector<int64_t> labels;
  size_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    ++line_no;
    const char* p = text.data() + pos;
    const char* stop = text.data() + end;
    pos = end + 1;
    if (stop > p && stop[-1] == '\r') --stop;  // tolerate CRLF line ends
    if (p == stop) continue;  // blank line (e.g. the last one)
    // 64 pixels then the label, comma-separated.
    for (int field = 0; field <= kPixels; ++field) {
      int value = -1;
      auto [next, ec] = std::from_chars(p, stop, value);
      ACCMT_CHECK(ec == std::errc() && (next == stop) == (field == kPixels) && (next == stop || *next == ','),
                  "digits: ", path, ":", line_no, ": expected ", kPixels + 1,
                  " comma-separated integers (64 pixels, then the label); field ", field + 1, " is malformed");
      const int hi = field < kPixels ? kMaxPixel : kClasses - 1;
      ACCMT_CHECK(value >= 0 && value <= hi, "digits: ", path, ":", line_no, ": field ", field + 1, " is ",
                  value, ", expected 0..", hi);
      if (field < kPixels) pixels.push_back(static_cast<float>(value) / kMaxPixel);
      else labels.push_back(value);
      p = next + (next != stop);
    }
  }
  ACCMT_CHECK(!labels.empty(), "digits: '", path, "' holds no rows");
  const int64_t n = static_cast<int64_t>(labels.size());
  return {accmt::tensor(pixels, accmt::Shape{n, kPixels}), accmt::tensor(labels)};
}

}  // namespace digits
