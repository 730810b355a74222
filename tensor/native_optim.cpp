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
  sgd_step_multi_({SgdOperands{param, grad, momentum_buf}}, args);
}

void adam_step_(const Tensor& param, const Tensor& grad, const Tensor& exp_avg, const Tensor& exp_avg_sq,
                const Tensor& max_exp_avg_sq, const kernels::AdamStepArgs& args) {
  adam_step_multi_({AdamOperands{param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, Tensor()}}, args);
}

namespace {

// The device, dtype and hyper-parameter checks shared by the multi-tensor steps; returns
// the device pointer of `hyper` (null when undefined).
const double* check_list(const char* op, const Tensor& first, const Tensor& hyper, int hyper_count) {
  if (!hyper.defined()) return nullptr;
  ACCMT_CHECK(hyper.dtype() == DType::Float64 && hyper.is_contiguous() && hyper.numel() >= hyper_count, op,
              ": expected a contiguous float64 hyper-parameter tensor of at least ", hyper_count,
              " elements, got dtype ", dtype_name(hyper.dtype()), " and shape ", shape_str(hyper.sizes()));
  ACCMT_CHECK(hyper.device() == first.device(), op, ": the hyper-parameters are on ", hyper.device().str(),
              " but the parameters on ", first.device().str());
  return ref(hyper).ptr<const double>();
}

void check_member(const char* op, const Tensor& first, const Tensor& param) {
  ACCMT_CHECK(param.device() == first.device() && param.dtype() == first.dtype(),
              op, ": every parameter of one call needs the same device and dtype, got ", param.device().str(), " ",
              dtype_name(param.dtype()), " and ", first.device().str(), " ", dtype_name(first.dtype()));
}

void check_counter(const char* op, const Tensor& first, const Tensor& step) {
  check_defined(op, step);
  ACCMT_CHECK(step.dtype() == DType::Float32 && step.numel() == 1 && step.device() == first.device(), op,
              ": a step counter must be one float32 element on the parameters' device ", first.device().str(),
              ", got dtype ", dtype_name(step.dtype()), " shape ", shape_str(step.sizes()), " on ",
              step.device().str());
}

void* data_of(const Tensor& t) { return ref(t).data; }

}  // namespace

void sgd_step_multi_(const std::vector<SgdOperands>& list, const kernels::SgdStepArgs& args, const Tensor& hyper) {
  if (list.empty()) return;
  const char* op = "sgd_step_multi_";
  const Tensor& first = list.front().param;
  check_defined(op, first);
  const double* h = check_list(op, first, hyper, kernels::kSgdHyperCount);
  const bool with_buf = args.momentum != 0;
  std::vector<std::vector<Tensor>> used;
  std::vector<kernels::MultiTensorEntry> entries;
  used.reserve(list.size());
  entries.reserve(list.size());
  for (const SgdOperands& e : list) {
    std::vector<Tensor> ops{e.grad};
    if (with_buf) ops.push_back(e.momentum_buf);
    used.push_back(prepare(op, e.param, ops));
    check_member(op, first, e.param);
    const auto& c = used.back();
    kernels::MultiTensorEntry m;
    m.param = data_of(c[0]);
    m.grad = data_of(c[1]);
    if (with_buf) m.state[0] = data_of(c[2]);
    m.numel = c[0].numel();
    entries.push_back(m);
  }
  backend_of(first).sgd_step_multi({entries.data(), entries.size(), first.dtype(), first.device().index, h}, args);
  for (size_t i = 0; i < list.size(); ++i) {
    write_back(list[i].param, used[i][0]);
    if (with_buf) write_back(list[i].momentum_buf, used[i][2]);
  }
}

void adam_step_multi_(const std::vector<AdamOperands>& list, const kernels::AdamStepArgs& args, const Tensor& hyper) {
  if (list.empty()) return;
  const char* op = "adam_step_multi_";
  const Tensor& first = list.front().param;
  check_defined(op, first);
  const double* h = check_list(op, first, hyper, kernels::kAdamHyperCount);
  std::vector<std::vector<Tensor>> used;
  std::vector<kernels::MultiTensorEntry> entries;
  used.reserve(list.size());
  entries.reserve(list.size());
  for (const AdamOperands& e : list) {
    std::vector<Tensor> ops{e.grad, e.exp_avg, e.exp_avg_sq};
    if (args.amsgrad) ops.push_back(e.max_exp_avg_sq);
    used.push_back(prepare(op, e.param, ops));
    check_member(op, first, e.param);
    const auto& c = used.back();
    kernels::MultiTensorEntry m;
    m.param = data_of(c[0]);
    m.grad = data_of(c[1]);
    m.state[0] = data_of(c[2]);
    m.state[1] = data_of(c[3]);
    if (args.amsgrad) m.state[2] = data_of(c[4]);
    if (h) {
      check_counter(op, first, e.step);
      m.step = ref(e.step).ptr<const float>();
    }
    m.numel = c[0].numel();
    entries.push_back(m);
  }
  backend_of(first).adam_step_multi({entries.data(), entries.size(), first.dtype(), first.device().index, h}, args);
  for (size_t i = 0; i < list.size(); ++i) {
    write_back(list[i].param, used[i][0]);
    write_back(list[i].exp_avg, used[i][2]);
    write_back(list[i].exp_avg_sq, used[i][3]);
    if (args.amsgrad) write_back(list[i].max_exp_avg_sq, used[i][4]);
  }
}

void increment_counters_(const std::vector<Tensor>& counters) {
  if (counters.empty()) return;
  const char* op = "increment_counters_";
  std::vector<float*> ptrs;
  ptrs.reserve(counters.size());
  for (const Tensor& t : counters) {
    check_counter(op, counters.front(), t);
    ptrs.push_back(ref(t).ptr<float>());
  }
  backend_of(counters.front()).increment_counters(ptrs.data(), ptrs.size(), counters.front().device().index);
}

}  // namespace accmt::native
