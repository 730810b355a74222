// LayerNorm / RMSNorm forward and backward on the CPU (the fused normalisation family of
// kernels/backend.hpp). float and double rows go through Eigen's vectorised arrays; the
// 16-bit types run a scalar loop in float. Both evaluate kernels/common/norm.hpp's math.
#include <algorithm>
#include <vector>

#include <Eigen/Core>

#include "kernels/common/norm.hpp"
#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/cpu/parallel.hpp"

namespace accmt::kernels::cpu {

namespace {

struct Rows {
  int64_t rows, cols;
};

Rows rows_of(const TensorRef& x, const TensorRef& rstd) {
  int64_t rows = rstd.numel();
  return {rows, rows ? x.numel() / rows : 0};
}

template <class T> const T* opt_ptr(const TensorRef* t) { return t ? t->ptr<T>() : nullptr; }
template <class T> T* opt_mut(const TensorRef* t) { return t ? t->ptr<T>() : nullptr; }

// ---- float / double
template <class T>
void forward_eigen(Rows s, T* y, T* mean, T* rstd, const T* x, const T* w, const T* b, double eps) {
  using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;
  const int64_t n = s.cols;
  parallel_for(s.rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      Eigen::Map<const Arr> xr(x + r * n, n);
      Eigen::Map<Arr> yr(y + r * n, n);
      T mu = 0, var;
      if (mean) {
        mu = xr.sum() / T(n);
        var = (xr - mu).square().sum() / T(n);  // two passes: exact for rows with a large offset
        mean[r] = mu;
      } else {
        var = xr.square().sum() / T(n);
      }
      T rs = ops::norm_rstd(var, eps);
      rstd[r] = rs;
      if (w && b) yr = (xr - mu) * rs * Eigen::Map<const Arr>(w, n) + Eigen::Map<const Arr>(b, n);
      else if (w) yr = (xr - mu) * rs * Eigen::Map<const Arr>(w, n);
      else if (b) yr = (xr - mu) * rs + Eigen::Map<const Arr>(b, n);
      else yr = (xr - mu) * rs;
    }
  });
}

// One row in two fused passes: the first accumulates the parameter-gradient partials and
// the two row sums, the second writes dx. `omp simd` lets the float reductions vectorise.
template <class T>
void backward_row(int64_t n, T* dxr, T* pw, T* pb, const T* dyr, const T* xr, bool centred, T mu, T rs,
                  const T* w) {
  T sg = 0, sgx = 0;
#pragma omp simd reduction(+ : sg, sgx)
  for (int64_t j = 0; j < n; ++j) {
    const T xh = (xr[j] - mu) * rs, g = w ? dyr[j] * w[j] : dyr[j];
    if (pw) pw[j] += dyr[j] * xh;
    if (pb) pb[j] += dyr[j];
    sg += g;
    sgx += g * xh;
  }
  if (!dxr) return;
  const T mg = centred ? sg / T(n) : T(0), mgx = sgx / T(n);  // RMSNorm: no mean(g) term
#pragma omp simd
  for (int64_t j = 0; j < n; ++j) {
    const T xh = (xr[j] - mu) * rs, g = w ? dyr[j] * w[j] : dyr[j];
    dxr[j] = ops::norm_backward_dx(g, xh, rs, mg, mgx);
  }
}

template <class T>
void backward_dense(Rows s, T* dx, T* dw, T* db, const T* dy, const T* x, const T* mean, const T* rstd, const T* w) {
  const int64_t n = s.cols;
  const int64_t nchunks = (dw || db) ? num_row_chunks(s.rows, n) : 1;
  std::vector<T> partial((dw || db) ? static_cast<size_t>(nchunks * 2 * n) : 0, T(0));
  auto rows_body = [&](int64_t c, int64_t r0, int64_t r1) {
    T* pw = dw ? partial.data() + c * 2 * n : nullptr;
    T* pb = db ? partial.data() + c * 2 * n + n : nullptr;
    for (int64_t r = r0; r < r1; ++r) {
      backward_row<T>(n, dx ? dx + r * n : nullptr, pw, pb, dy + r * n, x + r * n, mean != nullptr,
                      mean ? mean[r] : T(0), rstd[r], w);
    }
  };
  if (dx && !dw && !db) {
    parallel_for(s.rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n)),
                 [&](int64_t r0, int64_t r1) { rows_body(0, r0, r1); });
  } else {
    for_row_chunks(nchunks, s.rows, rows_body);
  }
  for (int64_t c = 1; c < nchunks; ++c)
    for (int64_t j = 0; j < 2 * n; ++j) partial[j] += partial[c * 2 * n + j];
  if (dw) std::copy(partial.begin(), partial.begin() + n, dw);
  if (db) std::copy(partial.begin() + n, partial.begin() + 2 * n, db);
}

