#pragma once
// The element types and the compile-time dispatch from a runtime DType to a C++ type.
#include <cstdint>

#include "kernels/common/half.hpp"

namespace accmt {

enum class DType : uint8_t { Bool, UInt8, Int32, Int64, Float16, BFloat16, Float32, Float64 };
inline constexpr int kNumDTypes = 8;

inline constexpr int64_t dtype_size(DType t) {
  switch (t) {
    case DType::Bool:
    case DType::UInt8: return 1;
    case DType::Float16:
    case DType::BFloat16: return 2;
    case DType::Int32:
    case DType::Float32: return 4;
    case DType::Int64:
    case DType::Float64: return 8;
  }
  return 0;
}

inline constexpr bool is_floating(DType t) {
  return t == DType::Float16 || t == DType::BFloat16 || t == DType::Float32 || t == DType::Float64;
}
inline constexpr bool is_integral(DType t, bool include_bool) {
  return t == DType::UInt8 || t == DType::Int32 || t == DType::Int64 || (include_bool && t == DType::Bool);
}

template <class T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::Int32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<Float16> { static constexpr DType value = DType::Float16; };
template <> struct dtype_of<BFloat16> { static constexpr DType value = DType::BFloat16; };
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };

// The type arithmetic happens in: float for the 16-bit floats, the type itself otherwise.
template <class T> struct acc_type { using type = T; };
template <> struct acc_type<Float16> { using type = float; };
template <> struct acc_type<BFloat16> { using type = float; };
template <> struct acc_type<bool> { using type = bool; };
template <class T> using acc_t = typename acc_type<T>::type;

// dispatch(dt, [&]<class T>() { ... }) calls the lambda with T bound to dt's C++ type.
template <class F> decltype(auto) dispatch_all(DType t, F&& f) {
  switch (t) {
    case DType::Bool: return f.template operator()<bool>();
    case DType::UInt8: return f.template operator()<uint8_t>();
    case DType::Int32: return f.template operator()<int32_t>();
    case DType::Int64: return f.template operator()<int64_t>();
    case DType::Float16: return f.template operator()<Float16>();
    case DType::BFloat16: return f.template operator()<BFloat16>();
    case DType::Float32: return f.template operator()<float>();
    case DType::Float64: return f.template operator()<double>();
  }
  return f.template operator()<float>();
}

// Numeric types (no bool): what arithmetic kernels instantiate; bool maps to uint8.
template <class F> decltype(auto) dispatch_numeric(DType t, F&& f) {
  switch (t) {
    case DType::Bool:
    case DType::UInt8: return f.template operator()<uint8_t>();
    case DType::Int32: return f.template operator()<int32_t>();
    case DType::Int64: return f.template operator()<int64_t>();
    case DType::Float16: return f.template operator()<Float16>();
    case DType::BFloat16: return f.template operator()<BFloat16>();
    case DType::Float32: return f.template operator()<float>();
    case DType::Float64: return f.template operator()<double>();
  }
  return f.template operator()<uint8_t>();
}

template <class F> decltype(auto) dispatch_floating(DType t, F&& f) {
  switch (t) {
    case DType::Float16: return f.template operator()<Float16>();
    case DType::BFloat16: return f.template operator()<BFloat16>();
    case DType::Float64: return f.template operator()<double>();
    default: return f.template operator()<float>();
  }
}

}  // namespace accmt
