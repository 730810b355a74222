#pragma once
// The element loops of the fused optimizer steps on CPU (kernels/cpu/optim_multi.cpp;
// a single tensor is a one-entry list). Each loop is one thread's range, with restrict-qualified pointers and
// the coefficients by value so the compiler may vectorise (pointers captured by
// reference in a lambda defeat it).
#include <cstdint>

#include "kernels/common/dtype.hpp"
#include "kernels/common/optim_math.hpp"

namespace accmt::kernels::cpu {

// Lists with at most this many elements run on one thread; it is also the chunk size of
// the multi-tensor reductions (kernels/cpu/multi_tensor.hpp).
inline constexpr int64_t kOptimGrain = 1 << 16;

// The flags are template arguments: fixing them at compile time drops the per-element
// branches.
template <class T, bool Decoupled, bool Amsgrad, bool Maximize>
void adam_range(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, T* __restrict vmax,
                int64_t begin, int64_t end, optim_math::AdamCoeffs<acc_t<T>> c) {
  using A = acc_t<T>;
  c.decoupled = Decoupled;
  c.amsgrad = Amsgrad;
  c.maximize = Maximize;
  for (int64_t i = begin; i < end; ++i) {
    A pv = A(p[i]), mv = A(m[i]), vv = A(v[i]), xv = Amsgrad ? A(vmax[i]) : A(0);
    optim_math::adam_update<A>(pv, A(g[i]), mv, vv, xv, c);
    p[i] = T(pv);
    m[i] = T(mv);
    v[i] = T(vv);
    if constexpr (Amsgrad) vmax[i] = T(xv);
  }
}

// buf is null when momentum == 0.
template <class T>
void sgd_range(T* __restrict p, const T* __restrict g, T* __restrict buf, int64_t begin, int64_t end,
               optim_math::SgdCoeffs<acc_t<T>> c) {
  using A = acc_t<T>;
  if (buf) {
    for (int64_t i = begin; i < end; ++i) {
      A pv = A(p[i]), b = A(buf[i]);
      optim_math::sgd_update<A>(pv, A(g[i]), b, c);
      p[i] = T(pv);
      buf[i] = T(b);
    }
  } else {
    for (int64_t i = begin; i < end; ++i) {
      A pv = A(p[i]), b = A(0);
      optim_math::sgd_update<A>(pv, A(g[i]), b, c);
      p[i] = T(pv);
    }
  }
}

}  // namespace accmt::kernels::cpu
