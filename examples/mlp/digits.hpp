#pragma once
// The 8x8 handwritten digits (examples/data/digits.csv.gz): 1797 images, 64 pixels in
// 0..16 and a label in 0..9 per CSV row.
#include <string>

#include <accmt/accmt.hpp>

namespace digits {

struct Data {
  accmt::Tensor images;  // [N, 64] float32, pixels scaled to [0, 1]
  accmt::Tensor labels;  // [N] int64
};

// Reads and checks the gzip-compressed CSV; throws accmt::Error naming the file and line
// of anything malformed.
Data load(const std::string& path);

}  // namespace digits
