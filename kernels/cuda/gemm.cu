// Batched GEMM on CUDA. Floating dtypes go to cuBLAS; integer dtypes (which the CPU
// backend also multiplies, wrapping like its Eigen loops) take a shared-memory tiled kernel.
//
// cuBLAS is column-major. A row-major matrix with leading stride ld is, read column-major,
// its transpose with the same ld, so the row-major C = op(A) op(B) is computed as the
// column-major C^T = op(B)^T op(A)^T: operands swapped, each keeping its own trans flag.
#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "kernels/cuda/blas.hpp"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/launch.cuh"

namespace accmt::kernels::cuda {

namespace {

std::atomic<bool> g_allow_tf32{false};

// cuBLAS's advice for Hopper: 32 MiB lets every algorithm (split-K included) run.
constexpr size_t kCublasWorkspaceBytes = size_t(32) << 20;

// One handle per device, created on first use. A handle carries a stream and a
// workspace, so a call sets both and runs under the device's lock: two host threads
// sharing a device never interleave their settings.
struct DeviceHandle {
  std::mutex mutex;
  cublasHandle_t handle = nullptr;
};

DeviceHandle& device_handle(int device) {
  static std::mutex table_mutex;
  // Handles live until the process ends: destroying them from a static destructor
  // could run after the CUDA runtime has shut down.
  static std::vector<DeviceHandle*> table;
  std::lock_guard<std::mutex> lock(table_mutex);
  if (table.empty()) table.assign(size_t(std::max(device_count(), 1)), nullptr);
  DeviceHandle*& slot = table.at(size_t(device));
  if (slot == nullptr) {
    set_device(device);
    auto* h = new DeviceHandle;
    RelaxedCaptureMode relaxed;  // cublasCreate allocates; the first GEMM may be inside a capture
    ACCMT_CUBLAS_CHECK(cublasCreate(&h->handle));
    // Keep split-K reductions of 16-bit GEMMs in float, as the CPU (which widens to
    // float) does; otherwise fp16 results could differ by more than an output rounding.
    ACCMT_CUBLAS_CHECK(cublasSetMathMode(h->handle, cublasMath_t(CUBLAS_DEFAULT_MATH |
                                                                 CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION)));
    ACCMT_CUBLAS_CHECK(cublasSetPointerMode(h->handle, CUBLAS_POINTER_MODE_HOST));
    slot = h;
  }
  return *slot;
}

struct CublasTypes {
  cudaDataType_t data;
  cublasComputeType_t compute;
  bool double_scalars;  // alpha and beta are doubles (64F compute) rather than floats
};

CublasTypes cublas_types(DType dtype) {
  switch (dtype) {
    case DType::Float64: return {CUDA_R_64F, CUBLAS_COMPUTE_64F, true};
    case DType::Float16: return {CUDA_R_16F, CUBLAS_COMPUTE_32F, false};
    case DType::BFloat16: return {CUDA_R_16BF, CUBLAS_COMPUTE_32F, false};
    default: return {CUDA_R_32F, allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, false};
  }
}

void cublas_gemm(const GemmArgs& g, int device) {
  const CublasTypes t = cublas_types(g.dtype);
  const double alpha_d = g.alpha, beta_d = g.beta;
  const float alpha_f = float(g.alpha), beta_f = float(g.beta);
  const void* alpha = t.double_scalars ? static_cast<const void*>(&alpha_d) : static_cast<const void*>(&alpha_f);
  const void* beta = t.double_scalars ? static_cast<const void*>(&beta_d) : static_cast<const void*>(&beta_f);
  const cublasOperation_t op_b = g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_a = g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int64_t elem = dtype_size(g.dtype);

  cudaStream_t stream = stream_for(device);
  DeviceHandle& dh = device_handle(device);
  Workspace workspace(device, kCublasWorkspaceBytes);
  std::lock_guard<std::mutex> lock(dh.mutex);
  // cublasSetStream resets the workspace to cuBLAS's own pool, so the workspace comes second.
  ACCMT_CUBLAS_CHECK(cublasSetStream(dh.handle, stream));
  ACCMT_CUBLAS_CHECK(cublasSetWorkspace(dh.handle, workspace.get(), kCublasWorkspaceBytes));

  if (g.stride_c == 0 && g.batch > 1) {
    // Every product lands in the same C: apply them one after another (stream order),
    // as the CPU loop does, instead of letting a batched call race on C.
    for (int64_t i = 0; i < g.batch; ++i) {
      const char* a = static_cast<const char*>(g.a) + i * g.stride_a * elem;
      const char* b = static_cast<const char*>(g.b) + i * g.stride_b * elem;
      ACCMT_CUBLAS_CHECK(cublasGemmEx_64(dh.handle, op_b, op_a, g.n, g.m, g.k, alpha, b, t.data, g.ldb, a, t.data,
                                         g.lda, beta, g.c, t.data, g.ldc, t.compute, CUBLAS_GEMM_DEFAULT));
    }
    return;
  }
  ACCMT_CUBLAS_CHECK(cublasGemmStridedBatchedEx_64(dh.handle, op_b, op_a, g.n, g.m, g.k, alpha, g.b, t.data, g.ldb,
                                                   g.stride_b, g.a, t.data, g.lda, g.stride_a, beta, g.c, t.data,
                                                   g.ldc, g.stride_c, g.batch, t.compute, CUBLAS_GEMM_DEFAULT));
}

// ---- Integer GEMM: 16x16 output tiles, operands staged through shared memory. The
// arithmetic runs in the unsigned type of the same width, so overflow wraps exactly as
// the CPU's fixed-width loops do (and is defined behaviour here).
constexpr int kTile = 16;

template <class T> struct wrap_type;
template <> struct wrap_type<uint8_t> { using type = uint32_t; };  // truncated to 8 bits on store
template <> struct wrap_type<int32_t> { using type = uint32_t; };
template <> struct wrap_type<int64_t> { using type = uint64_t; };

template <class T>
__global__ void int_gemm_kernel(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ c, GemmArgs g,
                                T alpha, T beta) {
  using U = typename wrap_type<T>::type;
  __shared__ U as[kTile][kTile + 1];
  __shared__ U bs[kTile][kTile + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t row = int64_t(blockIdx.y) * kTile + ty;  // of C
  const int64_t col = int64_t(blockIdx.x) * kTile + tx;
  for (int64_t batch = blockIdx.z; batch < g.batch; batch += gridDim.z) {
    const T* ab = a + batch * g.stride_a;
    const T* bb = b + batch * g.stride_b;
    U acc = 0;
    for (int64_t k0 = 0; k0 < g.k; k0 += kTile) {
      // op(A)[row, k0 + tx] and op(B)[k0 + ty, col]
      const int64_t ka = k0 + tx, kb = k0 + ty;
      as[ty][tx] = (row < g.m && ka < g.k) ? U(g.trans_a ? ab[ka * g.lda + row] : ab[row * g.lda + ka]) : U(0);
      bs[ty][tx] = (kb < g.k && col < g.n) ? U(g.trans_b ? bb[col * g.ldb + kb] : bb[kb * g.ldb + col]) : U(0);
      __syncthreads();
#pragma unroll
      for (int kk = 0; kk < kTile; ++kk) acc += as[ty][kk] * bs[kk][tx];
      __syncthreads();
    }
    if (row < g.m && col < g.n) {
      T& out = c[batch * g.stride_c + row * g.ldc + col];
      const U product = U(alpha) * acc;
      if (g.beta == 0.0) out = T(product);
      else if (g.beta == 1.0) out = T(U(out) + product);
      else out = T(U(beta) * U(out) + product);
    }
  }
}

template <class T> void int_gemm(const GemmArgs& g, int device) {
  cudaStream_t stream = stream_for(device);
  const dim3 threads(kTile, kTile);
  const auto tiles = [](int64_t n) { return unsigned((n + kTile - 1) / kTile); };
  ACCMT_CHECK(tiles(g.n) <= 0x7fffffffu && tiles(g.m) <= 65535u, "gemm: integer matrix of ", g.m, "x", g.n,
              " is too large for the CUDA integer GEMM");
  const auto launch = [&](int64_t batch_begin, int64_t batch_count) {
    GemmArgs part = g;
    part.batch = batch_count;
    const dim3 grid(tiles(g.n), tiles(g.m), unsigned(std::min<int64_t>(batch_count, 65535)));
    int_gemm_kernel<T><<<grid, threads, 0, stream>>>(static_cast<const T*>(g.a) + batch_begin * g.stride_a,
                                                     static_cast<const T*>(g.b) + batch_begin * g.stride_b,
                                                     static_cast<T*>(g.c) + batch_begin * g.stride_c, part,
                                                     T(g.alpha), T(g.beta));
    ACCMT_CUDA_CHECK_LAUNCH();
  };
  if (g.stride_c == 0) {
    // A shared C: one launch per product, in order (stream order), like the CPU loop.
    for (int64_t i = 0; i < g.batch; ++i) launch(i, 1);
  } else {
    launch(0, g.batch);
  }
}

}  // namespace

void set_allow_tf32(bool allow) { g_allow_tf32.store(allow, std::memory_order_relaxed); }
bool allow_tf32() { return g_allow_tf32.load(std::memory_order_relaxed); }

void throw_cublas_error(int status, const char* call, const char* file, int line) {
  const auto s = static_cast<cublasStatus_t>(status);
  throw Error(detail::concat("cuBLAS error in ", call, " at ", file, ":", line, ": ", cublasGetStatusName(s), " (",
                             cublasGetStatusString(s), ")"));
}

void CudaBackend::gemm(const GemmArgs& g) {
  if (g.m == 0 || g.n == 0 || g.batch == 0) return;
  const int device = g.device_index;
  switch (g.dtype) {
    case DType::Float32:
    case DType::Float64:
    case DType::Float16:
    case DType::BFloat16: return cublas_gemm(g, device);
    case DType::Int64: return int_gemm<int64_t>(g, device);
    case DType::Int32: return int_gemm<int32_t>(g, device);
    case DType::UInt8: return int_gemm<uint8_t>(g, device);
    case DType::Bool: return;  // rejected by the front-end
  }
}

}  // namespace accmt::kernels::cuda
