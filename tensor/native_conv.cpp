// Convolution as im2col + batched GEMM (grouped: one GEMM per group over the samples of a
// chunk), and the pooling front-ends. The batch is processed in chunks so the column
// buffer stays bounded.
#include "tensor/native_conv.hpp"

#include <algorithm>

#include "tensor/native.hpp"

namespace accmt::native {

namespace {

using kernels::GemmArgs;
using kernels::TensorRef;
using kernels::Window2d;

// Upper bound of one column buffer, in bytes: small enough to stay in cache between
// im2col and the GEMM that reads it, and to be reused by malloc instead of page-faulted
// in fresh on every call.
constexpr int64_t kColBytes = int64_t(4) << 20;

void check_float(const char* op, const Tensor& t, const char* what) {
  ACCMT_CHECK(t.is_floating_point(), op, ": expected ", what,
              " to be float32 or float64 (or bfloat16/float16), got ", dtype_name(t.dtype()), " ",
              shape_str(t.sizes()));
}

// 16-bit floats run where a backend has a native path (cuDNN convolutions); otherwise
// the op runs in float32 and rounds once at the end, which is also how PyTorch's
// kernels accumulate them.
bool is_16bit(DType d) { return d == DType::BFloat16 || d == DType::Float16; }
Tensor widened(const Tensor& t) { return t.defined() ? cast(t, DType::Float32) : t; }

void check_4d(const char* op, const Tensor& t, const char* what) {
  check_defined(op, t);
  ACCMT_CHECK(t.dim() == 4, op, ": expected ", what, " to be 4-D [N, C, H, W], got ", shape_str(t.sizes()));
  check_float(op, t, what);
}

void check_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
  ACCMT_CHECK(a.dtype() == b.dtype(), op, ": expected input and weight to have the same dtype, got ",
              dtype_name(a.dtype()), " ", shape_str(a.sizes()), " and ", dtype_name(b.dtype()), " ",
              shape_str(b.sizes()));
}

Window2d window(const ConvGeometry& g, int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w, int64_t kh,
                int64_t kw) {
  return {in_h, in_w, out_h, out_w, kh, kw, g.stride_h, g.stride_w, g.pad_h, g.pad_w, g.dilation_h, g.dilation_w};
}

// The column matrix is the input itself for a 1x1, stride-1, unpadded convolution.
bool is_pointwise(const Window2d& w) {
  return w.kernel_h == 1 && w.kernel_w == 1 && w.stride_h == 1 && w.stride_w == 1 && w.pad_h == 0 && w.pad_w == 0 &&
         w.in_h == w.out_h && w.in_w == w.out_w;
}

int64_t chunk_size(int64_t n, int64_t col_elems_per_sample, DType dt) {
  int64_t per = std::max<int64_t>(1, col_elems_per_sample * static_cast<int64_t>(dtype_size(dt)));
  return std::clamp<int64_t>(kColBytes / per, 1, std::max<int64_t>(n, 1));
}

// A contiguous tensor seen by a kernel with other sizes (same element count).
struct Reshaped {
  Shape sizes, strides;
  TensorRef ref;
  Reshaped(const Tensor& t, Shape s) : sizes(std::move(s)), strides(contiguous_strides(sizes)) {
    ref = native::ref(t);
    ref.ndim = static_cast<int>(sizes.size());
    ref.sizes = sizes.data();
    ref.strides = strides.data();
  }
};

// Rows [n0, n0 + count) of a contiguous tensor along dim 0, as a tensor view.
Tensor rows(const Tensor& t, int64_t n0, int64_t count) {
  Shape sizes = t.sizes();
  sizes[0] = count;
  return make_view(t, sizes, t.strides(), t.storage_offset() + n0 * t.stride(0));
}

void im2col(const Tensor& col, const Tensor& im, const Window2d& w) {
  backend_of(im).im2col(native::ref(col), native::ref(im), w);
}

}  // namespace

