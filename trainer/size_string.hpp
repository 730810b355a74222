#pragma once
// Byte sizes written as text, like HuggingFace's max_shard_size: "10GB", "500MB", "2GiB",
// "100KB", "123" (bytes). GB/MB/KB are decimal (10^9, 10^6, 10^3); GiB/MiB/KiB binary.
#include <cstdint>
#include <string>

namespace accmt {

// Throws accmt::Error naming `option` and the accepted forms.
int64_t parse_size(const std::string& text, const std::string& option = "max_shard_size");

}  // namespace accmt
