// Fused scaled-dot-product attention on CUDA: the launchers of the FlashAttention-style
// kernels in attention_kernels.cuh. Taken for float32, float16 and bfloat16 with E and
// Ev up to attention::kMaxDim and a non-empty key sequence; other cases return false
// and the front-end runs the composite math path.
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>

#include "kernels/cuda/attention_kernels.cuh"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/launch.cuh"

namespace accmt::kernels::cuda {
namespace {

using attention::Geometry;
using attention::kTile;

// Kernels with more than the default 48 KiB of dynamic shared memory must opt in, once
// per device (the attribute is per device); relaxed capture mode lets the first call
// happen while a graph is being captured.
template <class Kernel> void allow_smem(Kernel kernel, size_t bytes, int device) {
  static std::atomic<uint64_t> done{0};
  const uint64_t bit = uint64_t(1) << (device & 63);
  if (bytes <= 48 * 1024 || (done.load() & bit)) return;
  RelaxedCaptureMode relaxed;
  ACCMT_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)));
  done.fetch_or(bit);
}

bool takes(const AttentionArgs& a) {
  const DType dt = a.q.dtype;
  if (dt != DType::Float32 && dt != DType::Float16 && dt != DType::BFloat16) return false;
  const int64_t E = a.q.sizes[2], Ev = a.v.sizes[2];
  return E >= 1 && Ev >= 1 && E <= attention::kMaxDim && Ev <= attention::kMaxDim && a.k.sizes[1] > 0;
}

Geometry geometry_of(const AttentionArgs& a) {
  Geometry g;
  g.L = a.q.sizes[1];
  g.S = a.k.sizes[1];
  g.E = int(a.q.sizes[2]);
  g.Ev = int(a.v.sizes[2]);
  g.scale = float(a.scale);
  g.causal = a.causal;
  g.q_tiles = (g.L + kTile - 1) / kTile;
  g.kv_tiles = (g.S + kTile - 1) / kTile;
  g.fwd_tiles = (g.L + attention::kFwdTile - 1) / attention::kFwdTile;
  return g;
}

// Calls f.template operator()<T, kDim>() with the element type and the smallest tile
// width that holds both E and Ev.
template <class F> void dispatch(const AttentionArgs& a, F&& f) {
  const int64_t width = std::max(a.q.sizes[2], a.v.sizes[2]);
  auto by_dtype = [&]<int kDim>() {
    switch (a.q.dtype) {
      case DType::Float16: f.template operator()<Float16, kDim>(); break;
      case DType::BFloat16: f.template operator()<BFloat16, kDim>(); break;
      default: f.template operator()<float, kDim>(); break;
    }
  };
  if (width <= 32) by_dtype.template operator()<32>();
  else if (width <= 64) by_dtype.template operator()<64>();
  else by_dtype.template operator()<128>();
}

}  // namespace

bool CudaBackend::attention_forward(const AttentionArgs& args, const TensorRef& out, const TensorRef& lse) {
  if (!takes(args)) return false;
  const int64_t B = args.q.sizes[0];
  const Geometry g = geometry_of(args);
  if (B == 0 || g.L == 0) return true;
  cudaStream_t stream = stream_for(args.q.device_index);
  dispatch(args, [&]<class T, int kDim>() {
    const size_t smem = attention::forward_smem<kDim>();
    allow_smem(attention::forward_kernel<T, kDim>, smem, args.q.device_index);
    attention::forward_kernel<T, kDim><<<unsigned(B * g.fwd_tiles), attention::kThreads, smem, stream>>>(
        args.q.ptr<T>(), args.k.ptr<T>(), args.v.ptr<T>(), out.ptr<T>(), lse.ptr<float>(), g);
    ACCMT_CUDA_CHECK_LAUNCH();
  });
  return true;
}

bool CudaBackend::attention_backward(const AttentionArgs& args, const TensorRef& out, const TensorRef& dout,
                                     const TensorRef& lse, const TensorRef& dq, const TensorRef& dk,
                                     const TensorRef& dv) {
  if (!takes(args)) return false;
  const int64_t B = args.q.sizes[0];
  const Geometry g = geometry_of(args);
  if (B == 0) return true;
  const int device = args.q.device_index;
  cudaStream_t stream = stream_for(device);
  if (g.L == 0) {
    // No query sees the keys: their gradients are zero.
    ACCMT_CUDA_CHECK(cudaMemsetAsync(dk.data, 0, size_t(dk.numel()) * dtype_size(dk.dtype), stream));
    ACCMT_CUDA_CHECK(cudaMemsetAsync(dv.data, 0, size_t(dv.numel()) * dtype_size(dv.dtype), stream));
    return true;
  }
  Workspace delta(device, sizeof(float) * size_t(B * g.L));
  dispatch(args, [&]<class T, int kDim>() {
    const int64_t rows = B * g.L;
    attention::delta_kernel<T><<<blocks_for(rows * 32), kThreads, 0, stream>>>(
        out.ptr<T>(), dout.ptr<T>(), delta.as<float>(), rows, g.Ev);
    ACCMT_CUDA_CHECK_LAUNCH();
    const size_t kv_smem = attention::backward_kv_smem<kDim>();
    allow_smem(attention::backward_kv_kernel<T, kDim>, kv_smem, device);
    attention::backward_kv_kernel<T, kDim><<<unsigned(B * g.kv_tiles), attention::kThreads, kv_smem, stream>>>(
        args.q.ptr<T>(), args.k.ptr<T>(), args.v.ptr<T>(), dout.ptr<T>(), lse.ptr<float>(), delta.as<float>(),
        dk.ptr<T>(), dv.ptr<T>(), g);
    ACCMT_CUDA_CHECK_LAUNCH();
    const size_t q_smem = attention::backward_q_smem<kDim>();
    allow_smem(attention::backward_q_kernel<T, kDim>, q_smem, device);
    attention::backward_q_kernel<T, kDim><<<unsigned(B * g.q_tiles), attention::kThreads, q_smem, stream>>>(
        args.q.ptr<T>(), args.k.ptr<T>(), args.v.ptr<T>(), dout.ptr<T>(), lse.ptr<float>(), delta.as<float>(),
        dq.ptr<T>(), g);
    ACCMT_CUDA_CHECK_LAUNCH();
  });
  return true;
}

}  // namespace accmt::kernels::cuda
