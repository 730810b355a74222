// Reductions and row softmax on the CPU.
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "kernels/cpu/activation_eigen.hpp"
#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/cpu/loops.hpp"

namespace accmt::kernels::cpu {

namespace {

// Floating sums accumulate in double: a little slower, far more accurate on long rows.
template <class T> using sum_t = std::conditional_t<std::is_floating_point_v<acc_t<T>>, double, acc_t<T>>;

template <class A> bool is_nan(A v) {
  if constexpr (std::is_floating_point_v<A>) return v != v;
  else return false;
}

// Sum of n dense elements. Sixteen independent lanes let the compiler vectorise the
// loop (a single accumulator would serialise every add).
template <class T> sum_t<T> sum_dense(const T* p, int64_t n) {
  using S = sum_t<T>;
  constexpr int kLanes = 16;
  S lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int j = 0; j < kLanes; ++j) lanes[j] += S(acc_t<T>(p[i + j]));
  S total = 0;
  for (int j = 0; j < kLanes; ++j) total += lanes[j];
  for (; i < n; ++i) total += S(acc_t<T>(p[i]));
  return total;
}

// Reduces the elements that `loop` (over the reduced dims) visits from `base`.
template <class T> void reduce_one(Reduce op, const StridedLoop<1>& proto, char* base, char* out) {
  using A = acc_t<T>;
  StridedLoop<1> loop = proto;
  loop.base[0] = base;
  auto each = [&](auto&& f) {
    int64_t idx = 0;
    loop.for_range(0, loop.numel, [&](const std::array<char*, 1>& p, const std::array<int64_t, 1>& st, int64_t n) {
      for (int64_t i = 0; i < n; ++i, ++idx) f(A(*reinterpret_cast<const T*>(p[0] + i * st[0])), idx);
    });
  };
  switch (op) {
    case Reduce::Sum: {
      sum_t<T> acc = 0;
      if constexpr (!std::is_same_v<T, bool>) {
        if (loop.strides[0][0] == int64_t(sizeof(T))) {  // dense inner runs (e.g. conv bias grads)
          loop.for_range(0, loop.numel, [&](const std::array<char*, 1>& p, const std::array<int64_t, 1>&, int64_t n) {
            acc += sum_dense(reinterpret_cast<const T*>(p[0]), n);
          });
          *reinterpret_cast<T*>(out) = T(static_cast<A>(acc));
          return;
        }
      }
      each([&](A v, int64_t) { acc += v; });
      *reinterpret_cast<T*>(out) = T(static_cast<A>(acc));
      return;
    }
    case Reduce::Prod: {
      sum_t<T> acc = 1;
      if constexpr (std::is_same_v<A, bool>) each([&](A v, int64_t) { acc = acc && v; });
      else each([&](A v, int64_t) { acc *= v; });
      *reinterpret_cast<T*>(out) = T(static_cast<A>(acc));
      return;
    }
    case Reduce::Max:
    case Reduce::Min:
    case Reduce::ArgMax:
    case Reduce::ArgMin: {
      bool want_max = op == Reduce::Max || op == Reduce::ArgMax;
      A best{};
      int64_t best_i = -1;
      each([&](A v, int64_t i) {
        if (best_i < 0) {
          best = v;
          best_i = i;
          return;
        }
        if (is_nan(best)) return;  // NaN wins and stays (first NaN)
        if (is_nan(v) || (want_max ? v > best : v < best)) {
          best = v;
          best_i = i;
        }
      });
      if (op == Reduce::Max || op == Reduce::Min) *reinterpret_cast<T*>(out) = T(best);
      else *reinterpret_cast<int64_t*>(out) = best_i < 0 ? 0 : best_i;
      return;
    }
    case Reduce::Any:
    case Reduce::All: {
      bool any = false, all = true;
      each([&](A v, int64_t) {
        bool nz = v != A(0);
        any = any || nz;
        all = all && nz;
      });
      *reinterpret_cast<bool*>(out) = op == Reduce::Any ? any : all;
      return;
    }
  }
}

// Sum over the leading dim of a dense [rows, cols] block: out[c] = sum_r in[r, c]. This
// is the bias-gradient shape; the row loop keeps the inner loop dense and vectorised.
template <class T> void sum_rows(const T* in, int64_t rows, int64_t cols, int64_t row_stride, T* out) {
  using S = sum_t<T>;
  parallel_for(cols, 1024, [&](int64_t c0, int64_t c1) {
    std::vector<S> acc(static_cast<size_t>(c1 - c0), S(0));
    for (int64_t r = 0; r < rows; ++r) {
      const T* row = in + r * row_stride;
      for (int64_t c = c0; c < c1; ++c) acc[c - c0] += S(acc_t<T>(row[c]));
    }
    for (int64_t c = c0; c < c1; ++c) out[c] = T(static_cast<acc_t<T>>(acc[c - c0]));
  });
}

}  // namespace

