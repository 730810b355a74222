// Max, average and adaptive average pooling on CUDA, forward and backward. Forward passes
// run one thread per output with the CPU's loop order. Backward passes are deterministic
// without atomics: average pooling runs one thread per input pixel over the windows that
// contain it (in the CPU's output order); max pooling knows only the saved indices, so it
// groups outputs by the pixel they chose with a stable sort (kernels/cuda/sorted_runs.cuh).
#include <cuda_runtime_api.h>

#include <limits>

#include "kernels/common/pool.hpp"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/sorted_runs.cuh"

namespace accmt::kernels::cuda {

namespace {

template <class F> void dispatch_pool(DType t, F&& f) {
  if (t == DType::Float64) f.template operator()<double>();
  else f.template operator()<float>();
}

template <class T>
__global__ void max_pool_kernel(T* __restrict__ y, int64_t* __restrict__ indices, const T* __restrict__ x, int64_t n,
                                Window2d w) {
  const int64_t plane_out = w.out_h * w.out_w;
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    const int64_t p = i / plane_out, o = i - p * plane_out;
    const int64_t oy = o / w.out_w, ox = o - oy * w.out_w;
    const T* xp = x + p * w.in_h * w.in_w;
    const int64_t y0 = oy * w.stride_h - w.pad_h, x0 = ox * w.stride_w - w.pad_w;
    T best = -std::numeric_limits<T>::infinity();
    int64_t best_i = -1;
    for (int64_t ki = 0; ki < w.kernel_h; ++ki) {
      const int64_t iy = y0 + ki * w.dilation_h;
      if (iy < 0 || iy >= w.in_h) continue;
      for (int64_t kj = 0; kj < w.kernel_w; ++kj) {
        const int64_t ix = x0 + kj * w.dilation_w;
        if (ix < 0 || ix >= w.in_w) continue;
        const int64_t at = iy * w.in_w + ix;
        const T v = xp[at];
        // The first tap inside the input always counts; after it, ties keep the first
        // position and NaN propagates (the last NaN wins), as on the CPU.
        if (best_i < 0 || v > best || v != v) {
          best = v;
          best_i = at;
        }
      }
    }
    y[i] = best;
    indices[i] = best_i;
  }
}

// Keys: the grad_in element each output sends its gradient to (skip_key for none).
__global__ void max_pool_keys_kernel(const int64_t* indices, int64_t n, int64_t plane_out, int64_t plane_in,
                                     uint64_t skip_key, uint64_t* keys, int64_t* positions) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    const int64_t at = indices[i];
    keys[i] = (at >= 0 && at < plane_in) ? uint64_t((i / plane_out) * plane_in + at) : skip_key;
    positions[i] = i;
  }
}

template <class T>
__global__ void max_pool_backward_runs_kernel(T* grad_in, const T* grad_out, int64_t n, const uint64_t* keys,
                                              const int64_t* positions, uint64_t skip_key) {
  for (int64_t j = global_index(); j < n; j += grid_stride()) {
    if (!run_head(keys, j) || keys[j] == skip_key) continue;
    const uint64_t key = keys[j];
    T sum = T(0);
    for (int64_t r = j; r < n && keys[r] == key; ++r) sum += grad_out[positions[r]];
    grad_in[key] = sum;
  }
}

template <class T>
__global__ void avg_pool_kernel(T* __restrict__ y, const T* __restrict__ x, int64_t n, Window2d w,
                                bool count_include_pad, int64_t divisor_override) {
  const int64_t plane_out = w.out_h * w.out_w;
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    const int64_t p = i / plane_out, o = i - p * plane_out;
    const int64_t oy = o / w.out_w, ox = o - oy * w.out_w;
    const T* xp = x + p * w.in_h * w.in_w;
    const AvgWindow win = avg_window(oy, ox, w.in_h, w.in_w, w.kernel_h, w.kernel_w, w.stride_h, w.stride_w, w.pad_h,
                                     w.pad_w, count_include_pad, divisor_override);
    T sum = 0;
    for (int64_t iy = win.h0; iy < win.h1; ++iy)
      for (int64_t ix = win.w0; ix < win.w1; ++ix) sum += xp[iy * w.in_w + ix];
    // An empty window (only possible with ceil_mode overhang) gives 0, like the CPU.
    y[i] = (win.h0 < win.h1 && win.w0 < win.w1) ? sum / T(win.divisor) : T(0);
  }
}

