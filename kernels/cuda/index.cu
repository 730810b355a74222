// Gather/scatter and index_select/index_add on CUDA (sort and topk: kernels/cuda/sort.cu).
//
// The CPU front-end checks index ranges only for CPU tensors, so these kernels check every
// index: one outside [0, size) is reported through the device's kernel error slot (raised
// as accmt::Error at the next synchronisation) and its element is skipped.
//
// Writes that may collide (scatter, index_add) never use atomics: contributions are
// grouped by destination with a stable sort and summed in the CPU's loop order
// (kernels/cuda/sorted_runs.cuh), so results are bit-reproducible and match the CPU.
#include <cuda_runtime_api.h>

#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/sorted_runs.cuh"
#include "kernels/cuda/strided.cuh"

namespace accmt::kernels::cuda {

namespace {

// A TensorRef with its own sizes and strides, to view an operand with another shape or a
// zeroed stride (the CPU's Restrided). 0-dim tensors become one element of one dim.
struct OwnedRef {
  int64_t sizes[kMaxDims];
  int64_t strides[kMaxDims];
  TensorRef ref;

  explicit OwnedRef(const TensorRef& t) : ref(t) {
    ACCMT_CHECK(t.ndim <= kMaxDims, "CUDA indexing takes tensors of at most ", kMaxDims, " dims, got ", t.ndim);
    for (int d = 0; d < t.ndim; ++d) {
      sizes[d] = t.sizes[d];
      strides[d] = t.strides[d];
    }
    if (t.ndim == 0) {
      sizes[0] = 1;
      strides[0] = 0;
      ref.ndim = 1;
    }
    ref.sizes = sizes;
    ref.strides = strides;
  }
  OwnedRef(const OwnedRef&) = delete;
  OwnedRef& operator=(const OwnedRef&) = delete;

  // Takes the sizes of `shape` (same ndim once promoted).
  OwnedRef& with_sizes_of(const TensorRef& shape) {
    for (int d = 0; d < ref.ndim; ++d) sizes[d] = shape.ndim ? shape.sizes[d] : 1;
    return *this;
  }
  OwnedRef& with_stride(int dim, int64_t stride) {
    strides[dim] = stride;
    return *this;
  }
  OwnedRef& with_size(int dim, int64_t size) {
    sizes[dim] = size;
    return *this;
  }
};

inline int64_t size_at(const TensorRef& t, int dim) { return t.ndim ? t.sizes[dim] : 1; }
inline int64_t stride_at(const TensorRef& t, int dim) { return t.ndim ? t.strides[dim] : 0; }

// One past the largest element offset of t (strides are never negative here); 0 when t
// has no elements (then every index is out of range and no key is kept).
uint64_t offset_bound(const TensorRef& t) {
  if (t.numel() == 0) return 0;
  int64_t last = 0;
  for (int d = 0; d < t.ndim; ++d) last += (t.sizes[d] - 1) * t.strides[d];
  return uint64_t(last) + 1;
}

// Copies move bytes, so one instantiation per element size serves every dtype.
template <class F> void dispatch_bits(DType t, F&& f) {
  switch (dtype_size(t)) {
    case 1: return f.template operator()<uint8_t>();
    case 2: return f.template operator()<uint16_t>();
    case 4: return f.template operator()<uint32_t>();
    default: return f.template operator()<uint64_t>();
  }
}

// out[i] = in[base_i + index[i] * dim_stride]: gather and index_select differ only in how
// `in` and `index` are viewed. Operands of ix: out, in (dim stride 0), index.
template <class T>
__global__ void take_kernel(T* out, const T* in, const int64_t* index, int64_t n, StridedIndexer<3> ix,
                            int64_t dim_stride, int64_t bound, KernelErrorSlot* slot) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    int64_t off[3];
    ix.offsets(i, off);
    const int64_t k = index[off[2]];
    if (k < 0 || k >= bound) {
      report_index_error(slot, k, bound);
      continue;
    }
    out[off[0]] = in[off[1] + k * dim_stride];
  }
}

