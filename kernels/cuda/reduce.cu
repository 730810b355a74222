// CUDA reductions (Backend::reduce). The kept dims index the outputs, the trailing
// reduced dims are folded per output; both are merged as far as their strides allow.
// Launch shapes, chosen from the shape alone (so results never depend on the GPU):
//   - columns: the innermost kept dim dense, the reduced ones strided (sum over dim 0 of
//     a matrix, or over T of [B, T, C]): threads run over kept elements, coalesced, each
//     looping over the reduced ones; long reductions split over blockIdx.y into partials
//     combined in order by a second kernel;
//   - rows: one warp (short) or one block (long) per output, 16-byte vector loads when the
//     reduced elements are dense, the strided index otherwise;
//   - split rows: few outputs with many elements each (whole-tensor reductions): fixed-size
//     chunks reduced by separate blocks into a Workspace, then combined in chunk order;
//   - one thread per output when each output folds only a handful of elements (adjacent
//     threads read adjacent outputs' elements, coalesced when the kept dims are dense).
// No atomics anywhere: every result is the same, bit for bit, from run to run.
#include <cuda_runtime.h>

#include <algorithm>

#include "kernels/cuda/block_reduce.cuh"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/dense_visit.cuh"
#include "kernels/cuda/reduce_ops.cuh"
#include "kernels/cuda/strided.cuh"

