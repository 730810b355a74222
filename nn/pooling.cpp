// Pooling layers: forward through nn::functional, PyTorch-style printing.
#include "nn/pooling.hpp"

#include <sstream>

namespace accmt::nn {

namespace F = functional;

namespace {
// PyTorch prints what the user passed; an equal pair prints as the number.
std::string size_str(const Int2& v) { return v.h == v.w ? std::to_string(v.h) : v.str(); }
}  // namespace

MaxPool2d::MaxPool2d(Int2 k, MaxPool2dOptions o) : kernel_size(k), options(o) {
  ACCMT_CHECK(k.given && k.h > 0 && k.w > 0, "MaxPool2d: kernel_size must be positive, got ", k.str());
  if (!options.stride.given) options.stride = k;
}

std::pair<Tensor, Tensor> MaxPool2d::forward_with_indices(const Tensor& input) {
  return F::max_pool2d_with_indices(input, kernel_size,
                                    {.stride = options.stride, .padding = options.padding,
                                     .dilation = options.dilation, .ceil_mode = options.ceil_mode});
}

Tensor MaxPool2d::forward(const Tensor& input) {
  ACCMT_CHECK(!options.return_indices, "MaxPool2d: return_indices=true returns two tensors; call "
              "forward_with_indices() instead of forward()");
  return forward_with_indices(input).first;
}

std::string MaxPool2d::extra_repr() const {
  std::ostringstream os;
  os << "kernel_size=" << size_str(kernel_size) << ", stride=" << size_str(options.stride)
     << ", padding=" << size_str(options.padding) << ", dilation=" << size_str(options.dilation)
     << ", ceil_mode=" << (options.ceil_mode ? "True" : "False");
  return os.str();
}

AvgPool2d::AvgPool2d(Int2 k, AvgPool2dOptions o) : kernel_size(k), options(o) {
  ACCMT_CHECK(k.given && k.h > 0 && k.w > 0, "AvgPool2d: kernel_size must be positive, got ", k.str());
  ACCMT_CHECK(options.divisor_override >= 0, "AvgPool2d: divisor_override must be positive (or 0 for none), got ",
              options.divisor_override);
  if (!options.stride.given) options.stride = k;
}

Tensor AvgPool2d::forward(const Tensor& input) {
  return F::avg_pool2d(input, kernel_size,
                       {.stride = options.stride, .padding = options.padding, .ceil_mode = options.ceil_mode,
                        .count_include_pad = options.count_include_pad,
                        .divisor_override = options.divisor_override});
}

std::string AvgPool2d::extra_repr() const {
  return "kernel_size=" + size_str(kernel_size) + ", stride=" + size_str(options.stride) +
         ", padding=" + size_str(options.padding);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Int2 size) : output_size(size) {
  ACCMT_CHECK(size.given && size.h > 0 && size.w > 0, "AdaptiveAvgPool2d: output_size must be positive, got ",
              size.str());
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) { return F::adaptive_avg_pool2d(input, output_size); }

std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + size_str(output_size); }

}  // namespace accmt::nn