void take(const TensorRef& out, const TensorRef& in_view, const TensorRef& index_view, int dim, const TensorRef& in) {
  const int64_t n = out.numel();
  if (n == 0) return;
  cudaStream_t stream = stream_for(out.device_index);
  KernelErrorSlot* slot = kernel_error_slot(out.device_index);
  const StridedIndexer<3> ix = make_indexer<3>({&out, &in_view, &index_view});
  dispatch_bits(in.dtype, [&]<class T>() {
    take_kernel<T><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<T>(), in.ptr<const T>(),
                                                           index_view.ptr<const int64_t>(), n, ix,
                                                           stride_at(in, dim), size_at(in, dim), slot);
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

// ---- scatter: one contribution per index element, keyed by its destination offset.
// Operands of ix: out (dim stride 0), index, src; all with the index's sizes.
__global__ void scatter_keys_kernel(const int64_t* index, int64_t n, StridedIndexer<3> ix, int64_t dim_stride,
                                    int64_t bound, uint64_t skip_key, uint64_t* keys, int64_t* positions,
                                    KernelErrorSlot* slot) {
  for (int64_t i = global_index(); i < n; i += grid_stride()) {
    int64_t off[3];
    ix.offsets(i, off);
    const int64_t k = index[off[1]];
    if (k < 0 || k >= bound) {
      report_index_error(slot, k, bound);
      keys[i] = skip_key;
    } else {
      keys[i] = uint64_t(off[0] + k * dim_stride);
    }
    positions[i] = i;
  }
}

template <class T, bool Accumulate>
__global__ void scatter_runs_kernel(T* out, const T* src, int64_t n, StridedIndexer<3> ix, const uint64_t* keys,
                                    const int64_t* positions, uint64_t skip_key) {
  using A = acc_t<T>;
  for (int64_t j = global_index(); j < n; j += grid_stride()) {
    if (!run_head(keys, j) || keys[j] == skip_key) continue;
    const uint64_t key = keys[j];
    int64_t off[3];
    if constexpr (Accumulate) {
      T o = out[key];
      for (int64_t r = j; r < n && keys[r] == key; ++r) {
        ix.offsets(positions[r], off);
        o = T(A(o) + A(src[off[2]]));
      }
      out[key] = o;
    } else {  // the last write in loop order wins, as on the CPU
      int64_t last = j;
      while (last + 1 < n && keys[last + 1] == key) ++last;
      ix.offsets(positions[last], off);
      out[key] = src[off[2]];
    }
  }
}

// ---- index_add: index[k] picks the destination slice of source slice k. Operands of
// ix: out and src viewed as one slice (size 1 along dim).
__global__ void index_keys_kernel(const int64_t* index, int64_t index_stride, int64_t count, int64_t bound,
                                  uint64_t* keys, int64_t* positions, KernelErrorSlot* slot) {
  for (int64_t k = global_index(); k < count; k += grid_stride()) {
    const int64_t t = index[k * index_stride];
    if (t < 0 || t >= bound) {
      report_index_error(slot, t, bound);
      keys[k] = uint64_t(bound);
    } else {
      keys[k] = uint64_t(t);
    }
    positions[k] = k;
  }
}

// One thread per (sorted index position, slice element); the first position of each run
// sums the run's source slices in ascending k, the CPU's order.
template <class T>
__global__ void index_add_runs_kernel(T* out, const T* src, int64_t count, int64_t slice, StridedIndexer<2> ix,
                                      int64_t out_dim_stride, int64_t src_dim_stride, const uint64_t* keys,
                                      const int64_t* positions, uint64_t skip_key, acc_t<T> alpha) {
  using A = acc_t<T>;
  const int64_t total = count * slice;
  for (int64_t t = global_index(); t < total; t += grid_stride()) {
    const int64_t j = t / slice, e = t - j * slice;
    if (!run_head(keys, j) || keys[j] == skip_key) continue;
    const uint64_t key = keys[j];
    int64_t off[2];
    ix.offsets(e, off);
    T& o = out[off[0] + int64_t(key) * out_dim_stride];
    T acc = o;
    for (int64_t r = j; r < count && keys[r] == key; ++r)
      acc = T(A(A(acc) + alpha * A(src[off[1] + positions[r] * src_dim_stride])));
    o = acc;
  }
}

}  // namespace

void CudaBackend::gather(const TensorRef& out, const TensorRef& in, int dim, const TensorRef& index) {
  OwnedRef in_view(in);
  in_view.with_sizes_of(index).with_stride(dim, 0);
  OwnedRef out_view(out), index_view(index);
  take(out_view.ref, in_view.ref, index_view.ref, dim, in);
}

void CudaBackend::index_select(const TensorRef& out, const TensorRef& in, int dim, const TensorRef& index) {
  OwnedRef out_view(out), in_view(in), index_view(out);
  in_view.with_sizes_of(out).with_stride(dim, 0);
  for (int d = 0; d < index_view.ref.ndim; ++d) index_view.strides[d] = 0;
  index_view.strides[dim] = index.ndim ? index.strides[0] : 0;
  index_view.ref.data = index.data;
  index_view.ref.dtype = DType::Int64;
  take(out_view.ref, in_view.ref, index_view.ref, dim, in);
}

void CudaBackend::scatter(const TensorRef& out, int dim, const TensorRef& index, const TensorRef& src,
                          bool accumulate) {
  const int64_t n = index.numel();
  if (n == 0) return;
  OwnedRef dst_view(out), index_view(index), src_view(src);
  dst_view.with_sizes_of(index).with_stride(dim, 0);
  src_view.with_sizes_of(index);  // src may be larger than index; only the index's extent is read
  const StridedIndexer<3> ix = make_indexer<3>({&dst_view.ref, &index_view.ref, &src_view.ref});
  const int device = out.device_index;
  cudaStream_t stream = stream_for(device);
  KernelErrorSlot* slot = kernel_error_slot(device);
  const uint64_t skip_key = offset_bound(out);
  SortedRuns runs(device, n, skip_key);
  scatter_keys_kernel<<<blocks_for(n), kThreads, 0, stream>>>(index.ptr<const int64_t>(), n, ix,
                                                              stride_at(out, dim), size_at(out, dim), skip_key,
                                                              runs.keys_in(), runs.positions_in(), slot);
  ACCMT_CUDA_CHECK_LAUNCH();
  runs.sort(stream);
  dispatch_all(out.dtype, [&]<class T>() {
    if (accumulate)
      scatter_runs_kernel<T, true><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<T>(), src.ptr<const T>(), n, ix,
                                                                          runs.keys(), runs.positions(), skip_key);
    else
      scatter_runs_kernel<T, false><<<blocks_for(n), kThreads, 0, stream>>>(out.ptr<T>(), src.ptr<const T>(), n, ix,
                                                                           runs.keys(), runs.positions(), skip_key);
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

void CudaBackend::index_add(const TensorRef& out, int dim, const TensorRef& index, const TensorRef& src,
                            const Scalar& alpha) {
  const int64_t count = index.numel();
  if (count == 0 || src.numel() == 0) return;
  OwnedRef out_slice(out), src_slice(src);
  out_slice.with_size(dim, 1);
  src_slice.with_sizes_of(out_slice.ref);
  const StridedIndexer<2> ix = make_indexer<2>({&out_slice.ref, &src_slice.ref});
  int64_t slice = 1;
  for (int d = 0; d < out_slice.ref.ndim; ++d) slice *= out_slice.sizes[d];
  const int device = out.device_index;
  cudaStream_t stream = stream_for(device);
  KernelErrorSlot* slot = kernel_error_slot(device);
  const int64_t bound = size_at(out, dim);
  const uint64_t skip_key = uint64_t(bound);
  SortedRuns runs(device, count, skip_key);
  index_keys_kernel<<<blocks_for(count), kThreads, 0, stream>>>(index.ptr<const int64_t>(), stride_at(index, 0),
                                                                count, bound, runs.keys_in(), runs.positions_in(),
                                                                slot);
  ACCMT_CUDA_CHECK_LAUNCH();
  runs.sort(stream);
  dispatch_all(out.dtype, [&]<class T>() {
    index_add_runs_kernel<T><<<blocks_for(count * slice), kThreads, 0, stream>>>(
        out.ptr<T>(), src.ptr<const T>(), count, slice, ix, stride_at(out, dim), stride_at(src, dim), runs.keys(),
        runs.positions(), skip_key, alpha.to<acc_t<T>>());
  });
  ACCMT_CUDA_CHECK_LAUNCH();
}

}  // namespace accmt::kernels::cuda
