#pragma once
// Writing safetensors files (the format in the project's reference notes): an 8-byte
// little-endian header length, a JSON header padded with spaces to a multiple of 8
// (name -> dtype, shape, data_offsets; plus "__metadata__": {"format": "pt"}), then the
// tensors' bytes in header order. PyTorch's safetensors package reads them.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.hpp"

namespace accmt {

// The file's bytes for `tensors` (in the given order) with extra string metadata.
std::string safetensors_bytes(const std::vector<std::pair<std::string, Tensor>>& tensors,
                              const std::map<std::string, std::string>& metadata = {});
// Writes them atomically (trainer/atomic_file.hpp).
void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
// Reads a safetensors file, checking everything before trusting it: the header length
// (at most 100 MB and inside the file), the JSON, each entry's dtype, shape and offsets
// (contiguous from 0, no gaps or overlaps, sizes matching shape x dtype), and that the data
// ends exactly at the end of the file. Errors name the file and the problem. Tensors come
// back in file order, on the CPU.
std::vector<std::pair<std::string, Tensor>> load_safetensors(const std::string& path,
                                                             std::map<std::string, std::string>* metadata = nullptr);
// accmt's native model format (safe_serialization = false): the safetensors layout
// behind a 16-byte header ("ACCMTNT1", the CRC-32 of everything after the header, 4 zero
// bytes), so any corruption, not only a malformed header, is detected on load.
void save_native(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                 const std::map<std::string, std::string>& metadata = {});
std::vector<std::pair<std::string, Tensor>> load_native(const std::string& path,
                                                        std::map<std::string, std::string>* metadata = nullptr);
// safetensors' dtype code ("F32", "BF16", "I64", ...).
const char* safetensors_dtype(DType dtype);
// A JSON string literal with quotes and escapes.
std::string json_quote(const std::string& s);

}  // namespace accmt

namespace accmt {

// Saves a model's tensors into `folder` the HuggingFace way: one `model.safetensors`, or,
// when they exceed `max_shard_bytes`, shards `model-00001-of-0000N.safetensors` packed
// greedily in order (a tensor larger than the limit gets a shard of its own) plus
// `model.safetensors.index.json` ({"metadata": {"total_size": bytes}, "weight_map":
// {name: file}}). Every file is written atomically; the index last; shards of an earlier
// save that the new one does not use are removed. Returns the file names written.
std::vector<std::string> save_model_safetensors(const std::string& folder,
                                                const std::vector<std::pair<std::string, Tensor>>& tensors,
                                                int64_t max_shard_bytes);
// Saves a model folder in the chosen format: safetensors (sharded past max_shard_bytes)
// or the native `model.accmt`; files of the other format are removed.
void save_model_folder(const std::string& folder, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       bool safe_serialization, int64_t max_shard_bytes);
// Loads a model folder in either format (the Trainer's saved models and checkpoints).
std::vector<std::pair<std::string, Tensor>> load_model_folder(const std::string& folder);
// Loads what save_model_safetensors wrote (following the index when there is one); a
// missing shard or a tensor the index names but no shard holds is an error naming it.
std::vector<std::pair<std::string, Tensor>> load_model_safetensors(const std::string& folder);

}  // namespace accmt
