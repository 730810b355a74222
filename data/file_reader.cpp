#include "data/file_reader.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "kernels/common/error.hpp"

namespace accmt::data {

std::string read_file_bytes(const std::string& path, const char* who) {
  errno = 0;
  gzFile file = gzopen(path.c_str(), "rb");
  ACCMT_CHECK(file != nullptr, who, ": cannot open '", path, "': ", errno ? std::strerror(errno) : "out of memory");
  gzbuffer(file, 1 << 17);
  std::string bytes;
  char chunk[1 << 16];
  for (;;) {
    int n = gzread(file, chunk, sizeof(chunk));
    if (n < 0) {
      int code = 0;
      std::string message = gzerror(file, &code);
      gzclose(file);
      throw Error(detail::concat(who, ": cannot read '", path, "': ", message));
    }
    if (n == 0) break;
    bytes.append(chunk, static_cast<size_t>(n));
  }
  // A gzip stream cut short reads as a clean end of file; zlib reports it here.
  int code = 0;
  const char* message = gzerror(file, &code);
  std::string error = code != Z_OK ? message : "";
  gzclose(file);
  ACCMT_CHECK(error.empty(), who, ": cannot read '", path, "': ", error, " (is the gzip file truncated?)");
  return bytes;
}

}  // namespace accmt::data
