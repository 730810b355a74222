#pragma once
// The eight reductions as device-side accumulators, with the CPU backend's semantics
// (kernels/cpu/reduce.cpp): floating sums and products accumulate in double, integer
// ones wrap in the input type, max/min let the first NaN win, argmax/argmin report the
// first occurrence, any/all test against zero. Every combine is commutative, so warp
// butterflies give the same value in every lane.
#include <cuda_runtime.h>

#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/backend.hpp"
#include "kernels/common/dtype.hpp"
#include "kernels/cuda/convert.cuh"

namespace accmt::kernels::cuda {

// Like the CPU's sum_t: double for every floating type, the accumulation type otherwise.
template <class T> using sum_acc_t = std::conditional_t<std::is_floating_point_v<acc_t<T>>, double, acc_t<T>>;

template <class A> __device__ __forceinline__ bool is_nan(A v) {
  if constexpr (std::is_floating_point_v<A>) return v != v;
  else return false;
}

// Integer sums and products wrap (two's complement) as on the CPU; bool sums are `or`,
// bool products `and` (what `acc += v` and `acc && v` do to a bool on the CPU).
template <class S> __device__ __forceinline__ S acc_add(S a, S b) {
  if constexpr (std::is_same_v<S, bool>) return a || b;
  else if constexpr (std::is_integral_v<S>) return S(std::make_unsigned_t<S>(a) + std::make_unsigned_t<S>(b));
  else return a + b;
}
template <class S> __device__ __forceinline__ S acc_mul(S a, S b) {
  if constexpr (std::is_same_v<S, bool>) return a && b;
  else if constexpr (std::is_integral_v<S>) return S(std::make_unsigned_t<S>(a) * std::make_unsigned_t<S>(b));
  else return a * b;
}

// Value and position of an argmax/argmin candidate; i < 0 marks "no element yet".
template <class A> struct ArgAcc {
  A v;
  int64_t i;
};

// Reducer<T, op>: Acc (the accumulator), identity(), lift(element, index in the reduced
// block), combine(a, b) and store(out, k, acc) (writes out element k in the out dtype).
template <class T, Reduce kOp> struct Reducer;

template <class T> struct Reducer<T, Reduce::Sum> {
  using A = acc_t<T>;
  using Acc = sum_acc_t<T>;
  __device__ static Acc identity() { return Acc(0); }
  __device__ static Acc lift(T v, int64_t) { return Acc(to_acc(v)); }
  __device__ static Acc combine(Acc a, Acc b) { return acc_add(a, b); }
  __device__ static void store(void* out, int64_t k, Acc a) { static_cast<T*>(out)[k] = from_acc<T>(static_cast<A>(a)); }
};

template <class T> struct Reducer<T, Reduce::Prod> {
  using A = acc_t<T>;
  using Acc = sum_acc_t<T>;
  __device__ static Acc identity() { return Acc(1); }
  __device__ static Acc lift(T v, int64_t) { return Acc(to_acc(v)); }
  __device__ static Acc combine(Acc a, Acc b) { return acc_mul(a, b); }
  __device__ static void store(void* out, int64_t k, Acc a) { static_cast<T*>(out)[k] = from_acc<T>(static_cast<A>(a)); }
};

template <class T, bool kMax> struct ExtremumReducer {
  using A = acc_t<T>;
  using Acc = A;
  __device__ static Acc identity() {
    if constexpr (std::is_floating_point_v<A>)
      return kMax ? -std::numeric_limits<A>::infinity() : std::numeric_limits<A>::infinity();
    else return kMax ? std::numeric_limits<A>::lowest() : std::numeric_limits<A>::max();
  }
  __device__ static Acc lift(T v, int64_t) { return to_acc(v); }
  __device__ static Acc combine(Acc a, Acc b) {
    if (is_nan(a)) return a;
    if (is_nan(b)) return b;
    return (kMax ? b > a : b < a) ? b : a;
  }
  __device__ static void store(void* out, int64_t k, Acc a) { static_cast<T*>(out)[k] = from_acc<T>(a); }
};
template <class T> struct Reducer<T, Reduce::Max> : ExtremumReducer<T, true> {};
template <class T> struct Reducer<T, Reduce::Min> : ExtremumReducer<T, false> {};

template <class T, bool kMax> struct ArgReducer {
  using A = acc_t<T>;
  using Acc = ArgAcc<A>;
  __device__ static Acc identity() { return Acc{A(0), -1}; }
  __device__ static Acc lift(T v, int64_t i) { return Acc{to_acc(v), i}; }
  // The winner of two candidates whatever their order: NaN beats numbers, the better
  // value beats the worse, and among equals (or two NaNs) the lower index wins.
  __device__ static Acc combine(Acc a, Acc b) {
    if (a.i < 0) return b;
    if (b.i < 0) return a;
    const bool an = is_nan(a.v), bn = is_nan(b.v);
    if (an != bn) return an ? a : b;
    if (!an) {
      if (kMax ? a.v > b.v : a.v < b.v) return a;
      if (kMax ? b.v > a.v : b.v < a.v) return b;
    }
    return a.i < b.i ? a : b;
  }
  __device__ static void store(void* out, int64_t k, Acc a) { static_cast<int64_t*>(out)[k] = a.i < 0 ? 0 : a.i; }
};
template <class T> struct Reducer<T, Reduce::ArgMax> : ArgReducer<T, true> {};
template <class T> struct Reducer<T, Reduce::ArgMin> : ArgReducer<T, false> {};

template <class T, bool kAny> struct LogicalReducer {
  using A = acc_t<T>;
  using Acc = bool;
  __device__ static Acc identity() { return !kAny; }
  __device__ static Acc lift(T v, int64_t) { return to_acc(v) != A(0); }
  __device__ static Acc combine(Acc a, Acc b) { return kAny ? (a || b) : (a && b); }
  __device__ static void store(void* out, int64_t k, Acc a) { static_cast<bool*>(out)[k] = a; }
};
template <class T> struct Reducer<T, Reduce::Any> : LogicalReducer<T, true> {};
template <class T> struct Reducer<T, Reduce::All> : LogicalReducer<T, false> {};

// Calls f.template operator()<kOp>() with the runtime op as a template argument.
template <class F> void dispatch_reduce(Reduce op, F&& f) {
  switch (op) {
    case Reduce::Sum: f.template operator()<Reduce::Sum>(); return;
    case Reduce::Prod: f.template operator()<Reduce::Prod>(); return;
    case Reduce::Max: f.template operator()<Reduce::Max>(); return;
    case Reduce::Min: f.template operator()<Reduce::Min>(); return;
    case Reduce::ArgMax: f.template operator()<Reduce::ArgMax>(); return;
    case Reduce::ArgMin: f.template operator()<Reduce::ArgMin>(); return;
    case Reduce::Any: f.template operator()<Reduce::Any>(); return;
    case Reduce::All: f.template operator()<Reduce::All>(); return;
  }
}

}  // namespace accmt::kernels::cuda
