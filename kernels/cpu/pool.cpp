// Max, average and adaptive average pooling on the CPU, forward and backward. Parallel
// over planes (sample, channel): every output plane and input-gradient plane belongs to
// one thread.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/common/pool.hpp"
#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/cpu/parallel.hpp"

namespace accmt::kernels::cpu {

namespace {

template <class F> void dispatch_pool(DType t, F&& f) {
  if (t == DType::Float64) f.template operator()<double>();
  else f.template operator()<float>();
}

// Runs f(p) for every plane, grouping planes so each task has enough work.
template <class F> void for_planes(int64_t planes, int64_t work_per_plane, F&& f) {
  parallel_for(planes, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, work_per_plane)), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) f(p);
  });
}

}  // namespace

namespace {
// The first and one-past-last kernel taps of a window starting at `start` that fall inside
// [0, size). Dilation 1 (the usual case) avoids integer divisions, which cost more than
// the rest of a 2x2 window.
inline int64_t first_tap(int64_t start, int64_t dilation) {
  if (start >= 0) return 0;
  return dilation == 1 ? -start : (-start + dilation - 1) / dilation;
}
inline int64_t end_tap(int64_t start, int64_t size, int64_t kernel, int64_t dilation) {
  if (start >= size) return 0;
  return std::min<int64_t>(kernel, dilation == 1 ? size - start : (size - 1 - start) / dilation + 1);
}
// 2x2 windows with stride 2, no padding or dilation, all inside the input: the usual CNN
// pooling. Straight-line code per output (no tap loops or bounds), which the compiler
// turns into selects.
bool is_plain_2x2(const Window2d& w) {
  return w.kernel_h == 2 && w.kernel_w == 2 && w.stride_h == 2 && w.stride_w == 2 && w.pad_h == 0 && w.pad_w == 0 &&
         w.dilation_h == 1 && w.dilation_w == 1 && 2 * w.out_h <= w.in_h && 2 * w.out_w <= w.in_w;
}

template <class T> void max_pool_2x2_plane(const T* x, T* y, int64_t* idx, const Window2d& w) {
  for (int64_t oy = 0; oy < w.out_h; ++oy) {
    const int64_t r0 = 2 * oy * w.in_w, r1 = r0 + w.in_w;
    for (int64_t ox = 0; ox < w.out_w; ++ox) {
      const int64_t c = 2 * ox;
      // Same order and rules as the general loop: row-major taps, ties keep the first,
      // NaN propagates.
      T best = x[r0 + c];
      int64_t bi = r0 + c;
      const int64_t taps[3] = {r0 + c + 1, r1 + c, r1 + c + 1};
      for (int64_t t : taps) {
        const T v = x[t];
        const bool take = (v > best) | (v != v);
        best = take ? v : best;
        bi = take ? t : bi;
      }
      y[oy * w.out_w + ox] = best;
      idx[oy * w.out_w + ox] = bi;
    }
  }
}

}  // namespace

