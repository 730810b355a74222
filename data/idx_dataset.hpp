#pragma once
// The IDX format of MNIST (plain or gzip): a big-endian header (two zero bytes, a type
// code, the number of dimensions, one u32 per dimension) followed by the values.
#include <string>

#include "data/dataset.hpp"

namespace accmt::data {

// The whole file as a tensor: ubyte -> uint8, sbyte/short/int -> int32, float -> float32,
// double -> float64. Errors name the file and what is wrong (magic, truncation, extra data).
Tensor read_idx(const std::string& path);

struct IdxOptions {
  bool scale = true;         // uint8 images become float32 in [0, 1] (value / 255)
  bool channel_dim = false;  // [H, W] images become [1, H, W]
};

// Example i: {"image": images[i]} plus {"label": int64 []} when a labels file is given.
class IdxDataset : public Dataset {
 public:
  IdxDataset(const std::string& images_path, const std::string& labels_path = "", IdxOptions options = {});
  int64_t size() const override { return images_.size(0); }
  Example get(int64_t index) const override;
  const Tensor& images() const { return images_; }
  const Tensor& labels() const { return labels_; }

 private:
  Tensor images_, labels_;
};

}  // namespace accmt::data
