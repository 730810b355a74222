// im2col / col2im on CUDA: the data movement around the GEMMs of a convolution.
// im2col has one thread per column entry; col2im has one thread per image pixel that
// gathers the column entries reading it, in the CPU's (ki, kj) order, so the sums are
// deterministic (no atomics) and equal to the CPU's bit for bit.
#include <cuda_runtime_api.h>

#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/launch.cuh"

namespace accmt::kernels::cuda {

namespace {

template <class F> void dispatch_conv(DType t, F&& f) {
  if (t == DType::Float64) f.template operator()<double>();
  else f.template operator()<float>();
}

// col [planes, kernel_h * kernel_w, out_h * out_w]; consecutive threads walk output
// columns, so writes are coalesced.
template <class T> __global__ void im2col_kernel(T* __restrict__ col, const T* __restrict__ im, int64_t n, Window2d w) {
  const int64_t L = w.out_h * w.out_w, taps = w.kernel_h * w.kernel_w;
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    const int64_t l = i % L, row = i / L;  // row = plane * taps + tap
    const int64_t tap = row % taps, plane = row / taps;
    const int64_t ki = tap / w.kernel_w, kj = tap - ki * w.kernel_w;
    const int64_t oy = l / w.out_w, ox = l - oy * w.out_w;
    const int64_t iy = oy * w.stride_h - w.pad_h + ki * w.dilation_h;
    const int64_t ix = ox * w.stride_w - w.pad_w + kj * w.dilation_w;
    col[i] = (iy >= 0 && iy < w.in_h && ix >= 0 && ix < w.in_w) ? im[(plane * w.in_h + iy) * w.in_w + ix] : T(0);
  }
}

// For each tap, the output position that reads this pixel (if any) follows from one
// division; taps are few, so the pixel simply tests them all.
template <class T> __global__ void col2im_kernel(T* __restrict__ im, const T* __restrict__ col, int64_t n, Window2d w) {
  const int64_t L = w.out_h * w.out_w, taps = w.kernel_h * w.kernel_w;
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    const int64_t ix = i % w.in_w, rest = i / w.in_w;
    const int64_t iy = rest % w.in_h, plane = rest / w.in_h;
    const T* pc = col + plane * taps * L;
    T sum = T(0);
    for (int64_t ki = 0; ki < w.kernel_h; ++ki) {
      const int64_t ty = iy + w.pad_h - ki * w.dilation_h;  // = oy * stride_h
      if (ty < 0 || ty % w.stride_h != 0) continue;
      const int64_t oy = ty / w.stride_h;
      if (oy >= w.out_h) continue;
      for (int64_t kj = 0; kj < w.kernel_w; ++kj) {
        const int64_t tx = ix + w.pad_w - kj * w.dilation_w;
        if (tx < 0 || tx % w.stride_w != 0) continue;
        const int64_t ox = tx / w.stride_w;
        if (ox >= w.out_w) continue;
        sum += pc[(ki * w.kernel_w + kj) * L + oy * w.out_w + ox];
      }
    }
    im[i] = sum;
  }
}

}  // namespace

void CudaBackend::im2col(const TensorRef& col, const TensorRef& im, const Window2d& w) {
  const int64_t n = col.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(col.device_index);
  dispatch_conv(im.dtype, [&]<class T>() {
    im2col_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(col.ptr<T>(), im.ptr<const T>(), n, w);
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

void CudaBackend::col2im(const TensorRef& im, const TensorRef& col, const Window2d& w) {
  const int64_t n = im.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(im.device_index);
  dispatch_conv(im.dtype, [&]<class T>() {
    col2im_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(im.ptr<T>(), col.ptr<const T>(), n, w);
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

}  // namespace accmt::kernels::cuda
