// Unary and binary maps, where and clamp on the CPU. The op switch sits outside the
// element loops so each loop is a plain, vectorisable body.
#include <Eigen/Core>

#include "kernels/cpu/activation_eigen.hpp"
#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/cpu/loops.hpp"

namespace accmt::kernels::cpu {

namespace {

template <class T, class F> void map1(const TensorRef& out, const TensorRef& in, F f) {
  StridedLoop<2> loop({&out, &in});
  loop.run([&](const std::array<char*, 2>& p, const std::array<int64_t, 2>& st, int64_t n) {
    if (st[0] == sizeof(T) && st[1] == sizeof(T)) {
      T* o = reinterpret_cast<T*>(p[0]);
      const T* x = reinterpret_cast<const T*>(p[1]);
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i]);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<T*>(p[0] + i * st[0]) = f(*reinterpret_cast<const T*>(p[1] + i * st[1]));
    }
  });
}

template <class TO, class T, class F> void map2(const TensorRef& out, const TensorRef& a, const TensorRef& b, F f) {
  StridedLoop<3> loop({&out, &a, &b});
  loop.run([&](const std::array<char*, 3>& p, const std::array<int64_t, 3>& st, int64_t n) {
    TO* o = reinterpret_cast<TO*>(p[0]);
    const T* x = reinterpret_cast<const T*>(p[1]);
    const T* y = reinterpret_cast<const T*>(p[2]);
    if (st[0] == sizeof(TO) && st[1] == sizeof(T) && st[2] == sizeof(T)) {
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], y[i]);
    } else if (st[0] == sizeof(TO) && st[1] == sizeof(T) && st[2] == 0) {
      const T yv = *y;  // tensor-scalar broadcasting: the common case after bias adds
      for (int64_t i = 0; i < n; ++i) o[i] = f(x[i], yv);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<TO*>(p[0] + i * st[0]) =
            f(*reinterpret_cast<const T*>(p[1] + i * st[1]), *reinterpret_cast<const T*>(p[2] + i * st[2]));
    }
  });
}

// Eigen's packet math vectorises the transcendental functions on dense float data (the
// activations' expressions are in activation_eigen.hpp).
template <class T> bool eigen_unary(ops::Unary op, const TensorRef& out, const TensorRef& in) {
  if (!out.is_contiguous() || !in.is_contiguous()) return false;
  using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;
  auto run = [&](auto expr_fn) {
    parallel_for(out.numel(), kGrain / 4, [&](int64_t b, int64_t e) {
      Eigen::Map<Arr> o(out.ptr<T>() + b, e - b);
      Eigen::Map<const Arr> x(in.ptr<T>() + b, e - b);
      o = expr_fn(x);
    });
  };
  // No sqrt here: without AVX-512 Eigen's fast float sqrt turns inf into NaN.
  switch (op) {
    case ops::Unary::Exp: run([](const auto& x) { return eigen_exp(x); }); return true;
    case ops::Unary::Log: run([](const auto& x) { return x.log(); }); return true;
    case ops::Unary::Tanh: run([](const auto& x) { return x.tanh(); }); return true;
    case ops::Unary::Sin: run([](const auto& x) { return x.sin(); }); return true;
    case ops::Unary::Cos: run([](const auto& x) { return x.cos(); }); return true;
    case ops::Unary::Sigmoid: run([](const auto& x) { return x.logistic(); }); return true;
    case ops::Unary::GeluExact: run([](const auto& x) { return eigen_gelu_exact(x); }); return true;
    case ops::Unary::GeluTanh: run([](const auto& x) { return eigen_gelu_tanh(x); }); return true;
    case ops::Unary::Silu: run([](const auto& x) { return eigen_silu(x); }); return true;
    default: return false;
  }
}

// The activations' backward (grad * act'(z)) on dense same-shape float data: Eigen's
// vectorised erf/tanh/logistic, the formulas the fused bias + activation uses too.
template <class T> bool eigen_activation_backward(ops::Binary op, const TensorRef& out, const TensorRef& g,
                                                  const TensorRef& z) {
  ops::Unary act;
  switch (op) {
    case ops::Binary::GeluExactBackward: act = ops::Unary::GeluExact; break;
    case ops::Binary::GeluTanhBackward: act = ops::Unary::GeluTanh; break;
    case ops::Binary::SiluBackward: act = ops::Unary::Silu; break;
    default: return false;
  }
  const int64_t n = out.numel();
  if (g.numel() != n || z.numel() != n || !out.is_contiguous() || !g.is_contiguous() || !z.is_contiguous())
    return false;
  using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;
  parallel_for(n, kGrain / 4, [&](int64_t b, int64_t e) {
    Eigen::Map<Arr> o(out.ptr<T>() + b, e - b);
    Eigen::Map<const Arr> gv(g.ptr<T>() + b, e - b), zv(z.ptr<T>() + b, e - b);
    Arr scratch(e - b);
    eigen_activation_grad(act, o, gv, zv, scratch);
  });
  return true;
}

