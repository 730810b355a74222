#pragma once
// Raw front-ends of the fused LayerNorm / RMSNorm kernels (no autograd; see
// autograd/ops_norm.hpp for the differentiable op).
#include "tensor/native.hpp"

namespace accmt::native {

struct LayerNormForward {
  Tensor y;     // x's shape and dtype
  Tensor mean;  // [rows] in the accumulation dtype; undefined for RMSNorm
  Tensor rstd;  // [rows] in the accumulation dtype
};

// Normalises the trailing `normalized_ndim` dims of x (rows = the leading dims). weight and
// bias are optional (undefined) and otherwise have exactly those trailing sizes and x's
// dtype and device. rms: RMSNorm (no centring, no bias).
LayerNormForward layer_norm_forward(const Tensor& x, int64_t normalized_ndim, const Tensor& weight, const Tensor& bias,
                                    double eps, bool rms);

struct LayerNormGrads {
  Tensor dx, dweight, dbias;  // undefined where not requested
};

LayerNormGrads layer_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                   const Tensor& weight, int64_t normalized_ndim, bool need_dx, bool need_dweight,
                                   bool need_dbias);

// The dtype mean/rstd are kept in: float32 for 16-bit inputs, else x's dtype.
DType norm_stat_dtype(DType x);

}  // namespace accmt::native
