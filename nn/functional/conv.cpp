// Functional convolution and pooling: argument parsing and checks (PyTorch's rules and
// error cases), unbatched inputs, then the differentiable ops of autograd/ops_conv.hpp.
#include "nn/functional/conv.hpp"

#include <sstream>

#include "autograd/ops_conv.hpp"

namespace accmt::nn {

std::string Int2::str() const {
  std::ostringstream os;
  os << "(" << h << ", " << w << ")";
  return os.str();
}

namespace functional {

namespace {

using native::ConvGeometry;

// Adds a batch dim to an unbatched input; `batched_dim` is the batched rank.
Tensor batched(const char* op, const Tensor& x, int64_t batched_dim, bool& squeeze) {
  ACCMT_CHECK(x.defined(), op, ": input is undefined");
  ACCMT_CHECK(x.dim() == batched_dim || x.dim() == batched_dim - 1, op, ": expected a ", batched_dim - 1, "-D (unbatched) or ",
              batched_dim, "-D (batched) input, got ", shape_str(x.sizes()));
  squeeze = x.dim() == batched_dim - 1;
  return squeeze ? x.unsqueeze(0) : x;
}

void check_positive(const char* op, const char* what, const Int2& v) {
  ACCMT_CHECK(v.h > 0 && v.w > 0, op, ": ", what, " must be positive, got ", v.str());
}
void check_non_negative(const char* op, const char* what, const Int2& v) {
  ACCMT_CHECK(v.h >= 0 && v.w >= 0, op, ": ", what, " must be non-negative, got ", v.str());
}

void check_weight(const char* op, const Tensor& x, const Tensor& w) {
  ACCMT_CHECK(w.defined() && w.dim() == 4, op, ": expected a 4-D weight, got ",
              w.defined() ? shape_str(w.sizes()) : std::string("undefined"));
  ACCMT_CHECK(x.dtype() == w.dtype(), op, ": input (", dtype_name(x.dtype()), ") and weight (",
              dtype_name(w.dtype()), ") must have the same dtype");
}

void check_bias(const char* op, const Tensor& bias, int64_t channels, const Tensor& x) {
  if (!bias.defined()) return;
  ACCMT_CHECK(bias.dim() == 1 && bias.size(0) == channels, op, ": expected bias of shape [", channels, "], got ",
              shape_str(bias.sizes()));
  ACCMT_CHECK(bias.dtype() == x.dtype(), op, ": bias (", dtype_name(bias.dtype()), ") must have the input's dtype (",
              dtype_name(x.dtype()), ")");
}

// Convolution output size along one dim; checks the dilated kernel fits the padded input.
int64_t conv_out(int64_t in, int64_t pad_total, int64_t k, int64_t s, int64_t d) {
  return (in + pad_total - d * (k - 1) - 1) / s + 1;
}

// Forward convolution on a batched input with explicit (possibly asymmetric) padding.
Tensor conv_nd(const char* op, const Tensor& x, const Tensor& w, const Tensor& bias, Int2 stride, Int2 pad_begin,
               Int2 pad_end, Int2 dilation, int64_t groups) {
  check_weight(op, x, w);
  ACCMT_CHECK(groups > 0, op, ": groups must be positive, got ", groups);
  check_positive(op, "stride", stride);
  check_positive(op, "dilation", dilation);
  check_non_negative(op, "padding", pad_begin);
  const int64_t C = x.size(1), O = w.size(0);
  ACCMT_CHECK(O % groups == 0, op, ": out_channels (", O, ", weight ", shape_str(w.sizes()),
              ") must be divisible by groups=", groups);
  ACCMT_CHECK(w.size(1) * groups == C, op, ": given groups=", groups, ", weight of size ", shape_str(w.sizes()),
              ", expected input ", shape_str(x.sizes()), " to have ", w.size(1) * groups, " channels, but got ", C,
              " channels instead");
  check_bias(op, bias, O, x);
  const int64_t kh = w.size(2), kw = w.size(3);
  const int64_t ph = x.size(2) + pad_begin.h + pad_end.h, pw = x.size(3) + pad_begin.w + pad_end.w;
  const int64_t ekh = dilation.h * (kh - 1) + 1, ekw = dilation.w * (kw - 1) + 1;
  ACCMT_CHECK(ph >= ekh && pw >= ekw, op, ": padded input size per channel (", ph, " x ", pw,
              ") is smaller than the dilated kernel (", ekh, " x ", ekw, ") for input ", shape_str(x.sizes()),
              " and weight ", shape_str(w.sizes()));
  ConvGeometry g{stride.h, stride.w, pad_begin.h, pad_begin.w, dilation.h, dilation.w, groups};
  return autograd::conv2d(x, w, bias, g, conv_out(x.size(2), pad_begin.h + pad_end.h, kh, stride.h, dilation.h),
                          conv_out(x.size(3), pad_begin.w + pad_end.w, kw, stride.w, dilation.w));
}

// "same"/"valid"/numbers -> begin and end padding for one dim of size k with dilation d.
void resolve_padding(const char* op, const std::string& mode, int64_t numeric, int64_t k, int64_t d, int64_t stride,
                     int64_t& begin, int64_t& end) {
  if (mode.empty()) {
    begin = end = numeric;
  } else if (mode == "valid") {
    begin = end = 0;
  } else if (mode == "same") {
    ACCMT_CHECK(stride == 1, op, ": padding='same' is not supported for strided convolutions (stride ", stride, ")");
    const int64_t total = d * (k - 1);
    begin = total / 2;  // PyTorch puts the odd extra element at the end
    end = total - begin;
  } else {
    throw Error(std::string(op) + ": invalid padding string '" + mode + "', expected 'same' or 'valid'");
  }
}

// PyTorch's pooling output size (floor or ceil mode; the last window must start inside
// the input or the left padding).
int64_t pool_out(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dilation, bool ceil_mode) {
  int64_t num = in + 2 * pad - dilation * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t q = num >= 0 ? num / stride : -((-num + stride - 1) / stride);  // floor division
  int64_t out = q + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

kernels::Window2d pool_window(const char* op, const Tensor& x, Int2 k, Int2 stride, Int2 pad, Int2 dilation,
                              bool ceil_mode) {
  check_positive(op, "kernel_size", k);
  if (!stride.given) stride = k;
  check_positive(op, "stride", stride);
  check_positive(op, "dilation", dilation);
  check_non_negative(op, "padding", pad);
  ACCMT_CHECK(pad.h <= k.h / 2 && pad.w <= k.w / 2, op, ": padding should be at most half of the kernel size, got padding ",
              pad.str(), " and kernel_size ", k.str());
  const int64_t oh = pool_out(x.size(2), k.h, pad.h, stride.h, dilation.h, ceil_mode);
  const int64_t ow = pool_out(x.size(3), k.w, pad.w, stride.w, dilation.w, ceil_mode);
  ACCMT_CHECK(oh > 0 && ow > 0, op, ": input ", shape_str(x.sizes()), " is too small for kernel_size ", k.str(),
              ", stride ", stride.str(), ", padding ", pad.str(), " and dilation ", dilation.str(),
              " (output size ", oh, " x ", ow, ")");
  return {x.size(2), x.size(3), oh, ow, k.h, k.w, stride.h, stride.w, pad.h, pad.w, dilation.h, dilation.w};
}

Tensor unbatch(const Tensor& y, bool squeeze) { return squeeze ? y.squeeze(0) : y; }

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv2dFuncOptions& o) {
  bool sq = false;
  Tensor x = batched("conv2d", input, 4, sq);
  check_weight("conv2d", x, weight);
  Int2 dil = o.dilation, begin, end;
  resolve_padding("conv2d", o.padding.mode, o.padding.size.h, weight.size(2), dil.h, o.stride.h, begin.h, end.h);
  resolve_padding("conv2d", o.padding.mode, o.padding.size.w, weight.size(3), dil.w, o.stride.w, begin.w, end.w);
  return unbatch(conv_nd("conv2d", x, weight, bias, o.stride, begin, end, dil, o.groups), sq);
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const Conv1dFuncOptions& o) {
  bool sq = false;
  Tensor x = batched("conv1d", input, 3, sq);
  ACCMT_CHECK(weight.defined() && weight.dim() == 3, "conv1d: expected a 3-D weight [out, in / groups, k], got ",
              weight.defined() ? shape_str(weight.sizes()) : std::string("undefined"));
  int64_t begin = 0, end = 0;
  resolve_padding("conv1d", o.padding.mode, o.padding.size, weight.size(2), o.dilation, o.stride, begin, end);
  // A 1-D convolution is a 2-D one over a height-1 image.
  Tensor y = conv_nd("conv1d", x.unsqueeze(2), weight.unsqueeze(2), bias, Int2(1, o.stride), Int2(0, begin),
                     Int2(0, end), Int2(1, o.dilation), o.groups);
  return unbatch(y.squeeze(2), sq);
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& w, const Tensor& bias, const ConvTranspose2dFuncOptions& o) {
  const char* op = "conv_transpose2d";
  bool sq = false;
  Tensor x = batched(op, input, 4, sq);
  check_weight(op, x, w);
  ACCMT_CHECK(o.groups > 0, op, ": groups must be positive, got ", o.groups);
  check_positive(op, "stride", o.stride);
  check_positive(op, "dilation", o.dilation);
  check_non_negative(op, "padding", o.padding);
  check_non_negative(op, "output_padding", o.output_padding);
  const int64_t C = x.size(1), G = o.groups;
  ACCMT_CHECK(w.size(0) == C, op, ": weight of size ", shape_str(w.sizes()), " expects input ", shape_str(x.sizes()),
              " to have ", w.size(0), " channels, but got ", C, " channels instead");
  ACCMT_CHECK(C % G == 0, op, ": in_channels (", C, ") must be divisible by groups=", G);
  const int64_t O = w.size(1) * G;
  check_bias(op, bias, O, x);
  const Int2 s = o.stride, p = o.padding, d = o.dilation, op_ = o.output_padding;
  ACCMT_CHECK((op_.h < s.h || op_.h < d.h) && (op_.w < s.w || op_.w < d.w), op, ": output_padding ", op_.str(),
              " must be smaller than either stride ", s.str(), " or dilation ", d.str());
  const int64_t kh = w.size(2), kw = w.size(3);
  const int64_t oh = (x.size(2) - 1) * s.h - 2 * p.h + d.h * (kh - 1) + op_.h + 1;
  const int64_t ow = (x.size(3) - 1) * s.w - 2 * p.w + d.w * (kw - 1) + op_.w + 1;
  ACCMT_CHECK(oh > 0 && ow > 0, op, ": input ", shape_str(x.sizes()), " with weight ", shape_str(w.sizes()),
              ", stride ", s.str(), " and padding ", p.str(), " gives a non-positive output size (", oh, " x ", ow, ")");
  ConvGeometry g{s.h, s.w, p.h, p.w, d.h, d.w, G};
  Tensor y = autograd::conv2d_backward_input(x, w, g, oh, ow);
  if (bias.defined()) y = y + bias.view({1, O, 1, 1});
  return unbatch(y, sq);
}

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Int2 k, const MaxPool2dFuncOptions& o) {
  bool sq = false;
  Tensor x = batched("max_pool2d", input, 4, sq);
  auto w = pool_window("max_pool2d", x, k, o.stride, o.padding, o.dilation, o.ceil_mode);
  auto [y, idx] = autograd::max_pool2d(x, w);
  return {unbatch(y, sq), unbatch(idx, sq)};
}

Tensor max_pool2d(const Tensor& input, Int2 k, const MaxPool2dFuncOptions& o) {
  return max_pool2d_with_indices(input, k, o).first;
}

Tensor avg_pool2d(const Tensor& input, Int2 k, const AvgPool2dFuncOptions& o) {
  bool sq = false;
  Tensor x = batched("avg_pool2d", input, 4, sq);
  ACCMT_CHECK(o.divisor_override >= 0, "avg_pool2d: divisor_override must be positive (or 0 for none), got ",
              o.divisor_override);
  auto w = pool_window("avg_pool2d", x, k, o.stride, o.padding, Int2(1), o.ceil_mode);
  return unbatch(autograd::avg_pool2d(x, w, o.count_include_pad, o.divisor_override), sq);
}

Tensor adaptive_avg_pool2d(const Tensor& input, Int2 output_size) {
  bool sq = false;
  Tensor x = batched("adaptive_avg_pool2d", input, 4, sq);
  check_positive("adaptive_avg_pool2d", "output_size", output_size);
  ACCMT_CHECK(x.size(2) > 0 && x.size(3) > 0, "adaptive_avg_pool2d: expected non-empty spatial dims, got input ",
              shape_str(x.sizes()));
  return unbatch(autograd::adaptive_avg_pool2d(x, output_size.h, output_size.w), sq);
}

}  // namespace functional
}  // namespace accmt::nn
