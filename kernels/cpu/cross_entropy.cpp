// Fused cross-entropy on the CPU: one read of each logits row for the forward (max,
// exp-sum and the target terms), one read and one write for the backward. float and
// double rows are processed in place with Eigen's vectorised exp; 16-bit rows go through
// a float scratch row. The formulas are the shared ones in kernels/common/cross_entropy.hpp.
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "kernels/common/cross_entropy.hpp"
#include "kernels/cpu/activation_eigen.hpp"
#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/cpu/parallel.hpp"

namespace accmt::kernels::cpu {

namespace {

template <class A> using Row = Eigen::Array<A, Eigen::Dynamic, 1>;
template <class A> using CMap = Eigen::Map<const Row<A>>;

// What every row needs: class weights and target probabilities as acc-type rows.
template <class T, class A> struct CeContext {
  const CrossEntropyArgs& args;
  int64_t classes;
  A eps, inv_classes;
  Row<A> weight;    // empty when no class weights
  A sum_weight;     // sum of class weights (classes when none)

  explicit CeContext(const CrossEntropyArgs& a) : args(a), classes(a.logits.sizes[1]) {
    eps = A(a.label_smoothing);
    inv_classes = A(1) / A(classes);
    if (a.weight.data) {
      weight.resize(classes);
      const T* w = a.weight.ptr<T>();
      for (int64_t c = 0; c < classes; ++c) weight[c] = A(w[c]);
      sum_weight = weight.sum();
    } else {
      sum_weight = A(classes);
    }
  }
  bool has_weight() const { return weight.size() > 0; }

  // The row's logits (and, for probability targets, targets) as acc-type arrays: direct
  // maps for float/double, converted copies in `scratch` for 16-bit types.
  CMap<A> row(const TensorRef& t, int64_t r, Row<A>& scratch) const {
    const T* p = t.ptr<T>() + r * classes;
    if constexpr (std::is_same_v<T, A>) {
      return CMap<A>(p, classes);
    } else {
      scratch.resize(classes);
      for (int64_t c = 0; c < classes; ++c) scratch[c] = A(p[c]);
      return CMap<A>(scratch.data(), classes);
    }
  }
  int64_t target_index(int64_t r) const { return args.target.ptr<int64_t>()[r]; }

  // A (sum of coefficients) and sum_c a_c z_c for row r, or false for an ignored row.
  bool coefficients(int64_t r, const CMap<A>& z, Row<A>& scratch_p, A& total, A& sum_coef_z, A& w_t) const {
    if (!args.prob_target) {
      int64_t t = target_index(r);
      if (t == args.ignore_index) return false;
      w_t = has_weight() ? weight[t] : A(1);
      total = ce::index_total(w_t, sum_weight, eps, inv_classes);
      sum_coef_z = (A(1) - eps) * w_t * z[t];
      if (eps != A(0)) sum_coef_z += eps * inv_classes * (has_weight() ? (weight * z).sum() : z.sum());
      return true;
    }
    CMap<A> p = row(args.target, r, scratch_p);
    w_t = A(1);
    if (has_weight()) {
      auto coef = ce::prob_coef(p, weight, eps, inv_classes);
      total = coef.sum();
      sum_coef_z = (coef * z).sum();
    } else {
      auto coef = ce::prob_coef(p, Row<A>::Ones(classes), eps, inv_classes);
      total = coef.sum();
      sum_coef_z = (coef * z).sum();
    }
    return true;
  }
};

template <class A> A row_lse(const CMap<A>& z) {
  A m = z.maxCoeff();
  if (std::isinf(m) && m < 0) m = 0;  // an all -inf row: lse = -inf
  return m + std::log(eigen_exp(z - m).sum());
}

int64_t rows_per_task(int64_t classes) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(classes, 1)); }

}  // namespace

void CpuBackend::cross_entropy_forward(const CrossEntropyArgs& args, const TensorRef& loss, const TensorRef& lse,
                                       const TensorRef& row_weight) {
  const int64_t rows = args.logits.sizes[0];
  dispatch_floating(args.logits.dtype, [&]<class T>() {
    using A = acc_t<T>;
    CeContext<T, A> ctx(args);
    parallel_for(rows, rows_per_task(ctx.classes), [&](int64_t r0, int64_t r1) {
      Row<A> scratch_z, scratch_p;
      for (int64_t r = r0; r < r1; ++r) {
        CMap<A> z = ctx.row(args.logits, r, scratch_z);
        A l = row_lse(z);
        A total = 0, sum_coef_z = 0, w_t = 0;
        bool used = ctx.coefficients(r, z, scratch_p, total, sum_coef_z, w_t);
        loss.ptr<T>()[r] = T(used ? ce::row_loss(l, total, sum_coef_z) : A(0));
        lse.ptr<T>()[r] = T(l);
        row_weight.ptr<T>()[r] = T(used ? w_t : A(0));
      }
    });
  });
}

void CpuBackend::cross_entropy_backward(const CrossEntropyArgs& args, const TensorRef& lse,
                                        const TensorRef& grad_loss, const TensorRef& grad_logits) {
  const int64_t rows = args.logits.sizes[0];
  const int64_t g_stride = grad_loss.ndim ? grad_loss.strides[0] : 0;
  dispatch_floating(args.logits.dtype, [&]<class T>() {
    using A = acc_t<T>;
    CeContext<T, A> ctx(args);
    const int64_t C = ctx.classes;
    parallel_for(rows, rows_per_task(C), [&](int64_t r0, int64_t r1) {
      Row<A> scratch_z, scratch_p, out_row;
      for (int64_t r = r0; r < r1; ++r) {
        CMap<A> z = ctx.row(args.logits, r, scratch_z);
        T* out = grad_logits.ptr<T>() + r * C;
        // Write straight into the output for float/double, via a float row otherwise.
        A* y_ptr;
        if constexpr (std::is_same_v<T, A>) {
          y_ptr = out;
        } else {
          out_row.resize(C);
          y_ptr = out_row.data();
        }
        Eigen::Map<Row<A>> y(y_ptr, C);
        const A g = A(grad_loss.ptr<T>()[r * g_stride]);
        const A l = A(lse.ptr<T>()[r]);
        const A eps = ctx.eps, inv_c = ctx.inv_classes;
        if (!args.prob_target) {
          int64_t t = ctx.target_index(r);
          if (t == args.ignore_index) {
            y.setZero();
          } else {
            A w_t = ctx.has_weight() ? ctx.weight[t] : A(1);
            A total = ce::index_total(w_t, ctx.sum_weight, eps, inv_c);
            if (ctx.has_weight()) y = ce::grad(eigen_exp(z - l), total, eps * inv_c * ctx.weight, g);
            else y = ce::grad(eigen_exp(z - l), total, eps * inv_c, g);
            y[t] -= (A(1) - eps) * w_t * g;  // the target term of a_c
          }
        } else {
          CMap<A> p = ctx.row(args.target, r, scratch_p);
          if (ctx.has_weight()) {
            Row<A> coef = ce::prob_coef(p, ctx.weight, eps, inv_c);
            y = ce::grad(eigen_exp(z - l), coef.sum(), coef, g);
          } else {
            Row<A> coef = ce::prob_coef(p, Row<A>::Ones(C), eps, inv_c);
            y = ce::grad(eigen_exp(z - l), coef.sum(), coef, g);
          }
        }
        if constexpr (!std::is_same_v<T, A>)
          for (int64_t c = 0; c < C; ++c) out[c] = T(out_row[c]);
      }
    });
  });
}

}  // namespace accmt::kernels::cpu
