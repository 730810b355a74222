#pragma once
// Linear (y = x W^T + b) and Identity.
#include <cstdint>
#include <optional>

#include "nn/module.hpp"
#include "tensor/random.hpp"

namespace accmt::nn {

struct LinearOptions {
  bool bias = true;
  std::optional<DType> dtype = std::nullopt;  // the default dtype (get_default_dtype()) when unset
  Device device = kCPU;
  Generator* generator = nullptr;  // for the initial values; the default generator when null
};

// weight [out_features, in_features] and bias [out_features], initialised like PyTorch:
// kaiming_uniform_(a = sqrt(5)) for the weight, U(-1/sqrt(in), 1/sqrt(in)) for the bias.
// forward accepts [..., in_features] and returns [..., out_features].
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, const LinearOptions& options = {});

  Tensor forward(const Tensor& input) override;
  // Draws the initial values again (weight first, then bias).
  void reset_parameters(Generator* gen = nullptr);

  std::string type_name() const override { return "Linear"; }
  std::string extra_repr() const override;

  int64_t in_features = 0, out_features = 0;
  // Handles to the registered parameters (bias is undefined with bias = false). They
  // stay valid across to() and load_state_dict(); assigning a new tensor to them does
  // not re-register it.
  Tensor weight, bias;
};

// Returns its input unchanged (a placeholder in Sequential and friends).
class Identity : public Module {
 public:
  Tensor forward(const Tensor& input) override { return input; }
  std::string type_name() const override { return "Identity"; }
};

}  // namespace accmt::nn
