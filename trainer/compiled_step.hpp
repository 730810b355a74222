#pragma once
// The Trainer's `compile` on CUDA. After a few eager warm-up optimizer steps, the two
// halves of a training step are captured as CUDA graphs and replayed from then on:
//   micro-step: forward and backward of one micro-batch of a full accumulation group,
//     adding into gradient buffers that stay in place for the rest of the fit;
//   update: gradient all-reduce, clipping (or the Monitor's grad norm), the optimizer
//     step in capturable mode, zeroing the gradient buffers (kept, not set to None).
// Batches are copied into the buffers the capture read; a batch with other names, shapes
// or dtypes (a short last batch) and the micro-steps of a short trailing group run
// eagerly against the same gradient buffers, so results do not depend on which path ran.
// A step that cannot be replayed faithfully is not: a host sync inside it (the capture
// fails), random draws from the default generator (a replay would repeat them),
// parameters that get gradients only after warm-up, or an optimizer without a capturable
// step. Then compile is off for the rest of the fit and reason() says why.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "data/batch.hpp"
#include "optim/optimizer.hpp"
#include "tensor/tensor.hpp"

namespace accmt {

// A captured region of work, replayed as recorded.
class StepGraph {
 public:
  virtual ~StepGraph() = default;
  // Records `region` (on CUDA nothing runs until replay). Throws when it cannot be
  // recorded; the graph is then unusable.
  virtual void capture(const std::function<void()>& region) = 0;
  virtual void replay() = 0;
};
using StepGraphFactory = std::function<std::unique_ptr<StepGraph>(const Device&)>;

// CUDA graphs (accmt::cuda::Graph) on `device`.
std::unique_ptr<StepGraph> make_cuda_step_graph(const Device& device);

class CompiledStep {
 public:
  // micro: forward and (scaled) backward of one micro-batch on the device; returns the
  // detached loss. update: the optimizer-step half; returns the gradient norm to log
  // (undefined when none is computed). Both are called eagerly or under capture.
  struct Work {
    std::function<Tensor(data::Batch&)> micro;
    std::function<Tensor()> update;
  };

  CompiledStep(optim::Optimizer& optimizer, std::vector<Tensor> params, Device device, StepGraphFactory factory,
               int64_t warmup_steps, Work work);
  ~CompiledStep();

  // One micro-step of `batch` (on the host or the device) in a group of the full
  // accumulation size (the caller runs a short trailing group's micro-steps eagerly, as
  // their loss scale differs); first_of_group: the group's first micro-step.
  Tensor micro_step(const data::Batch& batch, bool first_of_group);
  // The group's optimizer-step half.
  Tensor update();

  // After capture the gradients stay allocated: the update zeroes them instead of
  // dropping them, whatever set_to_none says.
  bool keeps_gradient_buffers() const { return state_ != State::Warmup && state_ != State::Off; }
  // Empty while compile is on; otherwise why the fit runs eagerly.
  const std::string& reason() const { return reason_; }
  int64_t replays() const { return replays_; }

 private:
  enum class State { Warmup, Captured, Off };
  Tensor eager_micro(const data::Batch& batch);
  // Names, shapes and dtypes: what a replay needs to be the same.
  using Signature = std::vector<std::tuple<std::string, Shape, DType>>;
  static Signature signature_of(const data::Batch& batch);
  void copy_into_static(const data::Batch& batch);
  bool capture_micro(const data::Batch& batch);
  bool capture_update();
  // Captures `region` into a new graph from the factory; on failure or random draws the
  // capture is abandoned (compile off, reason naming `what`) and false returned.
  bool record(std::unique_ptr<StepGraph>& graph, const std::function<void()>& region, const std::string& what);
  // Drops the graphs (restoring the gradient buffers and the generator) and turns compile off.
  void turn_off(const std::string& why);
  // A capture failed or cannot be replayed: gradients and the generator go back to how
  // they were before it, then compile is off.
  void abandon_capture(const std::string& why);
  // Whether every gradient is still the buffer the graphs write.
  bool buffers_intact() const;

  optim::Optimizer& optimizer_;
  std::vector<Tensor> params_;
  Device device_;
  StepGraphFactory factory_;
  int64_t warmup_steps_;
  Work work_;

  State state_ = State::Warmup;
  std::string reason_;
  int64_t eager_updates_ = 0, replays_ = 0;
  std::vector<bool> had_grad_;   // per parameter, at the latest warm-up update
  std::vector<Tensor> buffers_;  // per parameter: its gradient buffer (undefined: none)
  data::Batch static_batch_;
  Signature last_signature_;  // the previous warm-up micro-batch's; after capture, the captured one
  Tensor static_loss_, static_norm_;
  std::unique_ptr<StepGraph> micro_graph_, update_graph_;
  Tensor rng_at_capture_;
};

namespace detail {
// Tests only: run `compile` with this graph factory and warm-up length on any device
// (a recording fake on the CPU exercises the controller); an empty factory restores
// the default (CUDA graphs on CUDA, no effect on the CPU).
void set_step_graph_factory_for_tests(StepGraphFactory factory, int64_t warmup_steps);
const StepGraphFactory& step_graph_factory_for_tests();
int64_t compile_warmup_steps();
}  // namespace detail

}  // namespace accmt
