// The fused bias + activation on the CPU (kernels/backend.hpp, kernels/common/bias_act.hpp):
// one pass over the rows of x. float and double rows are Eigen array expressions
// (activation_eigen.hpp, shared with the unary maps); the 16-bit types run a scalar loop
// in float with ops.hpp's formulas. grad_bias comes from per-chunk partial column sums
// added in chunk order (deterministic for a given thread count).
#include <algorithm>
#include <vector>

#include <Eigen/Core>

#include "kernels/common/bias_act.hpp"
#include "kernels/cpu/activation_eigen.hpp"
#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/cpu/parallel.hpp"

namespace accmt::kernels::cpu {

namespace {

struct Rows {
  int64_t rows, n;
};

int64_t rows_per_task(int64_t n) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(1, n)); }

// ---- float / double
template <class T> void forward_eigen(ops::Unary act, Rows s, T* y, const T* x, const T* b) {
  using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;
  const int64_t n = s.n;
  Eigen::Map<const Arr> bm(b, n);
  parallel_for(s.rows, rows_per_task(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      Eigen::Map<Arr> yr(y + r * n, n);
      const auto z = Eigen::Map<const Arr>(x + r * n, n) + bm;
      switch (act) {
        case ops::Unary::GeluExact: yr = eigen_gelu_exact(z); break;
        case ops::Unary::GeluTanh: yr = eigen_gelu_tanh(z); break;
        case ops::Unary::Silu: yr = eigen_silu(z); break;
        default: yr = eigen_relu(z); break;
      }
    }
  });
}

template <class T>
void backward_eigen(ops::Unary act, Rows s, T* gx, T* gb, const T* gy, const T* x, const T* b) {
  using Arr = Eigen::Array<T, Eigen::Dynamic, 1>;
  const int64_t n = s.n;
  Eigen::Map<const Arr> bm(b, n);
  const int64_t nchunks = gb ? num_row_chunks(s.rows, n) : 1;
  std::vector<T> partial(gb ? static_cast<size_t>(nchunks * n) : 0, T(0));
  auto rows_body = [&](int64_t c, int64_t r0, int64_t r1) {
    Arr z(n), scratch(n);  // per chunk, not per row
    for (int64_t r = r0; r < r1; ++r) {
      z = Eigen::Map<const Arr>(x + r * n, n) + bm;
      Eigen::Map<Arr> gxr(gx + r * n, n);
      eigen_activation_grad(act, gxr, Eigen::Map<const Arr>(gy + r * n, n), z, scratch);
      if (gb) Eigen::Map<Arr>(partial.data() + c * n, n) += gxr;
    }
  };
  if (gb) for_row_chunks(nchunks, s.rows, rows_body);
  else parallel_for(s.rows, rows_per_task(n), [&](int64_t r0, int64_t r1) { rows_body(0, r0, r1); });
  if (!gb) return;
  for (int64_t c = 1; c < nchunks; ++c)
    for (int64_t j = 0; j < n; ++j) partial[j] += partial[c * n + j];
  std::copy_n(partial.begin(), n, gb);
}

// ---- Float16 / BFloat16: scalar loops in float (A); x + b and grad_x are rounded to T
// where the unfused ops round them.
template <class T, ops::Unary kAct> void forward_scalar(Rows s, T* y, const T* x, const T* b) {
  using A = acc_t<T>;
  const int64_t n = s.n;
  parallel_for(s.rows, rows_per_task(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t j = 0; j < n; ++j) {
        const A z = A(T(A(x[r * n + j]) + A(b[j])));
        y[r * n + j] = T(ops::apply_unary(kAct, z));
      }
  });
}

template <class T, ops::Unary kAct> void backward_scalar(Rows s, T* gx, T* gb, const T* gy, const T* x, const T* b) {
  using A = acc_t<T>;
  constexpr ops::Binary kGrad = ops::bias_act_backward_op(kAct);
  const int64_t n = s.n;
  const int64_t nchunks = gb ? num_row_chunks(s.rows, n) : 1;
  std::vector<A> partial(gb ? static_cast<size_t>(nchunks * n) : 0, A(0));
  auto rows_body = [&](int64_t c, int64_t r0, int64_t r1) {
    A* p = gb ? partial.data() + c * n : nullptr;
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t j = 0; j < n; ++j) {
        const A z = A(T(A(x[r * n + j]) + A(b[j])));
        const T g = T(ops::apply_binary(kGrad, A(gy[r * n + j]), z));
        gx[r * n + j] = g;
        if (p) p[j] += A(g);
      }
  };
  if (gb) for_row_chunks(nchunks, s.rows, rows_body);
  else parallel_for(s.rows, rows_per_task(n), [&](int64_t r0, int64_t r1) { rows_body(0, r0, r1); });
  if (!gb) return;
  for (int64_t c = 1; c < nchunks; ++c)
    for (int64_t j = 0; j < n; ++j) partial[j] += partial[c * n + j];
  for (int64_t j = 0; j < n; ++j) gb[j] = T(partial[j]);
}

Rows rows_of(const TensorRef& x, const TensorRef& bias) {
  const int64_t n = bias.numel();
  return {n ? x.numel() / n : 0, n};
}

}  // namespace

void CpuBackend::bias_act_forward(ops::Unary act, const TensorRef& y, const TensorRef& x, const TensorRef& bias) {
  const Rows s = rows_of(x, bias);
  if (s.rows == 0 || s.n == 0) return;
  dispatch_floating(x.dtype, [&]<class T>() {
    if constexpr (std::is_same_v<T, acc_t<T>>)
      forward_eigen<T>(act, s, y.ptr<T>(), x.ptr<T>(), bias.ptr<T>());
    else
      ops::with_bias_activation(act, [&]<ops::Unary kAct>() { forward_scalar<T, kAct>(s, y.ptr<T>(), x.ptr<T>(), bias.ptr<T>()); });
  });
}

void CpuBackend::bias_act_backward(ops::Unary act, const TensorRef& grad_x, const TensorRef* grad_bias,
                                   const TensorRef& grad_y, const TensorRef& x, const TensorRef& bias) {
  const Rows s = rows_of(x, bias);
  dispatch_floating(x.dtype, [&]<class T>() {
    T* gb = grad_bias ? grad_bias->ptr<T>() : nullptr;
    if (s.rows == 0 || s.n == 0) {  // no rows: grad_bias is an empty sum
      if (gb) std::fill_n(gb, s.n, T(0));
      return;
    }
    if constexpr (std::is_same_v<T, acc_t<T>>)
      backward_eigen<T>(act, s, grad_x.ptr<T>(), gb, grad_y.ptr<T>(), x.ptr<T>(), bias.ptr<T>());
    else
      ops::with_bias_activation(act, [&]<ops::Unary kAct>() {
        backward_scalar<T, kAct>(s, grad_x.ptr<T>(), gb, grad_y.ptr<T>(), x.ptr<T>(), bias.ptr<T>());
      });
  });
}

}  // namespace accmt::kernels::cpu
