#pragma once
// AcceleratorModule: the training logic a user hands to Trainer::fit. Subclass it, set
// `model` (required) and optionally `teacher`, and define training_step and
// validation_step, or one step() used for both. Everything else is optional.
//
//   struct Classifier : accmt::AcceleratorModule {
//     Classifier() { model = std::make_shared<Mlp>(); }
//     Tensor step(data::Batch& b) override {
//       return nn::functional::cross_entropy(model->forward(b["x"]), b["y"]);
//     }
//   };
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "data/collate.hpp"
#include "data/dataloader.hpp"
#include "nn/module.hpp"
#include "optim/lr_scheduler.hpp"
#include "optim/optimizer.hpp"
#include "trainer/metrics.hpp"

namespace accmt {

class Trainer;

// What a validation step returns: the loss, and per metric name the predictions and
// references of this batch (for the module's metrics()).
struct ValidationOutput {
  Tensor loss;
  std::map<std::string, std::pair<Tensor, Tensor>> metrics;
  ValidationOutput() = default;
  ValidationOutput(Tensor l) : loss(std::move(l)) {}  // NOLINT: a bare loss converts
};

class AcceleratorModule {
 public:
  virtual ~AcceleratorModule() = default;

  std::shared_ptr<nn::Module> model;    // required
  std::shared_ptr<nn::Module> teacher;  // optional: frozen, eval mode, moved with the model, never optimised

  // The loss of one training batch (a scalar tensor that requires grad). Default: step().
  virtual Tensor training_step(data::Batch& batch);
  // The loss (and metric inputs) of one validation batch, run without autograd.
  // Default: step().
  virtual ValidationOutput validation_step(data::Batch& batch);
  // One step for both, when training and validation compute the same loss.
  virtual Tensor step(data::Batch& batch);

  // Optional overrides; the defaults return nothing and the Trainer builds its own.
  virtual std::optional<data::CollateFn> collate_fn() { return std::nullopt; }
  virtual std::unique_ptr<optim::Optimizer> get_optimizer() { return nullptr; }
  // steps_per_epoch counts optimizer steps (batches / grad_accumulation_steps, rounded up).
  virtual std::unique_ptr<optim::LRScheduler> get_scheduler(optim::Optimizer& /*optimizer*/,
                                                            int64_t /*steps_per_epoch*/, int64_t /*epochs*/) {
    return nullptr;
  }
  virtual std::shared_ptr<data::DataLoader> get_train_dataloader() { return nullptr; }
  virtual std::shared_ptr<data::DataLoader> get_validation_dataloader() { return nullptr; }
  // Metrics computed after each evaluation from validation_step's metric inputs.
  virtual std::vector<std::shared_ptr<Metric>> metrics() { return {}; }

  // Logs user scalars at the current step (through the Trainer; main process only,
  // every log_every steps like the train loss). Outside fit it is an error.
  void log(const std::map<std::string, double>& values);
  int64_t num_parameters(bool only_trainable = false) const;
  // The device the Trainer placed the model on (cpu outside fit).
  Device device() const { return device_; }

 private:
  friend class Trainer;
  Trainer* trainer_ = nullptr;
  Device device_ = kCPU;
};

}  // namespace accmt
