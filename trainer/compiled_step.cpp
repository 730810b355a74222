// The Trainer's `compile` (see compiled_step.hpp): the warm-up / capture / replay state
// machine and the CUDA-graph StepGraph.
#include "trainer/compiled_step.hpp"

#include "autograd/grad_mode.hpp"
#include "kernels/common/error.hpp"
#include "tensor/cuda.hpp"
#include "tensor/random.hpp"

namespace accmt {

namespace {

class CudaStepGraph final : public StepGraph {
 public:
  explicit CudaStepGraph(int device) : device_(device) {}
  void capture(const std::function<void()>& region) override {
    graph_ = std::make_unique<cuda::Graph>();
    graph_->capture_begin(device_);
    try {
      region();
    } catch (...) {
      graph_.reset();  // ends the capture and makes the previous stream current again
      throw;
    }
    graph_->capture_end();
  }
  void replay() override {
    ACCMT_CHECK(graph_ != nullptr, "StepGraph::replay before a capture");
    graph_->replay();
  }

 private:
  int device_;
  std::unique_ptr<cuda::Graph> graph_;
};

constexpr const char* kBuffersReplaced =
    "a parameter's gradient was replaced after capture (the graphs write the captured buffers)";

StepGraphFactory& test_factory() {
  static StepGraphFactory f;
  return f;
}
int64_t& warmup_steps_setting() {
  static int64_t n = 3;  // like PyTorch's recipe: a few eager iterations before capture
  return n;
}

}  // namespace

std::unique_ptr<StepGraph> make_cuda_step_graph(const Device& device) {
  ACCMT_CHECK(device.is_cuda(), "make_cuda_step_graph: ", device.str(), " is not a CUDA device");
  return std::make_unique<CudaStepGraph>(device.index);
}

namespace detail {
void set_step_graph_factory_for_tests(StepGraphFactory factory, int64_t warmup_steps) {
  test_factory() = std::move(factory);
  warmup_steps_setting() = warmup_steps;
}
const StepGraphFactory& step_graph_factory_for_tests() { return test_factory(); }
int64_t compile_warmup_steps() { return warmup_steps_setting(); }
}  // namespace detail

CompiledStep::CompiledStep(optim::Optimizer& optimizer, std::vector<Tensor> params, Device device,
                           StepGraphFactory factory, int64_t warmup_steps, Work work)
    : optimizer_(optimizer),
      params_(std::move(params)),
      device_(device),
      factory_(std::move(factory)),
      warmup_steps_(warmup_steps),
      work_(std::move(work)),
      had_grad_(params_.size(), false) {
  ACCMT_CHECK(warmup_steps_ >= 1, "compile: the warm-up needs at least one optimizer step, got ", warmup_steps_);
  if (!optimizer_.supports_capturable()) {
    turn_off(optimizer_.name() + " has no capturable step (Adam, AdamW and SGD have one)");
    return;
  }
  optimizer_.set_capturable(true);
}

CompiledStep::~CompiledStep() {
  // Outputs of the graphs first: their memory belongs to the graphs' pools.
  static_loss_ = Tensor();
  static_norm_ = Tensor();
}

Tensor CompiledStep::eager_micro(const data::Batch& batch) {
  data::Batch on_device = batch.to(device_);
  return work_.micro(on_device);
}

CompiledStep::Signature CompiledStep::signature_of(const data::Batch& batch) {
  Signature sig;
  for (const auto& [name, t] : batch) sig.emplace_back(name, t.sizes(), t.dtype());
  return sig;
}

void CompiledStep::copy_into_static(const data::Batch& batch) {
  NoGradGuard no_grad;
  auto a = batch.begin();
  for (auto b = static_batch_.begin(); b != static_batch_.end(); ++a, ++b) b->second.copy_(a->second);
}

bool CompiledStep::buffers_intact() const {
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor g = params_[i].grad();
    if (buffers_[i].defined() ? !(g.defined() && g.is_same(buffers_[i])) : g.defined()) return false;
  }
  return true;
}

