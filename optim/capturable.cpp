// Capturable optimizer support (see capturable.hpp).
#include "optim/capturable.hpp"

#include "tensor/cuda.hpp"

namespace accmt::optim::capture {

bool capturing(const std::vector<ParamGroup>& groups) {
  for (const ParamGroup& g : groups)
    for (const Tensor& p : g.params)
      if (p.device().is_cuda() && accmt::cuda::is_current_stream_capturing(p.device().index)) return true;
  return false;
}

void HyperCopies::write(size_t group, const ParamGroup& g, const std::vector<double>& values) {
  auto& slots = copies_[group];
  for (const Tensor& p : g.params) {
    const Device d = p.device();
    bool seen = false;
    for (const auto& [dev, t] : slots) seen = seen || dev == d;
    if (!seen) slots.emplace_back(d, empty({int64_t(values.size())}, TensorOptions{.dtype = DType::Float64, .device = d}));
  }
  for (auto& [dev, t] : slots)
    for (size_t i = 0; i < values.size(); ++i) t[int64_t(i)].fill_(values[i]);
}

const Tensor& HyperCopies::at(size_t group, const Device& device, const std::string& opt) const {
  if (group < copies_.size())
    for (const auto& [dev, t] : copies_[group])
      if (dev == device) return t;
  throw Error(accmt::detail::concat(opt, ": no device copy of parameter group ", group, "'s hyper-parameters on ",
                                    device.str(), "; call upload_hyperparameters() or run one eager step() before capturing"));
}

Tensor device_step(std::map<std::string, Tensor>& state, const Tensor& param) {
  Tensor& step = state["step"];
  if (!step.defined())
    step = zeros({}, TensorOptions{.dtype = DType::Float32, .device = param.device()});
  else if (step.device() != param.device() || step.dtype() != DType::Float32)
    step = step.to(param.device(), DType::Float32, /*copy=*/true);
  return step;
}

void check_warm(bool capturing, bool has_state, const std::string& opt) {
  ACCMT_CHECK(!capturing || has_state, opt,
              ": capturable step() during a CUDA graph capture found a parameter without optimizer state; run one "
              "eager step() before capturing so the state exists and is not re-initialised by every replay");
}

}  // namespace accmt::optim::capture
