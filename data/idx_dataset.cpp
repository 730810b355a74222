#include "data/idx_dataset.hpp"

#include <cstring>

#include "data/file_reader.hpp"

namespace accmt::data {
namespace {

uint32_t big_endian_u32(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

struct IdxType {
  const char* name;
  int64_t bytes;
  DType dtype;
};

IdxType idx_type(unsigned char code, const std::string& path) {
  switch (code) {
    case 0x08: return {"ubyte", 1, DType::UInt8};
    case 0x09: return {"sbyte", 1, DType::Int32};
    case 0x0B: return {"short", 2, DType::Int32};
    case 0x0C: return {"int", 4, DType::Int32};
    case 0x0D: return {"float", 4, DType::Float32};
    case 0x0E: return {"double", 8, DType::Float64};
  }
  throw Error(detail::concat("read_idx: ", path, ": unknown type code 0x", std::hex, int(code),
                             " (expected 0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E)"));
}

// Big-endian element i of the payload, converted to T.
template <class T> std::vector<T> decode(const unsigned char* p, int64_t count, unsigned char code) {
  std::vector<T> out(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    switch (code) {
      case 0x08: out[i] = T(p[i]); break;
      case 0x09: out[i] = T(static_cast<int8_t>(p[i])); break;
      case 0x0B: out[i] = T(static_cast<int16_t>((uint16_t(p[2 * i]) << 8) | p[2 * i + 1])); break;
      case 0x0C: out[i] = T(static_cast<int32_t>(big_endian_u32(p + 4 * i))); break;
      case 0x0D: {
        uint32_t bits = big_endian_u32(p + 4 * i);
        float f;
        std::memcpy(&f, &bits, 4);
        out[i] = T(f);
        break;
      }
      case 0x0E: {
        uint64_t bits = (uint64_t(big_endian_u32(p + 8 * i)) << 32) | big_endian_u32(p + 8 * i + 4);
        double d;
        std::memcpy(&d, &bits, 8);
        out[i] = T(d);
        break;
      }
    }
  }
  return out;
}

}  // namespace

Tensor read_idx(const std::string& path) {
  const std::string bytes = read_file_bytes(path, "read_idx");
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const int64_t n = static_cast<int64_t>(bytes.size());
  ACCMT_CHECK(n >= 4, "read_idx: ", path, " is truncated: ", n, " bytes, shorter than the 4-byte magic number");
  ACCMT_CHECK(p[0] == 0 && p[1] == 0, "read_idx: ", path,
              " is not an IDX file (the magic number must start with two zero bytes)");
  IdxType type = idx_type(p[2], path);
  const int64_t ndim = p[3];
  ACCMT_CHECK(ndim >= 1, "read_idx: ", path, " declares 0 dimensions");
  const int64_t header = 4 + 4 * ndim;
  ACCMT_CHECK(n >= header, "read_idx: ", path, " is truncated: ", ndim, " dimensions need a ", header,
              "-byte header but the file has ", n, " bytes");
  Shape shape;
  int64_t count = 1;
  for (int64_t d = 0; d < ndim; ++d) {
    shape.push_back(big_endian_u32(p + 4 + 4 * d));
    count *= shape.back();
  }
  const int64_t expected = header + count * type.bytes;
  ACCMT_CHECK(n >= expected, "read_idx: ", path, " is truncated: the header promises ", shape_str(shape), " ",
              type.name, " (", count * type.bytes, " bytes of data) but only ", n - header, " bytes follow");
  ACCMT_CHECK(n == expected, "read_idx: ", path, " has ", n - expected, " bytes after the ", shape_str(shape), " ",
              type.name, " data it declares");
  const unsigned char* data = p + header;
  switch (type.dtype) {
    case DType::UInt8: return tensor(decode<uint8_t>(data, count, p[2]), shape);
    case DType::Int32: return tensor(decode<int32_t>(data, count, p[2]), shape);
    case DType::Float32: return tensor(decode<float>(data, count, p[2]), shape);
    default: return tensor(decode<double>(data, count, p[2]), shape);
  }
}

IdxDataset::IdxDataset(const std::string& images_path, const std::string& labels_path, IdxOptions options) {
  images_ = read_idx(images_path);
  if (options.scale && images_.dtype() == DType::UInt8) images_ = images_.to(DType::Float32).div(255.0);
  if (options.channel_dim) images_ = images_.unsqueeze(1);
  if (!labels_path.empty()) {
    labels_ = read_idx(labels_path);
    ACCMT_CHECK(labels_.dim() == 1 && labels_.size(0) == images_.size(0), "IdxDataset: ", labels_path,
                " holds labels of shape ", shape_str(labels_.sizes()), " but ", images_path, " holds ",
                images_.size(0), " images; expected [", images_.size(0), "]");
    labels_ = labels_.to(DType::Int64);
  }
}

Example IdxDataset::get(int64_t index) const {
  check_index("IdxDataset", index, size());
  Example ex{{"image", images_.select(0, index)}};
  if (labels_.defined()) ex.set("label", labels_.select(0, index));
  return ex;
}

}  // namespace accmt::data