Tensor CompiledStep::micro_step(const data::Batch& batch, bool first_of_group) {
  if (state_ == State::Off) return eager_micro(batch);
  if (state_ == State::Warmup) {
    // Capture a batch shaped like the one before it, so a short last batch is not what
    // every later batch has to match.
    Signature current = signature_of(batch);
    const bool usual_shape = !current.empty() && current == last_signature_;
    last_signature_ = std::move(current);
    if (eager_updates_ < warmup_steps_ || !first_of_group || !usual_shape) return eager_micro(batch);
    if (!capture_micro(batch)) return eager_micro(batch);
  } else {
    if (signature_of(batch) != last_signature_) return eager_micro(batch);  // the captured one
    if (!buffers_intact()) {
      turn_off(kBuffersReplaced);
      return eager_micro(batch);
    }
    copy_into_static(batch);
  }
  micro_graph_->replay();
  ++replays_;
  return static_loss_;
}

Tensor CompiledStep::update() {
  if (state_ == State::Off) return work_.update();
  if (state_ == State::Warmup) {
    for (size_t i = 0; i < params_.size(); ++i) had_grad_[i] = params_[i].grad().defined();
    Tensor norm = work_.update();
    ++eager_updates_;
    return norm;
  }
  if (!buffers_intact()) {
    turn_off(kBuffersReplaced);
    return work_.update();
  }
  if (!update_graph_ && !capture_update()) return work_.update();
  optimizer_.upload_hyperparameters();  // a scheduler step since the last replay
  update_graph_->replay();
  ++replays_;
  return static_norm_;
}

bool CompiledStep::capture_micro(const data::Batch& batch) {
  {
    NoGradGuard no_grad;  // setup only: the captured step itself runs with autograd on
    // The gradient buffers: what set_to_none = false left, or new zeros for the parameters
    // that had gradients in warm-up; the captured backward adds into them in place.
    buffers_.assign(params_.size(), Tensor());
    for (size_t i = 0; i < params_.size(); ++i) {
      Tensor g = params_[i].grad();
      if (!g.defined() && had_grad_[i]) {
        g = zeros_like(params_[i]);
        params_[i].set_grad(g);
      }
      buffers_[i] = g;
    }
    // Buffers of the graph's own: the loader's tensors are not kept.
    static_batch_ = data::Batch();
    for (const auto& [name, t] : batch) static_batch_.set(name, t.to(device_).clone());
  }
  if (!record(micro_graph_, [this] { static_loss_ = work_.micro(static_batch_); }, "the training step")) return false;
  if (!buffers_intact()) {
    abandon_capture(
        "a parameter without a gradient in the warm-up steps received one in the captured step (the graphs need "
        "the same parameters to get gradients in every step)");
    return false;
  }
  state_ = State::Captured;
  return true;
}

bool CompiledStep::capture_update() {
  NoGradGuard no_grad;
  return record(update_graph_, [this] { static_norm_ = work_.update(); }, "the optimizer step");
}

bool CompiledStep::record(std::unique_ptr<StepGraph>& graph, const std::function<void()>& region,
                          const std::string& what) {
  rng_at_capture_ = default_generator().get_state();
  const uint64_t offset = default_generator().offset();
  graph = factory_(device_);
  try {
    graph->capture(region);
  } catch (const std::exception& e) {
    abandon_capture(what + " cannot be captured in a CUDA graph: " + e.what());
    return false;
  }
  if (default_generator().offset() != offset) {
    abandon_capture(what +
                    " draws random numbers from the default generator (dropout, random augmentation): a replayed "
                    "graph would repeat the same draws");
    return false;
  }
  return true;
}

void CompiledStep::abandon_capture(const std::string& why) {
  // On CUDA nothing recorded ran: the buffers still hold what they held, and gradients
  // the recording attached to other parameters are dropped.
  for (size_t i = 0; i < params_.size(); ++i) {
    const Tensor g = params_[i].grad();
    if (buffers_[i].defined()) {
      if (!(g.defined() && g.is_same(buffers_[i]))) params_[i].set_grad(buffers_[i]);
    } else if (g.defined()) {
      params_[i].set_grad(Tensor());
    }
  }
  if (rng_at_capture_.defined()) default_generator().set_state(rng_at_capture_);
  turn_off(why);
}

void CompiledStep::turn_off(const std::string& why) {
  static_loss_ = Tensor();
  static_norm_ = Tensor();
  static_batch_ = data::Batch();
  update_graph_.reset();
  micro_graph_.reset();
  buffers_.clear();
  state_ = State::Off;
  reason_ = why;
}

}  // namespace accmt
