// Convolution layers: argument checks at construction, PyTorch's default init, forward
// through nn::functional, and PyTorch's extra_repr.
#include "nn/conv.hpp"

#include <cmath>
#include <sstream>

namespace accmt::nn {

namespace F = functional;

namespace {

void check_channels(const char* layer, int64_t in, int64_t out, int64_t groups) {
  ACCMT_CHECK(in > 0 && out > 0, layer, ": in_channels and out_channels must be positive, got ", in, " and ", out);
  ACCMT_CHECK(groups > 0, layer, ": groups must be a positive integer, got ", groups);
  ACCMT_CHECK(in % groups == 0, layer, ": in_channels (", in, ") must be divisible by groups (", groups, ")");
  ACCMT_CHECK(out % groups == 0, layer, ": out_channels (", out, ") must be divisible by groups (", groups, ")");
}

void check_padding_mode(const char* layer, const std::string& mode) {
  if (mode == "zeros") return;
  ACCMT_CHECK(mode != "reflect" && mode != "replicate" && mode != "circular", layer, ": padding_mode '", mode,
              "' is not available in accmt; only 'zeros' padding is supported");
  throw Error(std::string(layer) + ": padding_mode must be one of 'zeros', 'reflect', 'replicate' or 'circular', got '" +
              mode + "'");
}

void check_padding_string(const char* layer, const std::string& mode, bool strided) {
  if (mode.empty()) return;
  ACCMT_CHECK(mode == "same" || mode == "valid", layer, ": invalid padding string '", mode,
              "', expected 'same' or 'valid'");
  ACCMT_CHECK(!(mode == "same" && strided), layer, ": padding='same' is not supported for strided convolutions");
}

// PyTorch's reset_parameters: kaiming_uniform_(a=sqrt(5)) gives bound 1/sqrt(fan_in) for
// the weight, and the bias uses the same bound. fan_in = weight.size(1) * kernel area.
void init_params(Tensor& weight, Tensor& bias, Generator* gen) {
  int64_t fan_in = weight.size(1);
  for (int64_t d = 2; d < weight.dim(); ++d) fan_in *= weight.size(d);
  const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  weight.uniform_(-bound, bound, gen);
  if (bias.defined()) bias.uniform_(-bound, bound, gen);
}

// PyTorch prints tuples: (3,) for 1-D and (3, 3) for 2-D.
std::string tuple1(int64_t v) {
  std::ostringstream os;  // (string + string chains trip a GCC 12 -Wrestrict false positive)
  os << "(" << v << ",)";
  return os.str();
}

}  // namespace

// ---- Conv1d

Conv1d::Conv1d(int64_t in, int64_t out, int64_t k, Conv1dOptions o)
    : in_channels(in), out_channels(out), kernel_size(k), options(std::move(o)) {
  check_channels("Conv1d", in, out, options.groups);
  ACCMT_CHECK(k > 0, "Conv1d: kernel_size must be positive, got ", k);
  check_padding_mode("Conv1d", options.padding_mode);
  check_padding_string("Conv1d", options.padding.mode, options.stride != 1);
  const DType dt = options.dtype.value_or(get_default_dtype());
  Tensor w = empty({out, in / options.groups, k}, {.dtype = dt});
  Tensor b = options.bias ? empty({out}, {.dtype = dt}) : Tensor();
  init_params(w, b, options.generator);
  weight = register_parameter("weight", w);
  bias = register_parameter("bias", b);
}

Tensor Conv1d::forward(const Tensor& input) {
  return F::conv1d(input, weight, bias, {.stride = options.stride, .padding = options.padding,
                                         .dilation = options.dilation, .groups = options.groups});
}

std::string Conv1d::extra_repr() const {
  std::ostringstream os;
  os << in_channels << ", " << out_channels << ", kernel_size=" << tuple1(kernel_size)
     << ", stride=" << tuple1(options.stride);
  if (!options.padding.mode.empty()) os << ", padding=" << options.padding.mode;
  else if (options.padding.size != 0) os << ", padding=" << tuple1(options.padding.size);
  if (options.dilation != 1) os << ", dilation=" << tuple1(options.dilation);
  if (options.groups != 1) os << ", groups=" << options.groups;
  if (!options.bias) os << ", bias=False";
  return os.str();
}

// ---- Conv2d

Conv2d::Conv2d(int64_t in, int64_t out, Int2 k, Conv2dOptions o)
    : in_channels(in), out_channels(out), kernel_size(k), options(std::move(o)) {
  check_channels("Conv2d", in, out, options.groups);
  ACCMT_CHECK(k.h > 0 && k.w > 0, "Conv2d: kernel_size must be positive, got ", k.str());
  check_padding_mode("Conv2d", options.padding_mode);
  check_padding_string("Conv2d", options.padding.mode, options.stride.h != 1 || options.stride.w != 1);
  const DType dt = options.dtype.value_or(get_default_dtype());
  Tensor w = empty({out, in / options.groups, k.h, k.w}, {.dtype = dt});
  Tensor b = options.bias ? empty({out}, {.dtype = dt}) : Tensor();
  init_params(w, b, options.generator);
  weight = register_parameter("weight", w);
  bias = register_parameter("bias", b);
}

Tensor Conv2d::forward(const Tensor& input) {
  return F::conv2d(input, weight, bias, {.stride = options.stride, .padding = options.padding,
                                         .dilation = options.dilation, .groups = options.groups});
}

std::string Conv2d::extra_repr() const {
  std::ostringstream os;
  os << in_channels << ", " << out_channels << ", kernel_size=" << kernel_size.str()
     << ", stride=" << options.stride.str();
  if (!options.padding.mode.empty()) os << ", padding=" << options.padding.mode;
  else if (options.padding.size.h != 0 || options.padding.size.w != 0) os << ", padding=" << options.padding.size.str();
  if (options.dilation.h != 1 || options.dilation.w != 1) os << ", dilation=" << options.dilation.str();
  if (options.groups != 1) os << ", groups=" << options.groups;
  if (!options.bias) os << ", bias=False";
  return os.str();
}

// ---- ConvTranspose2d

ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, Int2 k, ConvTranspose2dOptions o)
    : in_channels(in), out_channels(out), kernel_size(k), options(std::move(o)) {
  check_channels("ConvTranspose2d", in, out, options.groups);
  ACCMT_CHECK(k.h > 0 && k.w > 0, "ConvTranspose2d: kernel_size must be positive, got ", k.str());
  const DType dt = options.dtype.value_or(get_default_dtype());
  Tensor w = empty({in, out / options.groups, k.h, k.w}, {.dtype = dt});
  Tensor b = options.bias ? empty({out}, {.dtype = dt}) : Tensor();
  init_params(w, b, options.generator);
  weight = register_parameter("weight", w);
  bias = register_parameter("bias", b);
}