Tensor conv2d(const Tensor& x_in, const Tensor& w_in, const Tensor& bias, const ConvGeometry& g, int64_t out_h,
              int64_t out_w) {
  const char* op = "conv2d";
  check_4d(op, x_in, "input");
  check_4d(op, w_in, "weight");
  check_same_dtype(op, x_in, w_in);
  check_same_device(op, {x_in, w_in});
  const int64_t N = x_in.size(0), C = x_in.size(1), O = w_in.size(0), G = g.groups;
  ACCMT_CHECK(G >= 1 && C % G == 0 && O % G == 0 && w_in.size(1) * G == C, op, ": input ", shape_str(x_in.sizes()),
              " and weight ", shape_str(w_in.sizes()), " do not fit groups=", G);
  const int64_t kh = w_in.size(2), kw = w_in.size(3), Og = O / G, Cg = C / G;
  const int64_t K = Cg * kh * kw, L = out_h * out_w;
  Tensor out = empty({N, O, out_h, out_w}, x_in.dtype(), x_in.device());
  if (bias.defined()) {
    check_defined(op, bias);
    ACCMT_CHECK(bias.dim() == 1 && bias.size(0) == O && bias.dtype() == x_in.dtype(), op, ": expected bias of shape [",
                O, "] and dtype ", dtype_name(x_in.dtype()), ", got ", dtype_name(bias.dtype()), " ",
                shape_str(bias.sizes()));
    check_same_device(op, {x_in, bias});
    copy_(out, make_view(bias, {N, O, out_h, out_w}, {0, bias.stride(0), 0, 0}, bias.storage_offset()));
  } else {
    fill_(out, 0);
  }
  if (out.numel() == 0 || K == 0) return out;
  Tensor x = contiguous(x_in), w = contiguous(w_in);
  const Window2d win = window(g, x.size(2), x.size(3), out_h, out_w, kh, kw);
  if (backend_of(out).conv2d_forward(native::ref(out), native::ref(x), native::ref(w), win, G)) return out;
  if (is_16bit(x.dtype())) {
    copy_(out, conv2d(widened(x), widened(w), widened(bias), g, out_h, out_w));
    return out;
  }
  const bool pointwise = is_pointwise(win);
  const int64_t chunk = pointwise ? N : chunk_size(N, C * kh * kw * L, x.dtype());
  Tensor col = pointwise ? Tensor() : empty({chunk, C * kh * kw, L}, x.dtype(), x.device());
  for (int64_t n0 = 0; n0 < N; n0 += chunk) {
    const int64_t nc = std::min(chunk, N - n0);
    Tensor xc = rows(x, n0, nc);
    Tensor cc = pointwise ? xc : rows(col, 0, nc);
    if (!pointwise) im2col(cc, xc, win);
    const size_t es = dtype_size(x.dtype());
    for (int64_t gi = 0; gi < G; ++gi) {
      GemmArgs a{};
      a.device_index = out.device().index;
      a.dtype = x.dtype();
      a.a = static_cast<const char*>(w.data_ptr()) + es * gi * Og * K;
      a.b = static_cast<const char*>(cc.data_ptr()) + es * gi * K * L;
      a.c = static_cast<char*>(out.data_ptr()) + es * (n0 * O * L + gi * Og * L);
      a.m = Og, a.n = L, a.k = K;
      a.lda = K, a.ldb = L, a.ldc = L;
      a.batch = nc, a.stride_a = 0, a.stride_b = C * kh * kw * L, a.stride_c = O * L;
      a.alpha = 1.0, a.beta = 1.0;
      backend_of(out).gemm(a);
    }
  }
  return out;
}

