// Convolutions through cuDNN: forward, backward data and backward filter. The algorithm
// for each shape is picked once from cuDNN's heuristics (the fastest deterministic one
// whose workspace fits) and cached; workspaces come from the caching allocator. Cases
// cuDNN's descriptors cannot express (asymmetric padding, sizes beyond int) return false
// and run as im2col + gemm.
#include <cudnn.h>

#include <climits>
#include <map>
#include <optional>
#include <mutex>
#include <tuple>
#include <vector>

#include "kernels/cuda/blas.hpp"
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/launch.cuh"

#define ACCMT_CUDNN_CHECK(call)                                                                            \
  do {                                                                                                     \
    const cudnnStatus_t accmt_cudnn_status_ = (call);                                                      \
    if (accmt_cudnn_status_ != CUDNN_STATUS_SUCCESS)                                                       \
      throw ::accmt::Error(::accmt::detail::concat("cuDNN error in ", #call, " at ", __FILE__, ":", __LINE__, \
                                                   ": ", cudnnGetErrorString(accmt_cudnn_status_)));      \
  } while (0)

namespace accmt::kernels::cuda {
namespace {

// The most workspace an algorithm may ask for; faster algorithms needing more are skipped.
constexpr size_t kMaxWorkspace = size_t(2) << 30;

// cuDNN handles are not safe to share between threads that run at once: one per thread
// and device, set to the current stream before each call.
cudnnHandle_t handle_for(int device) {
  thread_local std::vector<cudnnHandle_t> handles;
  if (handles.size() <= size_t(device)) handles.resize(size_t(device) + 1, nullptr);
  set_device(device);
  if (handles[size_t(device)] == nullptr) {
    RelaxedCaptureMode relaxed;  // cudnnCreate allocates; the first convolution may be inside a capture
    ACCMT_CUDNN_CHECK(cudnnCreate(&handles[size_t(device)]));
  }
  ACCMT_CUDNN_CHECK(cudnnSetStream(handles[size_t(device)], static_cast<cudaStream_t>(current_stream(device))));
  return handles[size_t(device)];
}

bool cudnn_type(DType dtype, cudnnDataType_t* data, cudnnDataType_t* compute) {
  switch (dtype) {
    case DType::Float32: *data = CUDNN_DATA_FLOAT; *compute = CUDNN_DATA_FLOAT; return true;
    case DType::Float64: *data = CUDNN_DATA_DOUBLE; *compute = CUDNN_DATA_DOUBLE; return true;
    case DType::Float16: *data = CUDNN_DATA_HALF; *compute = CUDNN_DATA_FLOAT; return true;
    case DType::BFloat16: *data = CUDNN_DATA_BFLOAT16; *compute = CUDNN_DATA_FLOAT; return true;
    default: return false;
  }
}

bool fits_int(const TensorRef& t) {
  for (int i = 0; i < t.ndim; ++i)
    if (t.sizes[i] > INT_MAX) return false;
  return t.numel() <= INT_MAX;
}

// The descriptors of one convolution: x [N, C, H, W], w [O, C/g, kh, kw], y [N, O, oh, ow].
class ConvDescriptors {
 public:
  ConvDescriptors() {
    ACCMT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&x));
    ACCMT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&y));
    ACCMT_CUDNN_CHECK(cudnnCreateFilterDescriptor(&w));
    ACCMT_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv));
  }
  ~ConvDescriptors() {
    cudnnDestroyTensorDescriptor(x);
    cudnnDestroyTensorDescriptor(y);
    cudnnDestroyFilterDescriptor(w);
    cudnnDestroyConvolutionDescriptor(conv);
  }
  ConvDescriptors(const ConvDescriptors&) = delete;
  ConvDescriptors& operator=(const ConvDescriptors&) = delete;

  // False when cuDNN cannot express the case exactly.
  bool set(const TensorRef& xr, const TensorRef& wr, const TensorRef& yr, const Window2d& win, int64_t groups) {
    if (!cudnn_type(xr.dtype, &data_type, &compute_type)) return false;
    if (!fits_int(xr) || !fits_int(wr) || !fits_int(yr)) return false;
    auto i = [](int64_t v) { return static_cast<int>(v); };
    ACCMT_CUDNN_CHECK(cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, data_type, i(xr.sizes[0]), i(xr.sizes[1]),
                                                 i(xr.sizes[2]), i(xr.sizes[3])));
    ACCMT_CUDNN_CHECK(cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, data_type, i(yr.sizes[0]), i(yr.sizes[1]),
                                                 i(yr.sizes[2]), i(yr.sizes[3])));
    ACCMT_CUDNN_CHECK(cudnnSetFilter4dDescriptor(w, data_type, CUDNN_TENSOR_NCHW, i(wr.sizes[0]), i(wr.sizes[1]),
                                                 i(wr.sizes[2]), i(wr.sizes[3])));
    ACCMT_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv, i(win.pad_h), i(win.pad_w), i(win.stride_h),
                                                      i(win.stride_w), i(win.dilation_h), i(win.dilation_w),
                                                      CUDNN_CROSS_CORRELATION, compute_type));
    ACCMT_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv, i(groups)));
    // float32 stays exact float32 math unless TF32 was allowed, as for matmul.
    const cudnnMathType_t math = xr.dtype == DType::Float32 ? (allow_tf32() ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH)
                                 : xr.dtype == DType::Float64 ? CUDNN_DEFAULT_MATH
                                                              : CUDNN_TENSOR_OP_MATH;
    ACCMT_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, math));
    // Symmetric padding only: the output cuDNN derives must be the one asked for.
    int n = 0, c = 0, h = 0, wd = 0;
    ACCMT_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(conv, x, w, &n, &c, &h, &wd));
    return n == yr.sizes[0] && c == yr.sizes[1] && h == yr.sizes[2] && wd == yr.sizes[3];
  }

  cudnnTensorDescriptor_t x = nullptr, y = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnDataType_t data_type = CUDNN_DATA_FLOAT, compute_type = CUDNN_DATA_FLOAT;
};