void CpuBackend::max_pool2d(const TensorRef& out, const TensorRef& indices, const TensorRef& in, const Window2d& w) {
  const int64_t planes = in.sizes[0], plane_in = w.in_h * w.in_w, plane_out = w.out_h * w.out_w;
  dispatch_pool(in.dtype, [&]<class T>() {
    for_planes(planes, plane_out * w.kernel_h * w.kernel_w, [&](int64_t p) {
      const T* x = in.ptr<T>() + p * plane_in;
      T* y = out.ptr<T>() + p * plane_out;
      int64_t* idx = indices.ptr<int64_t>() + p * plane_out;
      if (is_plain_2x2(w)) {
        max_pool_2x2_plane(x, y, idx, w);
        return;
      }
      for (int64_t oy = 0; oy < w.out_h; ++oy) {
        const int64_t y0 = oy * w.stride_h - w.pad_h;
        // The taps inside the input, found once per row/column instead of per tap.
        const int64_t ki0 = first_tap(y0, w.dilation_h), ki1 = end_tap(y0, w.in_h, w.kernel_h, w.dilation_h);
        for (int64_t ox = 0; ox < w.out_w; ++ox) {
          const int64_t x0 = ox * w.stride_w - w.pad_w;
          const int64_t kj0 = first_tap(x0, w.dilation_w), kj1 = end_tap(x0, w.in_w, w.kernel_w, w.dilation_w);
          T best = -std::numeric_limits<T>::infinity();
          int64_t best_i = -1;
          if (ki0 < ki1 && kj0 < kj1) {
            best_i = (y0 + ki0 * w.dilation_h) * w.in_w + x0 + kj0 * w.dilation_w;
            best = x[best_i];
          }
          for (int64_t ki = ki0; ki < ki1; ++ki) {
            const int64_t row = (y0 + ki * w.dilation_h) * w.in_w;
            for (int64_t kj = kj0; kj < kj1; ++kj) {
              const int64_t i = row + x0 + kj * w.dilation_w;
              const T v = x[i];
              // Ties keep the first position; NaN propagates (the last NaN wins, like PyTorch).
              // Selects, not branches: on real data the comparison is a coin flip.
              const bool take = (v > best) | (v != v);
              best = take ? v : best;
              best_i = take ? i : best_i;
            }
          }
          y[oy * w.out_w + ox] = best;
          idx[oy * w.out_w + ox] = best_i;
        }
      }
    });
  });
}

void CpuBackend::max_pool2d_backward(const TensorRef& grad_in, const TensorRef& grad_out, const TensorRef& indices) {
  const int64_t planes = grad_in.sizes[0], plane_in = grad_in.sizes[1] * grad_in.sizes[2];
  const int64_t plane_out = grad_out.sizes[1] * grad_out.sizes[2];
  dispatch_pool(grad_in.dtype, [&]<class T>() {
    for_planes(planes, plane_in + plane_out, [&](int64_t p) {
      T* gi = grad_in.ptr<T>() + p * plane_in;
      const T* go = grad_out.ptr<T>() + p * plane_out;
      const int64_t* idx = indices.ptr<int64_t>() + p * plane_out;
      std::fill(gi, gi + plane_in, T(0));
      for (int64_t i = 0; i < plane_out; ++i)
        if (idx[i] >= 0) gi[idx[i]] += go[i];
    });
  });
}

void CpuBackend::avg_pool2d(const TensorRef& out, const TensorRef& in, const Window2d& w, bool count_include_pad,
                            int64_t divisor_override) {
  const int64_t planes = in.sizes[0], plane_in = w.in_h * w.in_w, plane_out = w.out_h * w.out_w;
  dispatch_pool(in.dtype, [&]<class T>() {
    for_planes(planes, plane_out * w.kernel_h * w.kernel_w, [&](int64_t p) {
      const T* x = in.ptr<T>() + p * plane_in;
      T* y = out.ptr<T>() + p * plane_out;
      for (int64_t oy = 0; oy < w.out_h; ++oy) {
        for (int64_t ox = 0; ox < w.out_w; ++ox) {
          AvgWindow win = avg_window(oy, ox, w.in_h, w.in_w, w.kernel_h, w.kernel_w, w.stride_h, w.stride_w, w.pad_h,
                                     w.pad_w, count_include_pad, divisor_override);
          T sum = 0;
          for (int64_t iy = win.h0; iy < win.h1; ++iy)
            for (int64_t ix = win.w0; ix < win.w1; ++ix) sum += x[iy * w.in_w + ix];
          // An empty window (only possible with ceil_mode overhang) gives 0, like PyTorch.
          y[oy * w.out_w + ox] = (win.h0 < win.h1 && win.w0 < win.w1) ? sum / T(win.divisor) : T(0);
        }
      }
    });
  });
}