// Outputs o in [lo, hi] whose window [o * stride - pad, o * stride - pad + kernel) may
// contain position pos (avg_window then decides exactly).
__device__ inline void covering_outputs(int64_t pos, int64_t pad, int64_t kernel, int64_t stride, int64_t out,
                                        int64_t& lo, int64_t& hi) {
  const int64_t t = pos + pad;  // need t - kernel < o * stride <= t
  lo = t - kernel + 1 <= 0 ? 0 : (t - kernel + 1 + stride - 1) / stride;
  hi = t < 0 ? -1 : t / stride;
  if (hi > out - 1) hi = out - 1;
}

template <class T>
__global__ void avg_pool_backward_kernel(T* __restrict__ gi, const T* __restrict__ go, int64_t n, Window2d w,
                                         bool count_include_pad, int64_t divisor_override) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    const int64_t ix = i % w.in_w, rest = i / w.in_w;
    const int64_t iy = rest % w.in_h, p = rest / w.in_h;
    const T* gp = go + p * w.out_h * w.out_w;
    int64_t oy0, oy1, ox0, ox1;
    covering_outputs(iy, w.pad_h, w.kernel_h, w.stride_h, w.out_h, oy0, oy1);
    covering_outputs(ix, w.pad_w, w.kernel_w, w.stride_w, w.out_w, ox0, ox1);
    T sum = T(0);
    for (int64_t oy = oy0; oy <= oy1; ++oy) {
      for (int64_t ox = ox0; ox <= ox1; ++ox) {
        const AvgWindow win = avg_window(oy, ox, w.in_h, w.in_w, w.kernel_h, w.kernel_w, w.stride_h, w.stride_w,
                                         w.pad_h, w.pad_w, count_include_pad, divisor_override);
        if (iy < win.h0 || iy >= win.h1 || ix < win.w0 || ix >= win.w1) continue;
        sum += gp[oy * w.out_w + ox] / T(win.divisor);
      }
    }
    gi[i] = sum;
  }
}

template <class T>
__global__ void adaptive_avg_pool_kernel(T* __restrict__ y, const T* __restrict__ x, int64_t n, int64_t H, int64_t W,
                                         int64_t OH, int64_t OW) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    const int64_t ox = i % OW, rest = i / OW;
    const int64_t oy = rest % OH, p = rest / OH;
    const T* xp = x + p * H * W;
    const int64_t h0 = adaptive_start(oy, H, OH), h1 = adaptive_end(oy, H, OH);
    const int64_t w0 = adaptive_start(ox, W, OW), w1 = adaptive_end(ox, W, OW);
    T sum = 0;
    for (int64_t iy = h0; iy < h1; ++iy)
      for (int64_t ix = w0; ix < w1; ++ix) sum += xp[iy * W + ix];
    y[i] = sum / T((h1 - h0) * (w1 - w0));
  }
}

// Adaptive cells o with start(o) <= pos < end(o): o from floor(pos * out / in) to
// floor(((pos + 1) * out - 1) / in); one cell of slack each side, then exact tests.
__device__ inline void adaptive_covering(int64_t pos, int64_t in, int64_t out, int64_t& lo, int64_t& hi) {
  lo = pos * out / in - 1;
  hi = ((pos + 1) * out - 1) / in + 1;
  if (lo < 0) lo = 0;
  if (hi > out - 1) hi = out - 1;
}

template <class T>
__global__ void adaptive_avg_pool_backward_kernel(T* __restrict__ gi, const T* __restrict__ go, int64_t n, int64_t H,
                                                  int64_t W, int64_t OH, int64_t OW) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    const int64_t ix = i % W, rest = i / W;
    const int64_t iy = rest % H, p = rest / H;
    const T* gp = go + p * OH * OW;
    int64_t oy0, oy1, ox0, ox1;
    adaptive_covering(iy, H, OH, oy0, oy1);
    adaptive_covering(ix, W, OW, ox0, ox1);
    T sum = T(0);
    for (int64_t oy = oy0; oy <= oy1; ++oy) {
      const int64_t h0 = adaptive_start(oy, H, OH), h1 = adaptive_end(oy, H, OH);
      if (iy < h0 || iy >= h1) continue;
      for (int64_t ox = ox0; ox <= ox1; ++ox) {
        const int64_t w0 = adaptive_start(ox, W, OW), w1 = adaptive_end(ox, W, OW);
        if (ix < w0 || ix >= w1) continue;
        sum += gp[oy * OW + ox] / T((h1 - h0) * (w1 - w0));
      }
    }
    gi[i] = sum;
  }
}

}  // namespace