Tensor conv2d_backward_input(const Tensor& gy_in, const Tensor& w_in, const ConvGeometry& g, int64_t in_h,
                             int64_t in_w) {
  const char* op = "conv2d_backward_input";
  check_4d(op, gy_in, "grad_output");
  check_4d(op, w_in, "weight");
  check_same_dtype(op, gy_in, w_in);
  check_same_device(op, {gy_in, w_in});
  const int64_t N = gy_in.size(0), O = gy_in.size(1), G = g.groups;
  ACCMT_CHECK(G >= 1 && O % G == 0 && w_in.size(0) == O, op, ": grad_output ", shape_str(gy_in.sizes()),
              " and weight ", shape_str(w_in.sizes()), " do not fit groups=", G);
  const int64_t Cg = w_in.size(1), C = Cg * G, kh = w_in.size(2), kw = w_in.size(3), Og = O / G;
  const int64_t out_h = gy_in.size(2), out_w = gy_in.size(3), K = Cg * kh * kw, L = out_h * out_w;
  Tensor dx = empty({N, C, in_h, in_w}, gy_in.dtype(), gy_in.device());
  if (dx.numel() == 0) return dx;
  if (L == 0 || Og == 0) {
    fill_(dx, 0);
    return dx;
  }
  Tensor gy = contiguous(gy_in), w = contiguous(w_in);
  const Window2d win = window(g, in_h, in_w, out_h, out_w, kh, kw);
  if (backend_of(dx).conv2d_backward_input(native::ref(dx), native::ref(gy), native::ref(w), win, G)) return dx;
  if (is_16bit(gy.dtype())) {
    copy_(dx, conv2d_backward_input(widened(gy), widened(w), g, in_h, in_w));
    return dx;
  }
  const bool pointwise = is_pointwise(win);
  const int64_t chunk = pointwise ? N : chunk_size(N, C * kh * kw * L, gy.dtype());
  Tensor col = pointwise ? Tensor() : empty({chunk, C * kh * kw, L}, gy.dtype(), gy.device());
  const size_t es = dtype_size(gy.dtype());
  for (int64_t n0 = 0; n0 < N; n0 += chunk) {
    const int64_t nc = std::min(chunk, N - n0);
    Tensor dxc = rows(dx, n0, nc);
    Tensor cc = pointwise ? dxc : rows(col, 0, nc);
    for (int64_t gi = 0; gi < G; ++gi) {
      GemmArgs a{};
      a.device_index = dx.device().index;
      a.dtype = gy.dtype();
      a.a = static_cast<const char*>(w.data_ptr()) + es * gi * Og * K;
      a.b = static_cast<const char*>(gy.data_ptr()) + es * (n0 * O * L + gi * Og * L);
      a.c = static_cast<char*>(cc.data_ptr()) + es * gi * K * L;
      a.m = K, a.n = L, a.k = Og;
      a.trans_a = true;
      a.lda = K, a.ldb = L, a.ldc = L;
      a.batch = nc, a.stride_a = 0, a.stride_b = O * L, a.stride_c = C * kh * kw * L;
      a.alpha = 1.0, a.beta = 0.0;
      backend_of(dx).gemm(a);
    }
    if (!pointwise) backend_of(dx).col2im(native::ref(dxc), native::ref(cc), win);
  }
  return dx;
}