void CpuBackend::reduce(Reduce op, const TensorRef& out, const TensorRef& in, int nreduce) {
  const int nkeep = in.ndim - nreduce;
  TensorRef kept = in, red = in;
  kept.ndim = nkeep;
  red.ndim = nreduce;
  red.sizes = in.sizes + nkeep;
  red.strides = in.strides + nkeep;
  const int64_t outer = kept.numel(), inner = red.numel();
  dispatch_all(in.dtype, [&]<class T>() {
    // Column sums of a dense matrix (reducing dim 0 of [rows, cols]).
    if constexpr (!std::is_same_v<T, bool>) {
      if (op == Reduce::Sum && nkeep == 1 && nreduce == 1 && in.strides[0] == 1 && inner > 1) {
        sum_rows<T>(in.ptr<T>(), inner, outer, in.strides[1], out.ptr<T>());
        return;
      }
    }
    StridedLoop<1> inner_loop({&red});
    const int64_t out_size = dtype_size(out.dtype);
    if (outer == 1 && op == Reduce::Sum && inner > 4 * kGrain) {
      // One big sum: fixed-size chunks summed in order, so the result does not depend on
      // the number of threads.
      const int64_t chunk = kGrain;
      const int64_t nchunks = (inner + chunk - 1) / chunk;
      std::vector<sum_t<T>> partial(static_cast<size_t>(nchunks));
      parallel_for(nchunks, 1, [&](int64_t b, int64_t e) {
        for (int64_t c = b; c < e; ++c) {
          sum_t<T> acc = 0;
          int64_t lo = c * chunk, hi = std::min(inner, lo + chunk);
          inner_loop.for_range(lo, hi, [&](const std::array<char*, 1>& p, const std::array<int64_t, 1>& st, int64_t n) {
            if constexpr (!std::is_same_v<T, bool>) {
              if (st[0] == int64_t(sizeof(T))) {
                acc += sum_dense(reinterpret_cast<const T*>(p[0]), n);
                return;
              }
            }
            for (int64_t i = 0; i < n; ++i) acc += sum_t<T>(acc_t<T>(*reinterpret_cast<const T*>(p[0] + i * st[0])));
          });
          partial[static_cast<size_t>(c)] = acc;
        }
      });
      sum_t<T> total = 0;
      for (auto v : partial) total += v;
      *out.ptr<T>() = T(static_cast<acc_t<T>>(total));
      return;
    }
    // General case: one reduction per output element, outputs spread over threads.
    TensorRef out_view = out;
    out_view.ndim = nkeep;
    out_view.sizes = in.sizes;
    std::vector<int64_t> out_strides(static_cast<size_t>(std::max(nkeep, 1)));
    int64_t acc_stride = 1;
    for (int d = nkeep - 1; d >= 0; --d) {
      out_strides[static_cast<size_t>(d)] = acc_stride;
      acc_stride *= in.sizes[d];
    }
    out_view.strides = out_strides.data();
    StridedLoop<2> outer_loop({&out_view, &kept});
    parallel_for(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1)), [&](int64_t b, int64_t e) {
      outer_loop.for_range(b, e, [&](const std::array<char*, 2>& p, const std::array<int64_t, 2>& st, int64_t n) {
        for (int64_t i = 0; i < n; ++i) reduce_one<T>(op, inner_loop, p[1] + i * st[1], p[0] + i * st[0]);
      });
    });
    (void)out_size;
  });
}

void CpuBackend::softmax_lastdim(const TensorRef& out, const TensorRef& in, bool log) {
  const int64_t cols = in.sizes[in.ndim - 1];
  const int64_t rows = in.numel() / cols;
  dispatch_floating(in.dtype, [&]<class T>() {
    using A = acc_t<T>;
    if constexpr (std::is_same_v<T, A>) {
      // float/double: Eigen's vectorised exp; exp(x - max) is stored, then scaled.
      using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;
      parallel_for(rows, std::max<int64_t>(1, kGrain / cols), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          Eigen::Map<const Arr> x(in.ptr<T>() + r * cols, cols);
          Eigen::Map<Arr> y(out.ptr<T>() + r * cols, cols);
          T mx = x.maxCoeff();
          if (std::isinf(mx) && mx < 0) mx = 0;  // an all -inf row: exp gives 0, log gives -inf
          y = eigen_exp(x - mx);
          T sum = y.sum();
          if (log) y = (x - mx) - std::log(sum);
          else y *= T(1) / sum;
        }
      });
      return;
    }
    parallel_for(rows, std::max<int64_t>(1, kGrain / cols), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* x = in.ptr<T>() + r * cols;
        T* y = out.ptr<T>() + r * cols;
        A mx = -std::numeric_limits<A>::infinity();
        for (int64_t c = 0; c < cols; ++c) mx = std::max(mx, A(x[c]));
        if (std::isinf(mx) && mx < 0) mx = 0;  // an all -inf row: exp gives 0, log gives -inf
        A sum = 0;
        for (int64_t c = 0; c < cols; ++c) sum += std::exp(A(x[c]) - mx);
        if (log) {
          A lse = std::log(sum);
          for (int64_t c = 0; c < cols; ++c) y[c] = T(A(x[c]) - mx - lse);
        } else {
          A inv = A(1) / sum;
          for (int64_t c = 0; c < cols; ++c) y[c] = T(std::exp(A(x[c]) - mx) * inv);
        }
      }
    });
  });
}

}  // namespace accmt::kernels::cpu
