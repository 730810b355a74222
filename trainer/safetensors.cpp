#include "trainer/safetensors.hpp"

#include <yaml-cpp/yaml.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

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
    for (size_t i = 0; i < t.sizes().size(); ++i) {
      if (i) header += ',';
      header += std::to_string(t.sizes()[i]);
    }
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

// ---------------------------------------------------------------- reading
namespace accmt {

namespace {

constexpr uint64_t kMaxHeader = 100000000;

bool dtype_from_code(const std::string& code, DType& out) {
  static const std::pair<const char*, DType> table[] = {
      {"BOOL", DType::Bool}, {"U8", DType::UInt8},     {"I32", DType::Int32},   {"I64", DType::Int64},
      {"F16", DType::Float16}, {"BF16", DType::BFloat16}, {"F32", DType::Float32}, {"F64", DType::Float64}};
  for (const auto& [name, dt] : table)
    if (code == name) {
      out = dt;
      return true;
    }
  return false;
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin, end;
};

}  // namespace

namespace {

// The safetensors bytes in [base, base + file_size) of `in`; `path` names them in errors.
std::vector<std::pair<std::string, Tensor>> parse_safetensors(std::istream& in, uint64_t base, uint64_t file_size,
                                                              const std::string& path,
                                                              std::map<std::string, std::string>* metadata) {
  auto fail = [&](const std::string& why) -> Error { return Error("safetensors file '" + path + "': " + why); };
  in.seekg(std::streamoff(base));
  if (file_size < 8) throw fail("shorter than the 8-byte header length (" + std::to_string(file_size) + " bytes)");
  unsigned char len_bytes[8];
  in.read(reinterpret_cast<char*>(len_bytes), 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len_bytes[i];
  if (n > kMaxHeader) throw fail("header length " + std::to_string(n) + " exceeds the limit of 100000000 bytes");
  if (8 + n > file_size) throw fail("header length " + std::to_string(n) + " runs past the end of the file (" +
                                    std::to_string(file_size) + " bytes): truncated?");
  std::string header_text(size_t(n), '\0');
  in.read(header_text.data(), std::streamsize(n));
  if (!in) throw fail("cannot read the header");
  YAML::Node header;
  try {
    header = YAML::Load(header_text);  // JSON is YAML
  } catch (const YAML::Exception& e) {
    throw fail(std::string("the header is not valid JSON: ") + e.what());
  }
  if (!header.IsMap()) throw fail("the header is not a JSON object");
  std::vector<Entry> entries;
  try {
    for (const auto& kv : header) {
      const std::string key = kv.first.as<std::string>();
      const YAML::Node& v = kv.second;
      if (key == "__metadata__") {
        if (!v.IsMap()) throw fail("__metadata__ is not an object");
        if (metadata)
          for (const auto& m : v) (*metadata)[m.first.as<std::string>()] = m.second.as<std::string>();
        continue;
      }
      if (!v.IsMap() || !v["dtype"] || !v["shape"] || !v["data_offsets"])
        throw fail("entry '" + key + "' needs dtype, shape and data_offsets");
      Entry e{key, DType::Float32, {}, 0, 0};
      const std::string code = v["dtype"].as<std::string>();
      if (!dtype_from_code(code, e.dtype)) throw fail("entry '" + key + "' has dtype " + code + ", which accmt does not have");
      if (!v["shape"].IsSequence()) throw fail("entry '" + key + "': shape is not a list");
      uint64_t numel = 1;
      for (const auto& d : v["shape"]) {
        const int64_t size = d.as<int64_t>();
        if (size < 0) throw fail("entry '" + key + "' has a negative dimension");
        if (size && numel > file_size / uint64_t(size)) throw fail("entry '" + key + "' is larger than the file");
        numel *= uint64_t(size);
        e.shape.push_back(size);
      }
      const YAML::Node& off = v["data_offsets"];
      if (!off.IsSequence() || off.size() != 2) throw fail("entry '" + key + "': data_offsets must be [begin, end]");
      e.begin = off[0].as<uint64_t>();
      e.end = off[1].as<uint64_t>();
      if (e.end < e.begin) throw fail("entry '" + key + "': data_offsets end < begin");
      const uint64_t want = numel * uint64_t(dtype_size(e.dtype));
      if (e.end - e.begin != want)
        throw fail("entry '" + key + "' " + shape_str(e.shape) + " " + code + " needs " + std::to_string(want) +
                   " bytes but its data_offsets span " + std::to_string(e.end - e.begin));
      entries.push_back(std::move(e));
    }
  } catch (const YAML::Exception& e) {
    throw fail(std::string("malformed header: ") + e.what());
  }
  std::vector<Entry> by_offset = entries;
  std::sort(by_offset.begin(), by_offset.end(),
            [](const Entry& a, const Entry& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  uint64_t expect = 0;
  for (const Entry& e : by_offset) {
    if (e.begin != expect)
      throw fail("entry '" + e.name + "' starts at byte " + std::to_string(e.begin) + ", expected " +
                 std::to_string(expect) + (e.begin < expect ? " (overlapping entries)" : " (a gap)"));
    expect = e.end;
  }
  if (8 + n + expect != file_size)
    throw fail("the file is " + std::to_string(file_size) + " bytes but its header and data need " +
               std::to_string(8 + n + expect) + (8 + n + expect > file_size ? " (truncated)" : " (trailing bytes)"));
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  std::vector<std::pair<std::string, Tensor>> out;
  for (const Entry& e : entries) {
    std::string bytes(size_t(e.end - e.begin), '\0');
    in.seekg(std::streamoff(base + 8 + n + e.begin));
    in.read(bytes.data(), std::streamsize(bytes.size()));
    if (!in) throw fail("cannot read the data of '" + e.name + "'");
    out.emplace_back(e.name, tensor_from_bytes(bytes, e.shape, e.dtype));
  }
  return out;
}

uint64_t size_of(std::ifstream& in) {
  in.seekg(0, std::ios::end);
  const uint64_t size = uint64_t(in.tellg());
  in.seekg(0);
  return size;
}

}  // namespace

std::vector<std::pair<std::string, Tensor>> load_safetensors(const std::string& path,
                                                             std::map<std::string, std::string>* metadata) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("safetensors file '" + path + "': cannot open it (missing or unreadable)");
  return parse_safetensors(in, 0, size_of(in), path, metadata);
}

// ---------------------------------------------------------------- the native format
namespace {
constexpr char kNativeMagic[8] = {'A', 'C', 'C', 'M', 'T', 'N', 'T', '1'};
constexpr uint64_t kNativeHeader = 16;  // magic, CRC-32 of the rest, 4 bytes of padding
}  // namespace

void save_native(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                 const std::map<std::string, std::string>& metadata) {
  const std::string body = safetensors_bytes(tensors, metadata);
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t done = 0; done < body.size();) {
    const uInt chunk = uInt(std::min<size_t>(body.size() - done, size_t(1) << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(body.data() + done), chunk);
    done += chunk;
  }
  std::string out(kNativeMagic, 8);
  for (int i = 0; i < 4; ++i) out += char((uint32_t(crc) >> (8 * i)) & 0xff);
  out += std::string(4, '\0');
  out += body;
  write_file_atomic(path, out);
}

std::vector<std::pair<std::string, Tensor>> load_native(const std::string& path,
                                                        std::map<std::string, std::string>* metadata) {
  auto fail = [&](const std::string& why) { return Error("accmt model file '" + path + "': " + why); };
  std::ifstream in(path, std::ios::binary);
  if (!in) throw fail("cannot open it (missing or unreadable)");
  const uint64_t size = size_of(in);
  char head[kNativeHeader];
  if (size < kNativeHeader || !in.read(head, kNativeHeader) || std::memcmp(head, kNativeMagic, 8) != 0)
    throw fail("not an accmt native model file (no ACCMTNT1 header)");
  uint32_t want = 0;
  for (int i = 3; i >= 0; --i) want = (want << 8) | uint8_t(head[8 + i]);
  uLong crc = crc32(0L, Z_NULL, 0);
  std::vector<char> buf(size_t(1) << 20);
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    if (in.gcount() > 0) crc = crc32(crc, reinterpret_cast<const Bytef*>(buf.data()), uInt(in.gcount()));
  }
  if (uint32_t(crc) != want) throw fail("fails its CRC-32 check (truncated or corrupted)");
  in.clear();
  return parse_safetensors(in, kNativeHeader, size - kNativeHeader, path, metadata);
}

}  // namespace accmt

// ---------------------------------------------------------------- sharded models
namespace accmt {

namespace {

std::string shard_name(size_t i, size_t n) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "model-%05zu-of-%05zu.safetensors", i + 1, n);
  return buf;
}

bool is_shard_file(const std::string& name) {
  return name.rfind("model-", 0) == 0 && name.find("-of-") != std::string::npos &&
         name.size() > 12 && name.compare(name.size() - 12, 12, ".safetensors") == 0;
}

}  // namespace