#define ACCMT_UNARY_CASE(NAME) \
  case ops::Unary::NAME: return map1<T>(out, in, [](T x) { return T(ops::apply_unary(ops::Unary::NAME, acc_t<T>(x))); });

template <class T> void unary_typed(ops::Unary op, const TensorRef& out, const TensorRef& in) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    if (eigen_unary<T>(op, out, in)) return;
  }
  switch (op) {
    ACCMT_FOR_EACH_UNARY(ACCMT_UNARY_CASE)
  }
}
#undef ACCMT_UNARY_CASE

#define ACCMT_BINARY_CASE(NAME)                                                          \
  case ops::Binary::NAME:                                                                \
    return map2<T, T>(out, a, b, [](T x, T y) {                                          \
      return T(ops::apply_binary(ops::Binary::NAME, acc_t<T>(x), acc_t<T>(y)));          \
    });
#define ACCMT_COMPARE_CASE(NAME)                                                            \
  case ops::Binary::NAME:                                                                   \
    return map2<bool, T>(out, a, b, [](T x, T y) {                                          \
      return ops::apply_compare(ops::Binary::NAME, acc_t<T>(x), acc_t<T>(y));               \
    });

template <class T> void binary_typed(ops::Binary op, const TensorRef& out, const TensorRef& a, const TensorRef& b) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    if (eigen_activation_backward<T>(op, out, a, b)) return;
  }
  switch (op) {
    ACCMT_BINARY_CASE(Add) ACCMT_BINARY_CASE(Sub) ACCMT_BINARY_CASE(Mul) ACCMT_BINARY_CASE(Div)
    ACCMT_BINARY_CASE(Pow) ACCMT_BINARY_CASE(Maximum) ACCMT_BINARY_CASE(Minimum) ACCMT_BINARY_CASE(Remainder)
    ACCMT_BINARY_CASE(FloorDivide) ACCMT_BINARY_CASE(Atan2) ACCMT_BINARY_CASE(GeluExactBackward)
    ACCMT_BINARY_CASE(GeluTanhBackward) ACCMT_BINARY_CASE(SiluBackward) ACCMT_BINARY_CASE(SigmoidBackwardFromOutput)
    ACCMT_BINARY_CASE(TanhBackwardFromOutput) ACCMT_BINARY_CASE(ReluBackward) ACCMT_BINARY_CASE(SoftplusBackward)
    ACCMT_COMPARE_CASE(Eq) ACCMT_COMPARE_CASE(Ne) ACCMT_COMPARE_CASE(Lt) ACCMT_COMPARE_CASE(Le)
    ACCMT_COMPARE_CASE(Gt) ACCMT_COMPARE_CASE(Ge) ACCMT_COMPARE_CASE(LogicalAnd) ACCMT_COMPARE_CASE(LogicalOr)
    ACCMT_COMPARE_CASE(LogicalXor)
  }
}
#undef ACCMT_BINARY_CASE
#undef ACCMT_COMPARE_CASE

}  // namespace

void CpuBackend::unary(ops::Unary op, const TensorRef& out, const TensorRef& in) {
  dispatch_all(in.dtype, [&]<class T>() { unary_typed<T>(op, out, in); });
}

void CpuBackend::binary(ops::Binary op, const TensorRef& out, const TensorRef& a, const TensorRef& b) {
  dispatch_all(a.dtype, [&]<class T>() { binary_typed<T>(op, out, a, b); });
}

void CpuBackend::where(const TensorRef& out, const TensorRef& cond, const TensorRef& a, const TensorRef& b) {
  dispatch_all(out.dtype, [&]<class T>() {
    StridedLoop<4> loop({&out, &cond, &a, &b});
    loop.run([&](const std::array<char*, 4>& p, const std::array<int64_t, 4>& st, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        bool c = *reinterpret_cast<const bool*>(p[1] + i * st[1]);
        *reinterpret_cast<T*>(p[0] + i * st[0]) = c ? *reinterpret_cast<const T*>(p[2] + i * st[2])
                                                    : *reinterpret_cast<const T*>(p[3] + i * st[3]);
      }
    });
  });
}

void CpuBackend::clamp(const TensorRef& out, const TensorRef& in, const Scalar* lo, const Scalar* hi) {
  dispatch_all(in.dtype, [&]<class T>() {
    using A = acc_t<T>;
    const bool has_lo = lo != nullptr, has_hi = hi != nullptr;
    const A l = has_lo ? lo->to<A>() : A(0), h = has_hi ? hi->to<A>() : A(0);
    map1<T>(out, in, [=](T x) {
      A v = A(x);
      if (has_lo) v = ops::clamp_below(v, l);
      if (has_hi) v = ops::clamp_above(v, h);
      return T(v);
    });
  });
}

}  // namespace accmt::kernels::cpu
