#pragma once
// Pooling window formulas shared by the CPU and CUDA kernels (PyTorch's conventions).
#include <cstdint>

#include "kernels/common/macros.hpp"

namespace accmt::kernels {

// Adaptive pooling: output cell o of `out` cells over `in` inputs covers
// [floor(o * in / out), ceil((o + 1) * in / out)).
ACCMT_HOST_DEVICE inline int64_t adaptive_start(int64_t o, int64_t in, int64_t out) { return (o * in) / out; }
ACCMT_HOST_DEVICE inline int64_t adaptive_end(int64_t o, int64_t in, int64_t out) {
  return ((o + 1) * in + out - 1) / out;
}

// One average-pooling window along both axes: the clamped input range [h0, h1) x [w0, w1)
// and the divisor. The padded window may hang over the padded input when ceil_mode adds
// a last window; count_include_pad counts padding but never that overhang.
struct AvgWindow {
  int64_t h0, h1, w0, w1;
  int64_t divisor;
};

ACCMT_HOST_DEVICE inline AvgWindow avg_window(int64_t oy, int64_t ox, int64_t in_h, int64_t in_w, int64_t kh,
                                              int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                                              bool count_include_pad, int64_t divisor_override) {
  int64_t h0 = oy * sh - ph, w0 = ox * sw - pw;
  int64_t h1 = h0 + kh < in_h + ph ? h0 + kh : in_h + ph;
  int64_t w1 = w0 + kw < in_w + pw ? w0 + kw : in_w + pw;
  const int64_t padded = (h1 - h0) * (w1 - w0);
  h0 = h0 > 0 ? h0 : 0;
  w0 = w0 > 0 ? w0 : 0;
  h1 = h1 < in_h ? h1 : in_h;
  w1 = w1 < in_w ? w1 : in_w;
  int64_t divisor = divisor_override ? divisor_override : count_include_pad ? padded : (h1 - h0) * (w1 - w0);
  return {h0, h1, w0, w1, divisor};
}

}  // namespace accmt::kernels