enum class Pass { Forward, BackwardData, BackwardFilter };

struct Choice {
  int algo = 0;
  size_t workspace = 0;
};

using ShapeKey = std::tuple<int, int, int, bool, std::vector<int64_t>>;

ShapeKey key_of(Pass pass, const TensorRef& x, const TensorRef& w, const TensorRef& y, const Window2d& win,
                int64_t groups) {
  std::vector<int64_t> dims;
  for (const TensorRef* t : {&x, &w, &y})
    for (int i = 0; i < 4; ++i) dims.push_back(t->sizes[i]);
  for (int64_t v : {win.stride_h, win.stride_w, win.pad_h, win.pad_w, win.dilation_h, win.dilation_w, groups})
    dims.push_back(v);
  return {int(pass), x.device_index, int(x.dtype), allow_tf32(), dims};
}

// The fastest deterministic algorithm by cuDNN's heuristics that fits the workspace cap;
// none when there is no such algorithm (the front-end then uses im2col + gemm).
template <class Perf> std::optional<Choice> pick(const Perf* perf, int count) {
  for (int i = 0; i < count; ++i)
    if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].determinism == CUDNN_DETERMINISTIC &&
        perf[i].memory <= kMaxWorkspace)
      return Choice{int(perf[i].algo), perf[i].memory};
  return std::nullopt;
}

std::optional<Choice> choose(Pass pass, cudnnHandle_t handle, const ConvDescriptors& d, const ShapeKey& key) {
  static std::mutex mutex;
  static std::map<ShapeKey, std::optional<Choice>> cache;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  std::optional<Choice> c;
  int count = 0;
  if (pass == Pass::Forward) {
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    ACCMT_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(handle, d.x, d.w, d.conv, d.y,
                                                             CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf));
    c = pick(perf, count);
    // The heuristics' memory figure is an estimate; the workspace query is exact.
    if (c) ACCMT_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(handle, d.x, d.w, d.conv, d.y,
                                                                    cudnnConvolutionFwdAlgo_t(c->algo), &c->workspace));
  } else if (pass == Pass::BackwardData) {
    cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    ACCMT_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, d.w, d.y, d.conv, d.x,
                                                                  CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, perf));
    c = pick(perf, count);
    if (c) ACCMT_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(
               handle, d.w, d.y, d.conv, d.x, cudnnConvolutionBwdDataAlgo_t(c->algo), &c->workspace));
  } else {
    cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    ACCMT_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
        handle, d.x, d.y, d.conv, d.w, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, perf));
    c = pick(perf, count);
    if (c) ACCMT_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(
               handle, d.x, d.y, d.conv, d.w, cudnnConvolutionBwdFilterAlgo_t(c->algo), &c->workspace));
  }
  std::lock_guard<std::mutex> lock(mutex);
  cache.emplace(key, c);
  return c;
}

