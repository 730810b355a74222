// CUDA graph capture and replay. A capture gets its own allocator pool (see
// caching_allocator.hpp), so the buffers the recorded kernels use stay reserved for the
// graph until it is destroyed.
#include <cuda_runtime_api.h>

#include <atomic>

#include "kernels/cuda/caching_allocator.hpp"
#include "kernels/cuda/cuda_check.hpp"
#include "kernels/cuda/launch.cuh"

namespace accmt::kernels::cuda {
namespace {

struct Graph {
  int device = 0;
  cudaStream_t stream = nullptr;
  uint64_t pool = 0;
  bool capturing = false;
  cudaGraph_t graph = nullptr;
  cudaGraphExec_t exec = nullptr;
  cudaEvent_t launched = nullptr;  // recorded after each replay
};

std::atomic<uint64_t> g_next_pool{1};

}  // namespace

GraphHandle graph_capture_begin(int device, StreamHandle stream) {
  ACCMT_CHECK(stream != nullptr, "CUDA graph capture needs a stream of its own: the default stream cannot be "
                                 "captured (create a Stream and make it current first)");
  set_device(device);
  (void)kernel_error_slot(device);  // created now: its cudaHostAlloc cannot run inside a capture
  auto* g = new Graph{device, static_cast<cudaStream_t>(stream), g_next_pool.fetch_add(1)};
  device_allocator().begin_capture_pool(device, stream, g->pool);
  const cudaError_t err = cudaStreamBeginCapture(g->stream, cudaStreamCaptureModeThreadLocal);
  if (err != cudaSuccess) {
    device_allocator().end_capture_pool(device, stream);
    device_allocator().release_pool(device, g->pool);
    delete g;
    throw_cuda_error(err, "cudaStreamBeginCapture", __FILE__, __LINE__);
  }
  g->capturing = true;
  return g;
}

void graph_capture_end(GraphHandle handle) {
  auto* g = static_cast<Graph*>(handle);
  ACCMT_CHECK(g != nullptr && g->capturing, "CUDA graph: capture_end without an open capture");
  set_device(g->device);
  g->capturing = false;
  const cudaError_t err = cudaStreamEndCapture(g->stream, &g->graph);
  device_allocator().end_capture_pool(g->device, g->stream);
  if (err != cudaSuccess)
    throw Error(detail::concat("CUDA graph capture failed: ", cudaGetErrorName(err), " (", cudaGetErrorString(err),
                               "); an op in the captured region synchronised with the host (e.g. .item(), .cpu(), "
                               "printing) or used another stream"));
  ACCMT_CUDA_CHECK(cudaGraphInstantiate(&g->exec, g->graph, 0));
}

void graph_replay(GraphHandle handle) {
  auto* g = static_cast<Graph*>(handle);
  ACCMT_CHECK(g != nullptr && g->exec != nullptr, "CUDA graph: replay before a successful capture_end");
  cudaStream_t stream = stream_for(g->device);
  ACCMT_CUDA_CHECK(cudaGraphLaunch(g->exec, stream));
  if (g->launched == nullptr) ACCMT_CUDA_CHECK(cudaEventCreateWithFlags(&g->launched, cudaEventDisableTiming));
  ACCMT_CUDA_CHECK(cudaEventRecord(g->launched, stream));
}

void graph_destroy(GraphHandle handle) {
  auto* g = static_cast<Graph*>(handle);
  if (g == nullptr) return;
  set_device(g->device);
  if (g->capturing) {  // abandoned mid-capture (an exception): close it and drop the result
    cudaGraph_t partial = nullptr;
    (void)cudaStreamEndCapture(g->stream, &partial);
    (void)cudaGetLastError();
    if (partial != nullptr) (void)cudaGraphDestroy(partial);
    device_allocator().end_capture_pool(g->device, g->stream);
  }
  if (g->exec != nullptr) (void)cudaGraphExecDestroy(g->exec);
  if (g->graph != nullptr) (void)cudaGraphDestroy(g->graph);
  // The last replay (replays run in order on their stream) must finish before the pool's
  // memory is reused.
  if (g->launched != nullptr) {
    (void)cudaEventSynchronize(g->launched);
    (void)cudaEventDestroy(g->launched);
  }
  device_allocator().release_pool(g->device, g->pool);
  delete g;
}

bool is_capturing(int device) {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  ACCMT_CUDA_CHECK(cudaStreamIsCapturing(static_cast<cudaStream_t>(current_stream(device)), &status));
  return status != cudaStreamCaptureStatusNone;
}

}  // namespace accmt::kernels::cuda
