// Gather/scatter, index_select/index_add, sort and topk on the CPU.
#include <algorithm>
#include <numeric>
#include <vector>

#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/cpu/loops.hpp"

namespace accmt::kernels::cpu {

namespace {
// `t` seen with another tensor's sizes, with the stride of `dim` zeroed: the loop then
// yields the address of element (..., 0, ...) and the kernel adds index * dim_stride.
struct Restrided {
  std::vector<int64_t> strides;
  TensorRef ref;
  Restrided(const TensorRef& t, const TensorRef& shape_of, int dim) : strides(t.strides, t.strides + t.ndim) {
    strides[static_cast<size_t>(dim)] = 0;
    ref = t;
    ref.sizes = shape_of.sizes;
    ref.strides = strides.data();
  }
};
}  // namespace

void CpuBackend::gather(const TensorRef& out, const TensorRef& in, int dim, const TensorRef& index) {
  Restrided src(in, index, dim);
  const int64_t dstride = in.strides[dim] * dtype_size(in.dtype);
  dispatch_all(in.dtype, [&]<class T>() {
    StridedLoop<3> loop({&out, &src.ref, &index});
    loop.run([&](const std::array<char*, 3>& p, const std::array<int64_t, 3>& st, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        int64_t idx = *reinterpret_cast<const int64_t*>(p[2] + i * st[2]);
        *reinterpret_cast<T*>(p[0] + i * st[0]) = *reinterpret_cast<const T*>(p[1] + i * st[1] + idx * dstride);
      }
    });
  });
}

void CpuBackend::scatter(const TensorRef& out, int dim, const TensorRef& index, const TensorRef& src, bool accumulate) {
  Restrided dst(out, index, dim);
  TensorRef src_view = src;
  src_view.sizes = index.sizes;  // src may be larger than index; only the index's extent is read
  const int64_t dstride = out.strides[dim] * dtype_size(out.dtype);
  dispatch_all(out.dtype, [&]<class T>() {
    StridedLoop<3> loop({&dst.ref, &index, &src_view});
    // Sequential: duplicate indices must apply in order (and never race).
    loop.for_range(0, loop.numel, [&](const std::array<char*, 3>& p, const std::array<int64_t, 3>& st, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        int64_t idx = *reinterpret_cast<const int64_t*>(p[1] + i * st[1]);
        T& o = *reinterpret_cast<T*>(p[0] + i * st[0] + idx * dstride);
        T v = *reinterpret_cast<const T*>(p[2] + i * st[2]);
        o = accumulate ? T(acc_t<T>(o) + acc_t<T>(v)) : v;
      }
    });
  });
}

void CpuBackend::index_select(const TensorRef& out, const TensorRef& in, int dim, const TensorRef& index) {
  Restrided src(in, out, dim);
  std::vector<int64_t> idx_strides(static_cast<size_t>(out.ndim), 0);
  idx_strides[static_cast<size_t>(dim)] = index.strides[0];
  TensorRef idx = index;
  idx.ndim = out.ndim;
  idx.sizes = out.sizes;
  idx.strides = idx_strides.data();
  const int64_t dstride = in.strides[dim] * dtype_size(in.dtype);
  dispatch_all(in.dtype, [&]<class T>() {
    StridedLoop<3> loop({&out, &src.ref, &idx});
    loop.run([&](const std::array<char*, 3>& p, const std::array<int64_t, 3>& st, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        int64_t k = *reinterpret_cast<const int64_t*>(p[2] + i * st[2]);
        *reinterpret_cast<T*>(p[0] + i * st[0]) = *reinterpret_cast<const T*>(p[1] + i * st[1] + k * dstride);
      }
    });
  });
}

void CpuBackend::index_add(const TensorRef& out, int dim, const TensorRef& index, const TensorRef& src, const Scalar& alpha) {
  Restrided dst(out, src, dim);
  std::vector<int64_t> idx_strides(static_cast<size_t>(src.ndim), 0);
  if (src.ndim) idx_strides[static_cast<size_t>(dim)] = index.strides[0];
  TensorRef idx = index;
  idx.ndim = src.ndim;
  idx.sizes = src.sizes;
  idx.strides = idx_strides.data();
  const int64_t dstride = out.ndim ? out.strides[dim] * dtype_size(out.dtype) : 0;
  dispatch_all(out.dtype, [&]<class T>() {
    using A = acc_t<T>;
    const A a = alpha.to<A>();
    StridedLoop<3> loop({&dst.ref, &idx, &src});
    loop.for_range(0, loop.numel, [&](const std::array<char*, 3>& p, const std::array<int64_t, 3>& st, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        int64_t k = *reinterpret_cast<const int64_t*>(p[1] + i * st[1]);
        T& o = *reinterpret_cast<T*>(p[0] + i * st[0] + k * dstride);
        o = T(A(A(o) + a * A(*reinterpret_cast<const T*>(p[2] + i * st[2]))));
      }
    });
  });
}

namespace {
// Orders NaN above every number, like PyTorch's sort.
template <class A> bool less_nan_last(A x, A y) {
  if constexpr (std::is_floating_point_v<A>) {
    if (y != y) return x == x;
    if (x != x) return false;
  }
  return x < y;
}

template <class T> void sort_rows(const TensorRef& values, const TensorRef& indices, const TensorRef& in, int64_t k,
                                  bool descending, bool stable, bool partial) {
  using A = acc_t<T>;
  const int64_t cols = in.sizes[in.ndim - 1];
  const int64_t rows = cols ? in.numel() / cols : 0;
  parallel_for(rows, std::max<int64_t>(1, 4096 / std::max<int64_t>(cols, 1)), [&](int64_t r0, int64_t r1) {
    std::vector<int64_t> order(static_cast<size_t>(cols));
    for (int64_t r = r0; r < r1; ++r) {
      const T* x = in.ptr<T>() + r * cols;
      std::iota(order.begin(), order.end(), 0);
      auto cmp = [&](int64_t i, int64_t j) {
        return descending ? less_nan_last(A(x[j]), A(x[i])) : less_nan_last(A(x[i]), A(x[j]));
      };
      if (partial) std::partial_sort(order.begin(), order.begin() + k, order.end(), cmp);
      else if (stable) std::stable_sort(order.begin(), order.end(), cmp);
      else std::sort(order.begin(), order.end(), cmp);
      T* v = values.ptr<T>() + r * k;
      int64_t* ix = indices.ptr<int64_t>() + r * k;
      for (int64_t c = 0; c < k; ++c) {
        v[c] = x[order[static_cast<size_t>(c)]];
        ix[c] = order[static_cast<size_t>(c)];
      }
    }
  });
}
}  // namespace

void CpuBackend::sort_lastdim(const TensorRef& values, const TensorRef& indices, const TensorRef& in, bool descending,
                              bool stable) {
  dispatch_all(in.dtype, [&]<class T>() {
    sort_rows<T>(values, indices, in, in.sizes[in.ndim - 1], descending, stable, false);
  });
}

void CpuBackend::topk_lastdim(const TensorRef& values, const TensorRef& indices, const TensorRef& in, int64_t k,
                              bool largest, bool) {
  // Always sorted: a sorted result is also a valid unsorted one.
  dispatch_all(in.dtype, [&]<class T>() { sort_rows<T>(values, indices, in, k, largest, true, true); });
}

}  // namespace accmt::kernels::cpu
