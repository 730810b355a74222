#pragma once
// A number that is not a tensor: a bool, an integer or a floating value. Keeps int64
// values exact (a double would round above 2^53).
#include <cstdint>
#include <type_traits>

#include "kernels/common/dtype.hpp"

namespace accmt {

class Scalar {
 public:
  enum class Kind : uint8_t { Bool, Int, Float };
  Scalar() : kind_(Kind::Int), i_(0), d_(0) {}
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Scalar(T v) {  // NOLINT(google-explicit-constructor): numbers convert implicitly like in Python
    if constexpr (std::is_same_v<T, bool>) {
      kind_ = Kind::Bool; i_ = v; d_ = v;
    } else if constexpr (std::is_integral_v<T>) {
      kind_ = Kind::Int; i_ = static_cast<int64_t>(v); d_ = static_cast<double>(v);
    } else {
      kind_ = Kind::Float; d_ = static_cast<double>(v); i_ = static_cast<int64_t>(v);
    }
  }
  Scalar(Float16 v) : Scalar(float(v)) {}
  Scalar(BFloat16 v) : Scalar(float(v)) {}

  Kind kind() const { return kind_; }
  bool is_floating() const { return kind_ == Kind::Float; }
  bool is_integral() const { return kind_ == Kind::Int; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  double to_double() const { return d_; }
  int64_t to_int() const { return i_; }
  bool to_bool() const { return kind_ == Kind::Float ? d_ != 0.0 : i_ != 0; }

  // The value as element type T (integers stay exact).
  template <class T> T to() const {
    if constexpr (std::is_same_v<T, bool>) return to_bool();
    else if constexpr (std::is_integral_v<T>) return kind_ == Kind::Float ? static_cast<T>(d_) : static_cast<T>(i_);
    else if constexpr (std::is_floating_point_v<T>) return static_cast<T>(kind_ == Kind::Float ? d_ : static_cast<double>(i_));
    else return T(static_cast<float>(kind_ == Kind::Float ? d_ : static_cast<double>(i_)));
  }

  // The dtype PyTorch gives this number when it stands alone (default float32).
  DType natural_dtype() const {
    return kind_ == Kind::Bool ? DType::Bool : kind_ == Kind::Int ? DType::Int64 : DType::Float32;
  }

 private:
  Kind kind_;
  int64_t i_;
  double d_;
};

}  // namespace accmt
