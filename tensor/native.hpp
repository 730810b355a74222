#pragma once
// Raw op front-ends: argument checks, output shapes and dtypes, allocation, dispatch to
// the device's kernels. No autograd here: autograd/ builds the public, differentiable
// ops on top of these.
#include <utility>
#include <vector>

#include "kernels/backend.hpp"
#include "tensor/tensor_impl.hpp"

namespace accmt::native {

kernels::TensorRef ref(const Tensor& t);
kernels::Backend& backend_of(const Tensor& t);
void check_same_device(const char* op, const std::vector<Tensor>& tensors);
void check_defined(const char* op, const Tensor& t);

Tensor empty(const Shape& sizes, DType dtype, Device device);
// Copies src into dst: broadcasting src to dst's shape, casting, across devices.
void copy_(const Tensor& dst, const Tensor& src);
// t itself when it already has dtype, else a converted copy.
Tensor cast(const Tensor& t, DType dtype);
Tensor contiguous(const Tensor& t);
Tensor clone(const Tensor& t);  // contiguous copy
// A stride-0 view of t at the broadcast shape `sizes` (no autograd record).
Tensor expand(const Tensor& t, const Shape& sizes);
void fill_(const Tensor& t, const Scalar& value);

Tensor unary(ops::Unary op, const Tensor& x);
void unary_out(ops::Unary op, const Tensor& out, const Tensor& x);
// Broadcasts a and b, computes in `compute` dtype, writes a new tensor of `out` dtype
// (bool for comparisons, else equal to `compute`).
Tensor binary(ops::Binary op, const Tensor& a, const Tensor& b, DType compute);
// Writes into `out` (its shape must be the broadcast shape; in-place ops pass self).
void binary_out(ops::Binary op, const Tensor& out, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor clamp(const Tensor& x, const Scalar* lo, const Scalar* hi);

// dims already normalised and unique; empty means all.
Tensor reduce(kernels::Reduce op, const Tensor& x, Shape dims, bool keepdim, DType out_dtype);
Shape reduced_shape(const Shape& sizes, const Shape& dims, bool keepdim);
Shape normalize_dims(const Shape& dims, const Shape& sizes, const char* op);
Tensor softmax(const Tensor& x, int64_t dim, bool log);
// For row kernels: a contiguous copy of x with `dim` moved last (perm receives the order),
// and the inverse, giving a contiguous tensor in the original dim order.
Tensor move_dim_last(const Tensor& x, int64_t dim, Shape& perm);
Tensor move_last_back(const Tensor& y, const Shape& perm);

// Matrix products: 2-D @ 2-D, and batched [B, M, K] @ [B, K, N] where either batch may be 1.
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// A copy of x with src written (or added) at index along dim.
Tensor scatter(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, bool accumulate);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src, const Scalar& alpha);
std::pair<Tensor, Tensor> sort(const Tensor& x, int64_t dim, bool descending, bool stable);
std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k, int64_t dim, bool largest, bool sorted);

}  // namespace accmt::native