std::vector<std::string> save_model_safetensors(const std::string& folder,
                                                const std::vector<std::pair<std::string, Tensor>>& tensors,
                                                int64_t max_shard_bytes) {
  ACCMT_CHECK(max_shard_bytes >= 1, "save_model_safetensors: max_shard_bytes must be >= 1");
  namespace fs = std::filesystem;
  make_dirs(folder);
  std::vector<std::vector<std::pair<std::string, Tensor>>> shards(1);
  int64_t current = 0, total = 0;
  for (const auto& item : tensors) {
    const int64_t bytes = item.second.numel() * dtype_size(item.second.dtype());
    if (!shards.back().empty() && current + bytes > max_shard_bytes) {
      shards.emplace_back();
      current = 0;
    }
    shards.back().push_back(item);
    current += bytes;
    total += bytes;
  }
  std::vector<std::string> written;
  const fs::path dir(folder);
  if (shards.size() == 1) {
    save_safetensors((dir / "model.safetensors").string(), shards[0]);
    written.push_back("model.safetensors");
    fs::remove(dir / "model.safetensors.index.json");
  } else {
    std::string weight_map;
    for (size_t i = 0; i < shards.size(); ++i) {
      const std::string name = shard_name(i, shards.size());
      save_safetensors((dir / name).string(), shards[i]);
      written.push_back(name);
      for (const auto& [key, t] : shards[i]) weight_map += (weight_map.empty() ? "" : ",\n    ") + json_quote(key) + ": " + json_quote(name);
    }
    write_file_atomic((dir / "model.safetensors.index.json").string(),
                      "{\n  \"metadata\": {\"total_size\": " + std::to_string(total) + "},\n  \"weight_map\": {\n    " +
                          weight_map + "\n  }\n}\n");
    written.push_back("model.safetensors.index.json");
    fs::remove(dir / "model.safetensors");
  }
  // Shards of an earlier, differently sharded save.
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (is_shard_file(name) && std::find(written.begin(), written.end(), name) == written.end()) fs::remove(entry.path());
  }
  return written;
}

