#pragma once
// Normalisation layers with PyTorch's arguments, defaults, parameter/buffer names
// (weight, bias, running_mean, running_var, num_batches_tracked) and printed form.
#include <optional>

#include "nn/functional/normalization.hpp"
#include "nn/module.hpp"

namespace accmt::nn {

struct LayerNormOptions {
  double eps = 1e-5;
  bool elementwise_affine = true;  // learnable weight (ones) and bias (zeros)
  bool bias = true;                // with elementwise_affine: whether there is a bias
};

class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, LayerNormOptions options = {});
  explicit LayerNorm(int64_t normalized_size, LayerNormOptions options = {})
      : LayerNorm(Shape{normalized_size}, options) {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "LayerNorm"; }
  std::string extra_repr() const override;

  Shape normalized_shape;
  LayerNormOptions options;
  Tensor weight, bias;  // undefined when absent
};

struct RMSNormOptions {
  std::optional<double> eps = std::nullopt;       // nullopt: the input dtype's machine epsilon
  bool elementwise_affine = true;  // learnable weight (ones)
};

class RMSNorm : public Module {
 public:
  explicit RMSNorm(Shape normalized_shape, RMSNormOptions options = {});
  explicit RMSNorm(int64_t normalized_size, RMSNormOptions options = {}) : RMSNorm(Shape{normalized_size}, options) {}
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "RMSNorm"; }
  std::string extra_repr() const override;

  Shape normalized_shape;
  RMSNormOptions options;
  Tensor weight;
};

struct GroupNormOptions {
  double eps = 1e-5;
  bool affine = true;  // learnable per-channel weight (ones) and bias (zeros)
};

class GroupNorm : public Module {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, GroupNormOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string type_name() const override { return "GroupNorm"; }
  std::string extra_repr() const override;

  int64_t num_groups, num_channels;
  GroupNormOptions options;
  Tensor weight, bias;
};

struct BatchNormOptions {
  double eps = 1e-5;
  // Weight of the new batch statistic in the running averages; nullopt gives the
  // cumulative moving average (1 / num_batches_tracked).
  std::optional<double> momentum = 0.1;
  bool affine = true;
  // Keep running statistics (used in eval mode); without them batch statistics are
  // always used.
  bool track_running_stats = true;
};

// Shared by BatchNorm1d and BatchNorm2d; they differ only in the input ranks they accept.
class BatchNormBase : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_running_stats();

  int64_t num_features;
  BatchNormOptions options;
  Tensor weight, bias;                                   // undefined without affine
  Tensor running_mean, running_var, num_batches_tracked;  // undefined without tracking

 protected:
  BatchNormBase(int64_t num_features, BatchNormOptions options);
  virtual void check_input_dim(const Tensor& input) const = 0;
};

// Input [N, C] or [N, C, L].
class BatchNorm1d : public BatchNormBase {
 public:
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {}) : BatchNormBase(num_features, options) {}
  std::string type_name() const override { return "BatchNorm1d"; }

 protected:
  void check_input_dim(const Tensor& input) const override;
};

// Input [N, C, H, W].
class BatchNorm2d : public BatchNormBase {
 public:
  explicit BatchNorm2d(int64_t num_features, BatchNormOptions options = {}) : BatchNormBase(num_features, options) {}
  std::string type_name() const override { return "BatchNorm2d"; }

 protected:
  void check_input_dim(const Tensor& input) const override;
};

}  // namespace accmt::nn
