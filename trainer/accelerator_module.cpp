#include "trainer/accelerator_module.hpp"

#include "kernels/common/error.hpp"
#include "trainer/trainer.hpp"

namespace accmt {

Tensor AcceleratorModule::training_step(data::Batch& batch) { return step(batch); }

ValidationOutput AcceleratorModule::validation_step(data::Batch& batch) { return ValidationOutput(step(batch)); }

Tensor AcceleratorModule::step(data::Batch&) {
  throw Error(
      "AcceleratorModule: define training_step (and validation_step, if there is validation data) or step, which "
      "serves both");
}

void AcceleratorModule::log(const std::map<std::string, double>& values) {
  ACCMT_CHECK(trainer_ != nullptr, "AcceleratorModule::log: only available while Trainer::fit runs");
  trainer_->log_user(values);
}

int64_t AcceleratorModule::num_parameters(bool only_trainable) const {
  ACCMT_CHECK(model != nullptr, "AcceleratorModule: `model` is not set");
  return model->num_parameters(only_trainable);
}

}  // namespace accmt
