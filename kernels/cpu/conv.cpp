// im2col / col2im on the CPU: the data movement around the GEMMs of a convolution.
// Parallel over (sample, channel) planes; each plane owns kernel_h * kernel_w rows of
// col and its own image plane, so threads never write the same memory.
#include <algorithm>
#include <cstring>

#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/cpu/parallel.hpp"

namespace accmt::kernels::cpu {

namespace {

template <class F> void dispatch_conv(DType t, F&& f) {
  if (t == DType::Float64) f.template operator()<double>();
  else f.template operator()<float>();
}

// Output columns [lo, hi) whose input column ox * stride - pad + off lies in [0, in).
void valid_range(int64_t out, int64_t in, int64_t stride, int64_t off, int64_t& lo, int64_t& hi) {
  // ox * stride + off >= 0  and  ox * stride + off < in
  lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
  hi = in - off <= 0 ? 0 : (in - off + stride - 1) / stride;
  lo = std::min(lo, out);
  hi = std::clamp(hi, lo, out);
}

template <class T> void im2col_plane(T* col, const T* im, const Window2d& w) {
  const int64_t L = w.out_h * w.out_w;
  for (int64_t ki = 0; ki < w.kernel_h; ++ki) {
    for (int64_t kj = 0; kj < w.kernel_w; ++kj, col += L) {
      const int64_t xoff = kj * w.dilation_w - w.pad_w;
      int64_t lo, hi;
      valid_range(w.out_w, w.in_w, w.stride_w, xoff, lo, hi);
      for (int64_t oy = 0; oy < w.out_h; ++oy) {
        T* dst = col + oy * w.out_w;
        const int64_t iy = oy * w.stride_h - w.pad_h + ki * w.dilation_h;
        if (iy < 0 || iy >= w.in_h) {
          std::fill(dst, dst + w.out_w, T(0));
          continue;
        }
        const T* src = im + iy * w.in_w + xoff;
        std::fill(dst, dst + lo, T(0));
        if (w.stride_w == 1) {
          std::memcpy(dst + lo, src + lo, sizeof(T) * static_cast<size_t>(hi - lo));
        } else {
          for (int64_t ox = lo; ox < hi; ++ox) dst[ox] = src[ox * w.stride_w];
        }
        std::fill(dst + hi, dst + w.out_w, T(0));
      }
    }
  }
}

template <class T> void col2im_plane(T* im, const T* col, const Window2d& w) {
  const int64_t L = w.out_h * w.out_w;
  std::fill(im, im + w.in_h * w.in_w, T(0));
  for (int64_t ki = 0; ki < w.kernel_h; ++ki) {
    for (int64_t kj = 0; kj < w.kernel_w; ++kj, col += L) {
      const int64_t xoff = kj * w.dilation_w - w.pad_w;
      int64_t lo, hi;
      valid_range(w.out_w, w.in_w, w.stride_w, xoff, lo, hi);
      for (int64_t oy = 0; oy < w.out_h; ++oy) {
        const int64_t iy = oy * w.stride_h - w.pad_h + ki * w.dilation_h;
        if (iy < 0 || iy >= w.in_h) continue;
        const T* src = col + oy * w.out_w;
        T* dst = im + iy * w.in_w + xoff;
        if (w.stride_w == 1) {
          for (int64_t ox = lo; ox < hi; ++ox) dst[ox] += src[ox];
        } else {
          for (int64_t ox = lo; ox < hi; ++ox) dst[ox * w.stride_w] += src[ox];
        }
      }
    }
  }
}

}  // namespace

void CpuBackend::im2col(const TensorRef& col, const TensorRef& im, const Window2d& w) {
  const int64_t planes = im.sizes[0] * im.sizes[1];
  const int64_t plane_in = w.in_h * w.in_w, plane_col = w.kernel_h * w.kernel_w * w.out_h * w.out_w;
  dispatch_conv(im.dtype, [&]<class T>() {
    const T* src = im.ptr<T>();
    T* dst = col.ptr<T>();
    parallel_for(planes, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, plane_col)), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) im2col_plane(dst + p * plane_col, src + p * plane_in, w);
    });
  });
}

void CpuBackend::col2im(const TensorRef& im, const TensorRef& col, const Window2d& w) {
  const int64_t planes = im.sizes[0] * im.sizes[1];
  const int64_t plane_in = w.in_h * w.in_w, plane_col = w.kernel_h * w.kernel_w * w.out_h * w.out_w;
  dispatch_conv(im.dtype, [&]<class T>() {
    const T* src = col.ptr<T>();
    T* dst = im.ptr<T>();
    parallel_for(planes, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, plane_col)), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) col2im_plane(dst + p * plane_in, src + p * plane_col, w);
    });
  });
}

}  // namespace accmt::kernels::cpu
