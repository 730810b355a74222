// Fused optimizer front-ends (see native_optim.hpp).
#include "tensor/native_optim.hpp"

#include <vector>

#include "tensor/native.hpp"

namespace accmt::native {

namespace {

// Checks every operand against the parameter; returns contiguous stand-ins.
std::vector<Tensor> prepare(const char* op, const Tensor& param, const std::vector<Tensor>& operands) {
  check_defined(op, param);
  ACCMT_CHECK(param.is_floating_point(), op, ": expected a floating parameter, got ", dtype_name(param.dtype()));
  std::vector<Tensor> out{param};
  for (const Tensor& t : operands) {
    check_defined(op, t);
    ACCMT_CHECK(t.sizes() == param.sizes(), op, ": operand of shape ", shape_str(t.sizes()),
                " does not match the parameter's shape ", shape_str(param.sizes()));
    ACCMT_CHECK(t.dtype() == param.dtype(), op, ": operand of dtype ", dtype_name(t.dtype()),
                " does not match the parameter's dtype ", dtype_name(param.dtype()));
    out.push_back(t);
  }
  check_same_device(op, out);
  for (Tensor& t : out)
    if (!t.is_contiguous()) t = contiguous(t);
  return out;
}

void write_back(const Tensor& dst, const Tensor& used) {
  if (!used.is_same(dst)) copy_(dst, used);
}

}  // namespace

void sgd_step_(const Tensor& param, const Tensor& grad, const Tensor& momentum_buf, const kernels::SgdStepArgs& args) {
  const bool with_buf = args.momentum != 0;
  std::vector<Tensor> ops{grad};
  if (with_buf) ops.push_back(momentum_buf);
  auto c = prepare("sgd_step_", param, ops);
  kernels::TensorRef none;
  backend_of(param).sgd_step(ref(c[0]), ref(c[1]), with_buf ? ref(c[2]) : none, args);
  write_back(param, c[0]);
  if (with_buf) write_back(momentum_buf, c[2]);
}

void adam_step_(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const Tensor& max_exp_avg_sq, const kernels::AdamStepArgs& args) {
  std::vector<Tensor> ops{grad, exp_avg, exp_avg_sq};
  if (args.amsgrad) ops.push_back(max_exp_avg_sq);
  auto c = prepare("adam_step_", param, ops);
  kernels::TensorRef none;
  backend_of(param).adam_step(ref(c[0]), ref(c[1]), ref(c[2]), ref(c[3]), args.amsgrad ? ref(c[4]) : none, args);
  write_back(param, c[0]);
  write_back(exp_avg, c[2]);
  write_back(exp_avg_sq, c[3]);
  if (args.amsgrad) write_back(max_exp_avg_sq, c[4]);
}

}  // namespace accmt::native
