#include "tensor/dtype.hpp"

#include "kernels/common/error.hpp"

namespace accmt {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::UInt8: return "uint8";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::Float16: return "float16";
    case DType::BFloat16: return "bfloat16";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
  }
  return "?";
}

DType dtype_from_string(const std::string& name) {
  static const std::pair<const char*, DType> names[] = {
      {"bool", DType::Bool},       {"uint8", DType::UInt8},     {"int32", DType::Int32},
      {"int", DType::Int32},       {"int64", DType::Int64},     {"long", DType::Int64},
      {"float16", DType::Float16}, {"half", DType::Float16},    {"bfloat16", DType::BFloat16},
      {"float32", DType::Float32}, {"float", DType::Float32},   {"float64", DType::Float64},
      {"double", DType::Float64}};
  for (const auto& [n, t] : names)
    if (name == n) return t;
  throw Error("dtype_from_string: unknown dtype '" + name +
              "'; expected one of bool, uint8, int32, int64, float16, bfloat16, float32, float64");
}

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  // Float16 with BFloat16 has no common 16-bit type: PyTorch gives float32.
  if ((a == DType::Float16 && b == DType::BFloat16) || (a == DType::BFloat16 && b == DType::Float16))
    return DType::Float32;
  // Otherwise the order bool < uint8 < int32 < int64 < {f16, bf16} < f32 < f64 decides.
  auto rank = [](DType t) {
    switch (t) {
      case DType::Bool: return 0;
      case DType::UInt8: return 1;
      case DType::Int32: return 2;
      case DType::Int64: return 3;
      case DType::Float16:
      case DType::BFloat16: return 4;
      case DType::Float32: return 5;
      case DType::Float64: return 6;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

std::ostream& operator<<(std::ostream& os, DType t) { return os << dtype_name(t); }

}  // namespace accmt