Tensor conv2d_backward_weight(const Tensor& gy_in, const Tensor& x_in, const ConvGeometry& g, int64_t kh,
                              int64_t kw) {
  const char* op = "conv2d_backward_weight";
  check_4d(op, gy_in, "grad_output");
  check_4d(op, x_in, "input");
  check_same_dtype(op, x_in, gy_in);
  check_same_device(op, {gy_in, x_in});
  const int64_t N = x_in.size(0), C = x_in.size(1), O = gy_in.size(1), G = g.groups;
  ACCMT_CHECK(gy_in.size(0) == N && G >= 1 && C % G == 0 && O % G == 0, op, ": grad_output ",
              shape_str(gy_in.sizes()), " and input ", shape_str(x_in.sizes()), " do not fit groups=", G);
  const int64_t Cg = C / G, Og = O / G, out_h = gy_in.size(2), out_w = gy_in.size(3);
  const int64_t K = Cg * kh * kw, L = out_h * out_w;
  Tensor dw = empty({O, Cg, kh, kw}, x_in.dtype(), x_in.device());
  fill_(dw, 0);
  if (dw.numel() == 0 || N == 0 || L == 0) return dw;
  Tensor gy = contiguous(gy_in), x = contiguous(x_in);
  const Window2d win = window(g, x.size(2), x.size(3), out_h, out_w, kh, kw);
  if (backend_of(dw).conv2d_backward_weight(native::ref(dw), native::ref(gy), native::ref(x), win, G)) return dw;
  if (is_16bit(x.dtype())) {
    copy_(dw, conv2d_backward_weight(widened(gy), widened(x), g, kh, kw));
    return dw;
  }
  const bool pointwise = is_pointwise(win);
  const int64_t chunk = pointwise ? N : chunk_size(N, C * kh * kw * L, x.dtype());
  Tensor col = pointwise ? Tensor() : empty({chunk, C * kh * kw, L}, x.dtype(), x.device());
  // Large per-sample products accumulate straight into dw (each GEMM is threaded inside);
  // small ones go to per-sample slots in parallel over samples and are summed after.
  const bool accumulate = Og * K * L >= (int64_t(1) << 22);
  Tensor per_sample = accumulate ? Tensor() : empty({chunk, O, K}, x.dtype(), x.device());
  const size_t es = dtype_size(x.dtype());
  for (int64_t n0 = 0; n0 < N; n0 += chunk) {
    const int64_t nc = std::min(chunk, N - n0);
    Tensor xc = rows(x, n0, nc);
    Tensor cc = pointwise ? xc : rows(col, 0, nc);
    if (!pointwise) im2col(cc, xc, win);
    if (accumulate) {
      for (int64_t n = 0; n < nc; ++n) {
        for (int64_t gi = 0; gi < G; ++gi) {
          GemmArgs a{};
          a.device_index = dw.device().index;
          a.dtype = x.dtype();
          a.a = static_cast<const char*>(gy.data_ptr()) + es * ((n0 + n) * O * L + gi * Og * L);
          a.b = static_cast<const char*>(cc.data_ptr()) + es * (n * C * kh * kw * L + gi * K * L);
          a.c = static_cast<char*>(dw.data_ptr()) + es * gi * Og * K;
          a.m = Og, a.n = K, a.k = L;
          a.trans_b = true;
          a.lda = L, a.ldb = L, a.ldc = K;
          a.batch = 1;
          a.alpha = 1.0, a.beta = 1.0;
          backend_of(dw).gemm(a);
        }
      }
      continue;
    }
    Tensor ps = rows(per_sample, 0, nc);
    for (int64_t gi = 0; gi < G; ++gi) {
      GemmArgs a{};
      a.device_index = dw.device().index;
      a.dtype = x.dtype();
      a.a = static_cast<const char*>(gy.data_ptr()) + es * (n0 * O * L + gi * Og * L);
      a.b = static_cast<const char*>(cc.data_ptr()) + es * gi * K * L;
      a.c = static_cast<char*>(ps.data_ptr()) + es * gi * Og * K;
      a.m = Og, a.n = K, a.k = L;
      a.trans_b = true;
      a.lda = L, a.ldb = L, a.ldc = K;
      a.batch = nc, a.stride_a = O * L, a.stride_b = C * kh * kw * L, a.stride_c = O * K;
      a.alpha = 1.0, a.beta = 0.0;
      backend_of(dw).gemm(a);
    }
    Tensor part = nc == 1 ? ps.view({O, Cg, kh, kw}) : reduce(kernels::Reduce::Sum, ps, {0}, false, x.dtype());
    binary_out(ops::Binary::Add, dw, dw, part.view({O, Cg, kh, kw}));
  }
  return dw;
}

// ---- pooling

namespace {

void check_pool_input(const char* op, const Tensor& x) { check_4d(op, x, "input"); }

}  // namespace

std::pair<Tensor, Tensor> max_pool2d(const Tensor& x_in, const Window2d& w) {
  check_pool_input("max_pool2d", x_in);
  if (is_16bit(x_in.dtype())) {
    auto [values, indices] = max_pool2d(widened(x_in), w);
    return {cast(values, x_in.dtype()), indices};
  }
  const int64_t N = x_in.size(0), C = x_in.size(1);
  Tensor x = contiguous(x_in);
  Tensor out = empty({N, C, w.out_h, w.out_w}, x.dtype(), x.device());
  Tensor idx = empty({N, C, w.out_h, w.out_w}, DType::Int64, x.device());
  if (out.numel() == 0) return {out, idx};
  Reshaped o(out, {N * C, w.out_h, w.out_w}), i(idx, {N * C, w.out_h, w.out_w}), in(x, {N * C, w.in_h, w.in_w});
  backend_of(x).max_pool2d(o.ref, i.ref, in.ref, w);
  return {out, idx};
}

