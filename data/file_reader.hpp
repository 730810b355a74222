#pragma once
// Whole-file reads through zlib, which decompresses gzip files and passes other files
// through unchanged, so every reader here accepts "x.csv" and "x.csv.gz" alike.
#include <string>

namespace accmt::data {

// The (decompressed) bytes of path. `who` starts the message of the accmt::Error raised
// when the file cannot be opened or read (a truncated gzip stream included).
std::string read_file_bytes(const std::string& path, const char* who);

}  // namespace accmt::data
