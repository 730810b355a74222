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

void CpuBackend::max_pool2d(const TensorRef& out, const TensorRef& indices, const TensorRef& in, const Window2d& w) {
  const int64_t planes = in.sizes[0], plane_in = w.in_h * w.in_w, plane_out = w.out_h * w.out_w;
  dispatch_pool(in.dtype, [&]<class T>() {
    for_planes(planes, plane_out * w.kernel_h * w.kernel_w, [&](int64_t p) {
      const T* x = in.ptr<T>() + p * plane_in;
      T* y = out.ptr<T>() + p * plane_out;
      int64_t* idx = indices.ptr<int64_t>() + p * plane_out;
      for (int64_t oy = 0; oy < w.out_h; ++oy) {
        const int64_t y0 = oy * w.stride_h - w.pad_h;
        // The taps inside the input, found once per row/column instead of per tap.
        const int64_t ki0 = y0 >= 0 ? 0 : (-y0 + w.dilation_h - 1) / w.dilation_h;
        const int64_t ki1 = std::min<int64_t>(w.kernel_h, y0 >= w.in_h ? 0 : (w.in_h - 1 - y0) / w.dilation_h + 1);
        for (int64_t ox = 0; ox < w.out_w; ++ox) {
          const int64_t x0 = ox * w.stride_w - w.pad_w;
          const int64_t kj0 = x0 >= 0 ? 0 : (-x0 + w.dilation_w - 1) / w.dilation_w;
          const int64_t kj1 =
              std::min<int64_t>(w.kernel_w, x0 >= w.in_w ? 0 : (w.in_w - 1 - x0) / w.dilation_w + 1);
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
              if (v > best || v != v) {
                best = v;
                best_i = i;
              }
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