Tensor max_pool2d_backward(const Tensor& gy_in, const Tensor& indices_in, const Shape& s) {
  check_pool_input("max_pool2d_backward", gy_in);
  if (is_16bit(gy_in.dtype())) return cast(max_pool2d_backward(widened(gy_in), indices_in, s), gy_in.dtype());
  Tensor gy = contiguous(gy_in), indices = contiguous(indices_in);
  Tensor gx = empty(s, gy.dtype(), gy.device());
  if (gx.numel() == 0) return gx;
  const int64_t P = s[0] * s[1];
  Reshaped gi(gx, {P, s[2], s[3]}), go(gy, {P, gy.size(2), gy.size(3)}), ix(indices, {P, gy.size(2), gy.size(3)});
  backend_of(gy).max_pool2d_backward(gi.ref, go.ref, ix.ref);
  return gx;
}

Tensor avg_pool2d(const Tensor& x_in, const Window2d& w, bool count_include_pad, int64_t divisor_override) {
  check_pool_input("avg_pool2d", x_in);
  if (is_16bit(x_in.dtype()))
    return cast(avg_pool2d(widened(x_in), w, count_include_pad, divisor_override), x_in.dtype());
  const int64_t N = x_in.size(0), C = x_in.size(1);
  Tensor x = contiguous(x_in);
  Tensor out = empty({N, C, w.out_h, w.out_w}, x.dtype(), x.device());
  if (out.numel() == 0) return out;
  Reshaped o(out, {N * C, w.out_h, w.out_w}), in(x, {N * C, w.in_h, w.in_w});
  backend_of(x).avg_pool2d(o.ref, in.ref, w, count_include_pad, divisor_override);
  return out;
}

Tensor avg_pool2d_backward(const Tensor& gy_in, const Shape& s, const Window2d& w, bool count_include_pad,
                           int64_t divisor_override) {
  check_pool_input("avg_pool2d_backward", gy_in);
  if (is_16bit(gy_in.dtype()))
    return cast(avg_pool2d_backward(widened(gy_in), s, w, count_include_pad, divisor_override), gy_in.dtype());
  Tensor gy = contiguous(gy_in);
  Tensor gx = empty(s, gy.dtype(), gy.device());
  if (gx.numel() == 0) return gx;
  const int64_t P = s[0] * s[1];
  Reshaped gi(gx, {P, s[2], s[3]}), go(gy, {P, w.out_h, w.out_w});
  backend_of(gy).avg_pool2d_backward(gi.ref, go.ref, w, count_include_pad, divisor_override);
  return gx;
}

Tensor adaptive_avg_pool2d(const Tensor& x_in, int64_t out_h, int64_t out_w) {
  check_pool_input("adaptive_avg_pool2d", x_in);
  if (is_16bit(x_in.dtype())) return cast(adaptive_avg_pool2d(widened(x_in), out_h, out_w), x_in.dtype());
  const int64_t N = x_in.size(0), C = x_in.size(1);
  Tensor x = contiguous(x_in);
  Tensor out = empty({N, C, out_h, out_w}, x.dtype(), x.device());
  if (out.numel() == 0) return out;
  Reshaped o(out, {N * C, out_h, out_w}), in(x, {N * C, x.size(2), x.size(3)});
  backend_of(x).adaptive_avg_pool2d(o.ref, in.ref);
  return out;
}

Tensor adaptive_avg_pool2d_backward(const Tensor& gy_in, const Shape& s) {
  check_pool_input("adaptive_avg_pool2d_backward", gy_in);
  if (is_16bit(gy_in.dtype())) return cast(adaptive_avg_pool2d_backward(widened(gy_in), s), gy_in.dtype());
  Tensor gy = contiguous(gy_in);
  Tensor gx = empty(s, gy.dtype(), gy.device());
  if (gx.numel() == 0) return gx;
  const int64_t P = s[0] * s[1];
  Reshaped gi(gx, {P, s[2], s[3]}), go(gy, {P, gy.size(2), gy.size(3)});
  backend_of(gy).adaptive_avg_pool2d_backward(gi.ref, go.ref);
  return gx;
}

}  // namespace accmt::native
