// Batched GEMM on the CPU through Eigen (which threads large products with OpenMP).
#include <Eigen/Core>
#include <vector>

#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/cpu/parallel.hpp"

namespace accmt::kernels::cpu {

namespace {

template <class T> using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T> using ConstMap = Eigen::Map<const RowMat<T>, 0, Eigen::OuterStride<>>;
template <class T> using MutMap = Eigen::Map<RowMat<T>, 0, Eigen::OuterStride<>>;

template <class T>
void gemm_one(const T* a, const T* b, T* c, const GemmArgs& g) {
  const int64_t ar = g.trans_a ? g.k : g.m, ac = g.trans_a ? g.m : g.k;
  const int64_t br = g.trans_b ? g.n : g.k, bc = g.trans_b ? g.k : g.n;
  ConstMap<T> A(a, ar, ac, Eigen::OuterStride<>(g.lda));
  ConstMap<T> B(b, br, bc, Eigen::OuterStride<>(g.ldb));
  MutMap<T> C(c, g.m, g.n, Eigen::OuterStride<>(g.ldc));
  const T alpha = T(g.alpha);
  auto store = [&](const auto& product) {
    if (g.beta == 0.0) C.noalias() = alpha * product;
    else if (g.beta == 1.0) C.noalias() += alpha * product;  // accumulates in place (no temporary)
    else C = T(g.beta) * C + alpha * product;
  };
  if (!g.trans_a && !g.trans_b) store(A * B);
  else if (g.trans_a && !g.trans_b) store(A.transpose() * B);
  else if (!g.trans_a && g.trans_b) store(A * B.transpose());
  else store(A.transpose() * B.transpose());
}

template <class T> void gemm_batched(const GemmArgs& g) {
  auto a = static_cast<const T*>(g.a);
  auto b = static_cast<const T*>(g.b);
  auto c = static_cast<T*>(g.c);
  const int64_t flops = g.m * g.n * g.k;
  if (g.batch > 1 && flops < (int64_t(1) << 22)) {
    // Many small products: one thread each (Eigen stays single-threaded inside); tiny
    // batches (attention heads in tests, gradchecks) stay on this thread.
    parallel_for(g.batch, std::max<int64_t>(1, kGrain / std::max<int64_t>(flops, 1)), [&](int64_t b0, int64_t b1) {
      for (int64_t i = b0; i < b1; ++i) gemm_one(a + i * g.stride_a, b + i * g.stride_b, c + i * g.stride_c, g);
    });
  } else {
    for (int64_t i = 0; i < g.batch; ++i) gemm_one(a + i * g.stride_a, b + i * g.stride_b, c + i * g.stride_c, g);
  }
}

// 16-bit floats: widen to float, multiply, round back.
template <class H> void gemm_half(const GemmArgs& g) {
  auto widen = [](const H* src, int64_t rows, int64_t cols, int64_t ld) {
    std::vector<float> dst(static_cast<size_t>(rows * cols));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t cc = 0; cc < cols; ++cc) dst[r * cols + cc] = float(src[r * ld + cc]);
    return dst;
  };
  const int64_t ar = g.trans_a ? g.k : g.m, ac = g.trans_a ? g.m : g.k;
  const int64_t br = g.trans_b ? g.n : g.k, bc = g.trans_b ? g.k : g.n;
  for (int64_t i = 0; i < g.batch; ++i) {
    auto a = widen(static_cast<const H*>(g.a) + i * g.stride_a, ar, ac, g.lda);
    auto b = widen(static_cast<const H*>(g.b) + i * g.stride_b, br, bc, g.ldb);
    H* c = static_cast<H*>(g.c) + i * g.stride_c;
    std::vector<float> cf(static_cast<size_t>(g.m * g.n));
    for (int64_t r = 0; r < g.m; ++r)
      for (int64_t cc = 0; cc < g.n; ++cc) cf[r * g.n + cc] = g.beta == 0.0 ? 0.f : float(c[r * g.ldc + cc]);
    GemmArgs f = g;
    f.lda = ac;
    f.ldb = bc;
    f.ldc = g.n;
    gemm_one<float>(a.data(), b.data(), cf.data(), f);
    for (int64_t r = 0; r < g.m; ++r)
      for (int64_t cc = 0; cc < g.n; ++cc) c[r * g.ldc + cc] = H(cf[r * g.n + cc]);
  }
}

}  // namespace

void CpuBackend::gemm(const GemmArgs& g) {
  switch (g.dtype) {
    case DType::Float32: return gemm_batched<float>(g);
    case DType::Float64: return gemm_batched<double>(g);
    case DType::Int64: return gemm_batched<int64_t>(g);
    case DType::Int32: return gemm_batched<int32_t>(g);
    case DType::UInt8: return gemm_batched<uint8_t>(g);
    case DType::Float16: return gemm_half<Float16>(g);
    case DType::BFloat16: return gemm_half<BFloat16>(g);
    case DType::Bool: return;  // rejected by the front-end
  }
}

}  // namespace accmt::kernels::cpu