void CpuBackend::avg_pool2d_backward(const TensorRef& grad_in, const TensorRef& grad_out, const Window2d& w,
                                     bool count_include_pad, int64_t divisor_override) {
  const int64_t planes = grad_in.sizes[0], plane_in = w.in_h * w.in_w, plane_out = w.out_h * w.out_w;
  dispatch_pool(grad_in.dtype, [&]<class T>() {
    for_planes(planes, plane_out * w.kernel_h * w.kernel_w, [&](int64_t p) {
      T* gi = grad_in.ptr<T>() + p * plane_in;
      const T* go = grad_out.ptr<T>() + p * plane_out;
      std::fill(gi, gi + plane_in, T(0));
      for (int64_t oy = 0; oy < w.out_h; ++oy) {
        for (int64_t ox = 0; ox < w.out_w; ++ox) {
          AvgWindow win = avg_window(oy, ox, w.in_h, w.in_w, w.kernel_h, w.kernel_w, w.stride_h, w.stride_w, w.pad_h,
                                     w.pad_w, count_include_pad, divisor_override);
          if (win.h0 >= win.h1 || win.w0 >= win.w1) continue;
          const T g = go[oy * w.out_w + ox] / T(win.divisor);
          for (int64_t iy = win.h0; iy < win.h1; ++iy)
            for (int64_t ix = win.w0; ix < win.w1; ++ix) gi[iy * w.in_w + ix] += g;
        }
      }
    });
  });
}

void CpuBackend::adaptive_avg_pool2d(const TensorRef& out, const TensorRef& in) {
  const int64_t planes = in.sizes[0], H = in.sizes[1], W = in.sizes[2], OH = out.sizes[1], OW = out.sizes[2];
  dispatch_pool(in.dtype, [&]<class T>() {
    for_planes(planes, H * W + OH * OW, [&](int64_t p) {
      const T* x = in.ptr<T>() + p * H * W;
      T* y = out.ptr<T>() + p * OH * OW;
      for (int64_t oy = 0; oy < OH; ++oy) {
        const int64_t h0 = adaptive_start(oy, H, OH), h1 = adaptive_end(oy, H, OH);
        for (int64_t ox = 0; ox < OW; ++ox) {
          const int64_t w0 = adaptive_start(ox, W, OW), w1 = adaptive_end(ox, W, OW);
          T sum = 0;
          for (int64_t iy = h0; iy < h1; ++iy)
            for (int64_t ix = w0; ix < w1; ++ix) sum += x[iy * W + ix];
          y[oy * OW + ox] = sum / T((h1 - h0) * (w1 - w0));
        }
      }
    });
  });
}

void CpuBackend::adaptive_avg_pool2d_backward(const TensorRef& grad_in, const TensorRef& grad_out) {
  const int64_t planes = grad_in.sizes[0], H = grad_in.sizes[1], W = grad_in.sizes[2];
  const int64_t OH = grad_out.sizes[1], OW = grad_out.sizes[2];
  dispatch_pool(grad_in.dtype, [&]<class T>() {
    for_planes(planes, H * W + OH * OW, [&](int64_t p) {
      T* gi = grad_in.ptr<T>() + p * H * W;
      const T* go = grad_out.ptr<T>() + p * OH * OW;
      std::fill(gi, gi + H * W, T(0));
      for (int64_t oy = 0; oy < OH; ++oy) {
        const int64_t h0 = adaptive_start(oy, H, OH), h1 = adaptive_end(oy, H, OH);
        for (int64_t ox = 0; ox < OW; ++ox) {
          const int64_t w0 = adaptive_start(ox, W, OW), w1 = adaptive_end(ox, W, OW);
          const T g = go[oy * OW + ox] / T((h1 - h0) * (w1 - w0));
          for (int64_t iy = h0; iy < h1; ++iy)
            for (int64_t ix = w0; ix < w1; ++ix) gi[iy * W + ix] += g;
        }
      }
    });
  });
}

}  // namespace accmt::kernels::cpu