// ---- Float16 / BFloat16: scalar rows in float (A).
template <class T, class A>
void forward_scalar(Rows s, T* y, A* mean, A* rstd, const T* x, const T* w, const T* b, double eps) {
  const int64_t n = s.cols;
  parallel_for(s.rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * n;
      A mu = 0, var = 0;
      if (mean) {
        for (int64_t j = 0; j < n; ++j) mu += A(xr[j]);
        mu /= A(n);
        mean[r] = mu;
      }
      for (int64_t j = 0; j < n; ++j) var += (A(xr[j]) - mu) * (A(xr[j]) - mu);
      A rs = ops::norm_rstd(var / A(n), eps);
      rstd[r] = rs;
      for (int64_t j = 0; j < n; ++j)
        y[r * n + j] = T(ops::norm_forward(A(xr[j]), mu, rs, w ? A(w[j]) : A(1), b ? A(b[j]) : A(0)));
    }
  });
}

template <class T, class A>
void backward_scalar(Rows s, T* dx, T* dw, T* db, const T* dy, const T* x, const A* mean, const A* rstd, const T* w) {
  const int64_t n = s.cols;
  const int64_t nchunks = num_row_chunks(s.rows, n);
  std::vector<A> partial(static_cast<size_t>(nchunks * 2 * n), A(0));
  for_row_chunks(nchunks, s.rows, [&](int64_t c, int64_t r0, int64_t r1) {
    A* pw = partial.data() + c * 2 * n;
    A* pb = pw + n;
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * n;
      const T* dyr = dy + r * n;
      const A mu = mean ? mean[r] : A(0), rs = rstd[r];
      A sg = 0, sgx = 0;
      for (int64_t j = 0; j < n; ++j) {
        A xhat = (A(xr[j]) - mu) * rs, g = A(dyr[j]) * (w ? A(w[j]) : A(1));
        pw[j] += A(dyr[j]) * xhat;
        pb[j] += A(dyr[j]);
        sg += g;
        sgx += g * xhat;
      }
      if (!dx) continue;
      const A mg = mean ? sg / A(n) : A(0), mgx = sgx / A(n);
      for (int64_t j = 0; j < n; ++j) {
        A xhat = (A(xr[j]) - mu) * rs, g = A(dyr[j]) * (w ? A(w[j]) : A(1));
        dx[r * n + j] = T(ops::norm_backward_dx(g, xhat, rs, mg, mgx));
      }
    }
  });
  for (int64_t c = 1; c < nchunks; ++c)
    for (int64_t j = 0; j < 2 * n; ++j) partial[j] += partial[c * 2 * n + j];
  for (int64_t j = 0; j < n; ++j) {
    if (dw) dw[j] = T(partial[j]);
    if (db) db[j] = T(partial[n + j]);
  }
}

}  // namespace

void CpuBackend::layer_norm_forward(const TensorRef& y, const TensorRef* mean, const TensorRef& rstd,
                                    const TensorRef& x, const TensorRef* weight, const TensorRef* bias, double eps) {
  Rows s = rows_of(x, rstd);
  if (s.rows == 0) return;
  dispatch_floating(x.dtype, [&]<class T>() {
    using A = acc_t<T>;
    if constexpr (std::is_same_v<T, A>)
      forward_eigen<T>(s, y.ptr<T>(), opt_mut<T>(mean), rstd.ptr<T>(), x.ptr<T>(), opt_ptr<T>(weight),
                       opt_ptr<T>(bias), eps);
    else
      forward_scalar<T, A>(s, y.ptr<T>(), opt_mut<A>(mean), rstd.ptr<A>(), x.ptr<T>(), opt_ptr<T>(weight),
                           opt_ptr<T>(bias), eps);
  });
}

void CpuBackend::layer_norm_backward(const TensorRef* dx, const TensorRef* dweight, const TensorRef* dbias,
                                     const TensorRef& dy, const TensorRef& x, const TensorRef* mean,
                                     const TensorRef& rstd, const TensorRef* weight) {
  Rows s = rows_of(x, rstd);
  dispatch_floating(x.dtype, [&]<class T>() {
    using A = acc_t<T>;
    if (s.rows == 0) {  // empty batch: parameter gradients are zero
      if (dweight) std::fill_n(dweight->ptr<T>(), dweight->numel(), T(0));
      if (dbias) std::fill_n(dbias->ptr<T>(), dbias->numel(), T(0));
      return;
    }
    if constexpr (std::is_same_v<T, A>)
      backward_dense<T>(s, opt_mut<T>(dx), opt_mut<T>(dweight), opt_mut<T>(dbias), dy.ptr<T>(), x.ptr<T>(),
                        opt_ptr<T>(mean), rstd.ptr<T>(), opt_ptr<T>(weight));
    else
      backward_scalar<T, A>(s, opt_mut<T>(dx), opt_mut<T>(dweight), opt_mut<T>(dbias), dy.ptr<T>(), x.ptr<T>(),
                            opt_ptr<A>(mean), rstd.ptr<A>(), opt_ptr<T>(weight));
  });
}

}  // namespace accmt::kernels::cpu