namespace accmt::kernels::cuda {
namespace {

constexpr int kRowWarpMax = 2048;      // reduced elements up to which one warp takes a row
constexpr int kThreadPerOutputMax = 16;  // reduced elements up to which one thread takes a row
constexpr int64_t kSplitChunkMin = 8192;  // fewest elements a split-row block reduces
constexpr int64_t kSplitBlocks = 1024;    // blocks a split aims for (about 8 per SM)
constexpr int kColumnWidth = 32;          // kept elements per column block (one warp wide)
constexpr int kColumnMinWidth = 8;        // narrowest dense kept dim the column path takes
constexpr int kColumnDepth = 8;           // reduced elements in flight per column block
constexpr int64_t kColumnChunkMin = 64;   // fewest reduced elements per column split

// Offset (elements) of element i of an indexer with one operand; one dim is the common case.
__device__ __forceinline__ int64_t offset_of(const StridedIndexer<1>& ix, int64_t i) {
  if (ix.ndim == 1) return i * ix.strides[0][0];
  int64_t off[1];
  ix.offsets(i, off);
  return off[0];
}

// Folds reduced elements [lo, hi) of the block at `base` into acc; the `rank`-th of
// `count` threads takes a fixed subset.
template <class R, class T>
__device__ __forceinline__ typename R::Acc fold_range(typename R::Acc acc, const T* base, bool dense,
                                                      const StridedIndexer<1>& red, int64_t lo, int64_t hi, int rank,
                                                      int count) {
  if (dense) {
    visit_dense(base + lo, hi - lo, rank, count, [&](T v, int64_t i) { acc = R::combine(acc, R::lift(v, lo + i)); });
  } else {
    for (int64_t j = lo + rank; j < hi; j += count) acc = R::combine(acc, R::lift(base[offset_of(red, j)], j));
  }
  return acc;
}

// One thread per output.
template <class R, class T>
__global__ void reduce_thread_per_output(void* out, const T* in, int64_t outer, int64_t inner, StridedIndexer<1> kept,
                                         StridedIndexer<1> red) {
  for (int64_t o = global_index(); o < outer; o += grid_stride()) {
    const T* base = in + offset_of(kept, o);
    typename R::Acc acc = R::identity();
    for (int64_t j = 0; j < inner; ++j) acc = R::combine(acc, R::lift(base[offset_of(red, j)], j));
    R::store(out, o, acc);
  }
}

// One group (a warp or the block) per output row.
template <class R, int kGroup, class T>
__global__ void reduce_rows(void* out, const T* in, int64_t outer, int64_t inner, StridedIndexer<1> kept,
                            StridedIndexer<1> red, bool dense) {
  using G = RowGroup<kGroup>;
  for (int64_t o = int64_t(blockIdx.x) * G::per_block() + G::index_in_block(); o < outer;
       o += int64_t(gridDim.x) * G::per_block()) {
    const T* base = in + offset_of(kept, o);
    auto acc = fold_range<R>(R::identity(), base, dense, red, 0, inner, G::rank(), G::size());
    acc = G::all_reduce(acc, [](auto a, auto b) { return R::combine(a, b); }, R::identity());
    if (G::rank() == 0) R::store(out, o, acc);
  }
}

// Split rows, first pass: block (c, o) reduces chunk c of output o into partial[o * chunks + c].
template <class R, class T>
__global__ void reduce_split_partial(typename R::Acc* partial, const T* in, int64_t inner, int64_t chunk,
                                     StridedIndexer<1> kept, StridedIndexer<1> red, bool dense) {
  const int64_t c = blockIdx.x, o = blockIdx.y;
  const int64_t lo = c * chunk, hi = std::min(inner, lo + chunk);
  const T* base = in + offset_of(kept, o);
  auto acc = fold_range<R>(R::identity(), base, dense, red, lo, hi, int(threadIdx.x), int(blockDim.x));
  acc = block_all_reduce(acc, [](auto a, auto b) { return R::combine(a, b); }, R::identity());
  if (threadIdx.x == 0) partial[o * int64_t(gridDim.x) + c] = acc;
}

// Split rows, second pass: one warp per output combines its chunks' partials.
template <class R>
__global__ void reduce_split_finish(void* out, const typename R::Acc* partial, int64_t outer, int64_t chunks) {
  using G = RowGroup<32>;
  for (int64_t o = int64_t(blockIdx.x) * G::per_block() + G::index_in_block(); o < outer;
       o += int64_t(gridDim.x) * G::per_block()) {
    typename R::Acc acc = R::identity();
    for (int64_t c = G::rank(); c < chunks; c += 32) acc = R::combine(acc, partial[o * chunks + c]);
    acc = warp_all_reduce(acc, [](auto a, auto b) { return R::combine(a, b); });
    if (G::rank() == 0) R::store(out, o, acc);
  }
}

// Columns: the innermost kept dim (k0 < inner_kept) is dense. Block (32 x 8) covers 32
// adjacent k0 of one group of the outer kept dims; thread row ty folds reduced elements
// ty, ty + 8, ... of its split, then the 8 thread rows combine in order. With one split
// the result goes to out, otherwise to partial[split * outer + k].
template <class R, class T>
__global__ void reduce_columns(void* out, typename R::Acc* partial, const T* in, int64_t outer, int64_t inner_kept,
                               int64_t blocks_per_group, int64_t inner, int64_t rows_per_split,
                               StridedIndexer<1> kept, StridedIndexer<1> red) {
  using Acc = typename R::Acc;
  __shared__ Acc tile[kColumnDepth][kColumnWidth + 1];
  const int tx = threadIdx.x, ty = threadIdx.y;
  const int64_t group = int64_t(blockIdx.x) / blocks_per_group;
  const int64_t k0 = (int64_t(blockIdx.x) % blocks_per_group) * kColumnWidth + tx;
  const int64_t k = group * inner_kept + k0;
  const bool active = k0 < inner_kept;
  const int64_t lo = int64_t(blockIdx.y) * rows_per_split, hi = std::min(inner, lo + rows_per_split);
  Acc acc = R::identity();
  if (active) {
    const T* base = in + offset_of(kept, k);
    for (int64_t j = lo + ty; j < hi; j += kColumnDepth) acc = R::combine(acc, R::lift(base[offset_of(red, j)], j));
  }
  tile[ty][tx] = acc;
  __syncthreads();
  if (ty == 0 && active) {
    for (int r = 1; r < kColumnDepth; ++r) acc = R::combine(acc, tile[r][tx]);
    if (partial) partial[int64_t(blockIdx.y) * outer + k] = acc;
    else R::store(out, k, acc);
  }
}

// Columns, second pass: out[k] combines partial[s * outer + k] over the splits in order.
template <class R>
__global__ void reduce_columns_finish(void* out, const typename R::Acc* partial, int64_t outer, int64_t splits) {
  for (int64_t k = global_index(); k < outer; k += grid_stride()) {
    typename R::Acc acc = partial[k];
    for (int64_t s = 1; s < splits; ++s) acc = R::combine(acc, partial[s * outer + k]);
    R::store(out, k, acc);
  }
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
unsigned grid_for(int64_t groups, int per_block) {
  return unsigned(std::clamp<int64_t>(ceil_div(groups, per_block), 1, kMaxBlocks));
}

template <class R, class T>
void launch_reduce(const TensorRef& out, const TensorRef& in, int nreduce, cudaStream_t stream) {
  using Acc = typename R::Acc;
  const int nkeep = in.ndim - nreduce;
  TensorRef kept_ref = in, red_ref = in;
  kept_ref.ndim = nkeep;
  red_ref.ndim = nreduce;
  red_ref.sizes = in.sizes + nkeep;
  red_ref.strides = in.strides + nkeep;
  const int64_t outer = kept_ref.numel(), inner = red_ref.numel();
  if (outer == 0) return;
  const StridedIndexer<1> kept = make_indexer<1>({&kept_ref}), red = make_indexer<1>({&red_ref});
  const T* data = in.ptr<T>();
  void* dst = out.data;
  const bool dense_rows = red.ndim == 1 && red.strides[0][0] == 1;
  // Columns pay off when the innermost kept dim is dense and fills a good part of a warp.
  const bool dense_cols = kept.strides[0][0] == 1 && kept.sizes[0] >= kColumnMinWidth;

  if (inner <= kThreadPerOutputMax) {  // also empty reductions: every output is the identity
    reduce_thread_per_output<R, T><<<blocks_for(outer), kThreads, 0, stream>>>(dst, data, outer, inner, kept, red);
    ACCMT_CUDA_CHECK_LAUNCH();
    return;
  }
  if (dense_cols && !dense_rows) {
    const int64_t inner_kept = kept.sizes[0];
    const int64_t blocks_per_group = ceil_div(inner_kept, kColumnWidth);
    const int64_t col_blocks = (outer / inner_kept) * blocks_per_group;
    const int64_t splits = std::clamp<int64_t>(
        std::min(ceil_div(inner, kColumnChunkMin), ceil_div(kSplitBlocks, col_blocks)), 1, 65535);
    const int64_t rows_per_split = ceil_div(inner, splits);
    const int64_t used_splits = ceil_div(inner, rows_per_split);
    const dim3 block{kColumnWidth, kColumnDepth}, grid{unsigned(col_blocks), unsigned(used_splits)};
    if (used_splits == 1) {
      reduce_columns<R, T><<<grid, block, 0, stream>>>(dst, nullptr, data, outer, inner_kept, blocks_per_group, inner,
                                                       rows_per_split, kept, red);
      ACCMT_CUDA_CHECK_LAUNCH();
      return;
    }
    Workspace ws(in.device_index, size_t(used_splits * outer) * sizeof(Acc));
    reduce_columns<R, T><<<grid, block, 0, stream>>>(dst, ws.as<Acc>(), data, outer, inner_kept, blocks_per_group,
                                                     inner, rows_per_split, kept, red);
    ACCMT_CUDA_CHECK_LAUNCH();
    reduce_columns_finish<R><<<blocks_for(outer), kThreads, 0, stream>>>(dst, ws.as<Acc>(), outer, used_splits);
    ACCMT_CUDA_CHECK_LAUNCH();
    return;
  }
  const int64_t chunks = std::min(ceil_div(inner, kSplitChunkMin), std::max<int64_t>(1, kSplitBlocks / outer));
  if (chunks > 1 && outer <= 65535) {
    // Chunks hold a multiple of 16 elements, so dense chunks keep the row's alignment.
    const int64_t chunk = ceil_div(ceil_div(inner, chunks), 16) * 16;
    const int64_t used_chunks = ceil_div(inner, chunk);
    Workspace ws(in.device_index, size_t(used_chunks * outer) * sizeof(Acc));
    reduce_split_partial<R, T><<<dim3(unsigned(used_chunks), unsigned(outer)), kThreads, 0, stream>>>(
        ws.as<Acc>(), data, inner, chunk, kept, red, dense_rows);
    ACCMT_CUDA_CHECK_LAUNCH();
    reduce_split_finish<R><<<grid_for(outer, kThreads / 32), kThreads, 0, stream>>>(dst, ws.as<Acc>(), outer,
                                                                                    used_chunks);
    ACCMT_CUDA_CHECK_LAUNCH();
    return;
  }
  if (inner <= kRowWarpMax) {
    reduce_rows<R, 32, T><<<grid_for(outer, kThreads / 32), kThreads, 0, stream>>>(dst, data, outer, inner, kept, red,
                                                                                  dense_rows);
  } else {
    reduce_rows<R, kThreads, T><<<grid_for(outer, 1), kThreads, 0, stream>>>(dst, data, outer, inner, kept, red,
                                                                            dense_rows);
  }
  ACCMT_CUDA_CHECK_LAUNCH();
}

}  // namespace

void CudaBackend::reduce(Reduce op, const TensorRef& out, const TensorRef& in, int nreduce) {
  cudaStream_t stream = stream_for(in.device_index);
  dispatch_all(in.dtype, [&]<class T>() {
    dispatch_reduce(op, [&]<Reduce kOp>() { launch_reduce<Reducer<T, kOp>, T>(out, in, nreduce, stream); });
  });
}

}  // namespace accmt::kernels::cuda