void CudaBackend::max_pool2d(const TensorRef& out, const TensorRef& indices, const TensorRef& in, const Window2d& w) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(out.device_index);
  dispatch_pool(in.dtype, [&]<class T>() {
    max_pool_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<T>(), indices.ptr<int64_t>(),
                                                               in.ptr<const T>(), n, w);
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

void CudaBackend::max_pool2d_backward(const TensorRef& grad_in, const TensorRef& grad_out, const TensorRef& indices) {
  const int64_t planes = grad_in.sizes[0], plane_in = grad_in.sizes[1] * grad_in.sizes[2];
  const int64_t plane_out = grad_out.sizes[1] * grad_out.sizes[2];
  const int64_t n = grad_out.numel();
  const int device = grad_in.device_index;
  cudaStream_t stream = stream_for(device);
  if (grad_in.numel() == 0) return;
  // Pixels no output chose keep a zero gradient (all-zero bytes are 0.0).
  ACCMT_CUDA_CHECK(cudaMemsetAsync(grad_in.data, 0, size_t(grad_in.numel() * dtype_size(grad_in.dtype)), stream));
  if (n == 0) return;
  const uint64_t skip_key = uint64_t(planes * plane_in);
  SortedRuns runs(device, n, skip_key);
  max_pool_keys_kernel<<<blocks_for(n), kThreads, 0, stream>>>(indices.ptr<const int64_t>(), n, plane_out, plane_in,
                                                               skip_key, runs.keys_in(), runs.positions_in());
  ACCMT_CUDA_CHECK_LAUNCH();
  runs.sort(stream);
  dispatch_pool(grad_in.dtype, [&]<class T>() {
    max_pool_backward_runs_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(
        grad_in.ptr<T>(), grad_out.ptr<const T>(), n, runs.keys(), runs.positions(), skip_key);
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

void CudaBackend::avg_pool2d(const TensorRef& out, const TensorRef& in, const Window2d& w, bool count_include_pad,
                             int64_t divisor_override) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(out.device_index);
  dispatch_pool(in.dtype, [&]<class T>() {
    avg_pool_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<T>(), in.ptr<const T>(), n, w,
                                                               count_include_pad, divisor_override);
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

void CudaBackend::avg_pool2d_backward(const TensorRef& grad_in, const TensorRef& grad_out, const Window2d& w,
                                      bool count_include_pad, int64_t divisor_override) {
  const int64_t n = grad_in.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(grad_in.device_index);
  dispatch_pool(grad_in.dtype, [&]<class T>() {
    avg_pool_backward_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(grad_in.ptr<T>(), grad_out.ptr<const T>(), n,
                                                                        w, count_include_pad, divisor_override);
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

void CudaBackend::adaptive_avg_pool2d(const TensorRef& out, const TensorRef& in) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(out.device_index);
  dispatch_pool(in.dtype, [&]<class T>() {
    adaptive_avg_pool_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<T>(), in.ptr<const T>(), n,
                                                                        in.sizes[1], in.sizes[2], out.sizes[1],
                                                                        out.sizes[2]);
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

void CudaBackend::adaptive_avg_pool2d_backward(const TensorRef& grad_in, const TensorRef& grad_out) {
  const int64_t n = grad_in.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(grad_in.device_index);
  if (grad_out.numel() == 0) {  // no cells: nothing reaches the input
    ACCMT_CUDA_CHECK(cudaMemsetAsync(grad_in.data, 0, size_t(n * dtype_size(grad_in.dtype)), stream));
    return;
  }
  dispatch_pool(grad_in.dtype, [&]<class T>() {
    adaptive_avg_pool_backward_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(
        grad_in.ptr<T>(), grad_out.ptr<const T>(), n, grad_in.sizes[1], grad_in.sizes[2], grad_out.sizes[1],
        grad_out.sizes[2]);
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

}  // namespace accmt::kernels::cuda