std::vector<std::pair<std::string, Tensor>> load_model_safetensors(const std::string& folder) {
  namespace fs = std::filesystem;
  const fs::path dir(folder);
  const fs::path index = dir / "model.safetensors.index.json";
  if (!fs::exists(index)) {
    ACCMT_CHECK(fs::exists(dir / "model.safetensors"), "load_model_safetensors: '", folder,
                "' has neither model.safetensors nor model.safetensors.index.json");
    return load_safetensors((dir / "model.safetensors").string());
  }
  YAML::Node root;
  try {
    std::ifstream in(index);
    std::stringstream text;
    text << in.rdbuf();
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    throw Error("'" + index.string() + "' is not valid JSON: " + e.what());
  }
  ACCMT_CHECK(root.IsMap() && root["weight_map"] && root["weight_map"].IsMap(), "'", index.string(),
              "' has no weight_map object");
  std::vector<std::pair<std::string, std::string>> wanted;  // name -> file, in index order
  std::vector<std::string> files;
  for (const auto& kv : root["weight_map"]) {
    const std::string file = kv.second.as<std::string>();
    ACCMT_CHECK(file.find('/') == std::string::npos && file.find("..") == std::string::npos, "'", index.string(),
                "' names a shard outside its folder: '", file, "'");
    wanted.emplace_back(kv.first.as<std::string>(), file);
    if (std::find(files.begin(), files.end(), file) == files.end()) files.push_back(file);
  }
  std::map<std::string, std::pair<std::string, Tensor>> loaded;  // name -> (file, tensor)
  std::vector<std::string> order;
  for (const std::string& file : files) {
    ACCMT_CHECK(fs::exists(dir / file), "sharded model '", folder, "': shard '", file, "' named by the index is missing");
    for (auto& [name, t] : load_safetensors((dir / file).string())) {
      loaded[name] = {file, t};
      order.push_back(name);
    }
  }
  std::vector<std::pair<std::string, Tensor>> out;
  for (const auto& [name, file] : wanted) {
    auto it = loaded.find(name);
    ACCMT_CHECK(it != loaded.end() && it->second.first == file, "sharded model '", folder, "': tensor '", name,
                "' is not in shard '", file, "' as the index says");
    out.emplace_back(name, it->second.second);
  }
  return out;
}

}  // namespace accmt

namespace accmt {

void save_model_folder(const std::string& folder, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       bool safe_serialization, int64_t max_shard_bytes) {
  namespace fs = std::filesystem;
  const fs::path dir(folder);
  if (safe_serialization) {
    save_model_safetensors(folder, tensors, max_shard_bytes);
    fs::remove(dir / "model.accmt");
    return;
  }
  make_dirs(folder);
  save_native((dir / "model.accmt").string(), tensors);
  fs::remove(dir / "model.safetensors");
  fs::remove(dir / "model.safetensors.index.json");
  for (const auto& entry : fs::directory_iterator(dir))
    if (is_shard_file(entry.path().filename().string())) fs::remove(entry.path());
}

std::vector<std::pair<std::string, Tensor>> load_model_folder(const std::string& folder) {
  const std::filesystem::path native = std::filesystem::path(folder) / "model.accmt";
  if (std::filesystem::exists(native)) return load_native(native.string());
  return load_model_safetensors(folder);
}

}  // namespace accmt