Tensor ConvTranspose2d::forward(const Tensor& input) {
  return F::conv_transpose2d(input, weight, bias,
                             {.stride = options.stride, .padding = options.padding,
                              .output_padding = options.output_padding, .groups = options.groups,
                              .dilation = options.dilation});
}

Tensor ConvTranspose2d::forward(const Tensor& input, const std::vector<int64_t>& output_size) {
  ACCMT_CHECK(input.defined() && (input.dim() == 3 || input.dim() == 4),
              "ConvTranspose2d: expected a 3-D or 4-D input, got ",
              input.defined() ? shape_str(input.sizes()) : std::string("an undefined tensor"));
  ACCMT_CHECK(output_size.size() == 2 || output_size.size() == 4,
              "ConvTranspose2d: output_size must have 2 numbers (height, width) or 4 (with batch and channels), got ",
              output_size.size());
  const int64_t in[2] = {input.size(-2), input.size(-1)};
  const int64_t want[2] = {output_size[output_size.size() - 2], output_size[output_size.size() - 1]};
  const int64_t stride[2] = {options.stride.h, options.stride.w}, pad[2] = {options.padding.h, options.padding.w},
                dil[2] = {options.dilation.h, options.dilation.w}, k[2] = {kernel_size.h, kernel_size.w};
  int64_t extra[2];
  for (int d = 0; d < 2; ++d) {
    const int64_t smallest = (in[d] - 1) * stride[d] - 2 * pad[d] + dil[d] * (k[d] - 1) + 1;
    const int64_t largest = smallest + stride[d] - 1;
    ACCMT_CHECK(want[d] >= smallest && want[d] <= largest, "ConvTranspose2d: requested an output size of [", want[0],
                ", ", want[1], "], but valid sizes for ", d == 0 ? "height" : "width", " range from ", smallest,
                " to ", largest, " (for an input of ", shape_str(input.sizes()), ")");
    extra[d] = want[d] - smallest;
  }
  return F::conv_transpose2d(input, weight, bias,
                             {.stride = options.stride, .padding = options.padding,
                              .output_padding = Int2(extra[0], extra[1]), .groups = options.groups,
                              .dilation = options.dilation});
}

std::string ConvTranspose2d::extra_repr() const {
  std::ostringstream os;
  os << in_channels << ", " << out_channels << ", kernel_size=" << kernel_size.str()
     << ", stride=" << options.stride.str();
  if (options.padding.h != 0 || options.padding.w != 0) os << ", padding=" << options.padding.str();
  if (options.dilation.h != 1 || options.dilation.w != 1) os << ", dilation=" << options.dilation.str();
  if (options.output_padding.h != 0 || options.output_padding.w != 0)
    os << ", output_padding=" << options.output_padding.str();
  if (options.groups != 1) os << ", groups=" << options.groups;
  if (!options.bias) os << ", bias=False";
  return os.str();
}

}  // namespace accmt::nn