// alpha/beta are read as double for double convolutions and as float otherwise.
struct Scaling {
  explicit Scaling(cudnnDataType_t compute, double a, double b) : f{float(a), float(b)}, d{a, b}, dbl(compute == CUDNN_DATA_DOUBLE) {}
  const void* alpha() const { return dbl ? static_cast<const void*>(&d[0]) : static_cast<const void*>(&f[0]); }
  const void* beta() const { return dbl ? static_cast<const void*>(&d[1]) : static_cast<const void*>(&f[1]); }
  float f[2];
  double d[2];
  bool dbl;
};

}  // namespace

bool CudaBackend::conv2d_forward(const TensorRef& y, const TensorRef& x, const TensorRef& w, const Window2d& win,
                                 int64_t groups) {
  ConvDescriptors d;
  if (!d.set(x, w, y, win, groups)) return false;
  cudnnHandle_t handle = handle_for(y.device_index);
  const std::optional<Choice> choice = choose(Pass::Forward, handle, d, key_of(Pass::Forward, x, w, y, win, groups));
  if (!choice) return false;
  const Choice& c = *choice;
  Workspace ws(y.device_index, c.workspace);
  const Scaling s(d.compute_type, 1.0, 1.0);  // adds into y, which holds the bias
  ACCMT_CUDNN_CHECK(cudnnConvolutionForward(handle, s.alpha(), d.x, x.data, d.w, w.data, d.conv,
                                            cudnnConvolutionFwdAlgo_t(c.algo), ws.get(), c.workspace, s.beta(), d.y,
                                            y.data));
  return true;
}

bool CudaBackend::conv2d_backward_input(const TensorRef& dx, const TensorRef& dy, const TensorRef& w,
                                        const Window2d& win, int64_t groups) {
  ConvDescriptors d;
  if (!d.set(dx, w, dy, win, groups)) return false;
  cudnnHandle_t handle = handle_for(dx.device_index);
  const std::optional<Choice> choice =
      choose(Pass::BackwardData, handle, d, key_of(Pass::BackwardData, dx, w, dy, win, groups));
  if (!choice) return false;
  const Choice& c = *choice;
  Workspace ws(dx.device_index, c.workspace);
  const Scaling s(d.compute_type, 1.0, 0.0);
  ACCMT_CUDNN_CHECK(cudnnConvolutionBackwardData(handle, s.alpha(), d.w, w.data, d.y, dy.data, d.conv,
                                                 cudnnConvolutionBwdDataAlgo_t(c.algo), ws.get(), c.workspace,
                                                 s.beta(), d.x, dx.data));
  return true;
}

bool CudaBackend::conv2d_backward_weight(const TensorRef& dw, const TensorRef& dy, const TensorRef& x,
                                         const Window2d& win, int64_t groups) {
  ConvDescriptors d;
  if (!d.set(x, dw, dy, win, groups)) return false;
  cudnnHandle_t handle = handle_for(dw.device_index);
  const std::optional<Choice> choice =
      choose(Pass::BackwardFilter, handle, d, key_of(Pass::BackwardFilter, x, dw, dy, win, groups));
  if (!choice) return false;
  const Choice& c = *choice;
  Workspace ws(dw.device_index, c.workspace);
  const Scaling s(d.compute_type, 1.0, 0.0);
  ACCMT_CUDNN_CHECK(cudnnConvolutionBackwardFilter(handle, s.alpha(), d.x, x.data, d.y, dy.data, d.conv,
                                                   cudnnConvolutionBwdFilterAlgo_t(c.algo), ws.get(), c.workspace,
                                                   s.beta(), d.w, dw.data));
  return true;
}

}  // namespace accmt::kernels::cuda
