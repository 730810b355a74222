#include "trainer/safetensors.hpp"

#include <cstdio>
#include <set>

#include "kernels/common/error.hpp"
#include "tensor/bytes.hpp"
#include "trainer/atomic_file.hpp"

namespace accmt {

const char* safetensors_dtype(DType dtype) {
  switch (dtype) {
    case DType::Bool: return "BOOL";
    case DType::UInt8: return "U8";
    case DType::Int32: return "I32";
    case DType::Int64: return "I64";
    case DType::Float16: return "F16";
    case DType::BFloat16: return "BF16";
    case DType::Float32: return "F32";
    case DType::Float64: return "F64";
  }
  return "F32";
}

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

std::string safetensors_bytes(const std::vector<std::pair<std::string, Tensor>>& tensors,
                              const std::map<std::string, std::string>& metadata) {
  std::map<std::string, std::string> meta = metadata;
  if (!meta.count("format")) meta["format"] = "pt";
  std::string header = "{\"__metadata__\":{";
  bool first = true;
  for (const auto& [k, v] : meta) {
    header += (first ? "" : ",") + json_quote(k) + ":" + json_quote(v);
    first = false;
  }
  header += "}";
  std::set<std::string> seen;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    ACCMT_CHECK(!name.empty() && name != "__metadata__", "safetensors: invalid tensor name '", name, "'");
    ACCMT_CHECK(seen.insert(name).second, "safetensors: the tensor name '", name, "' appears twice");
    ACCMT_CHECK(t.defined(), "safetensors: tensor '", name, "' is undefined");
    const uint64_t n = uint64_t(t.numel() * dtype_size(t.dtype()));
    header += "," + json_quote(name) + ":{\"dtype\":\"" + safetensors_dtype(t.dtype()) + "\",\"shape\":[";
    for (size_t i = 0; i < t.sizes().size(); ++i) header += (i ? "," : "") + std::to_string(t.sizes()[i]);
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + n) + "]}";
    offset += n;
  }
  header += "}";
  while (header.size() % 8 != 0) header += ' ';
  std::string out;
  out.reserve(8 + header.size() + offset);
  const uint64_t len = header.size();
  for (int i = 0; i < 8; ++i) out += char((len >> (8 * i)) & 0xff);
  out += header;
  for (const auto& [name, t] : tensors) append_tensor_bytes(out, t);
  return out;
}

void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  write_file_atomic(path, safetensors_bytes(tensors, metadata));
}

}  // namespace accmt
