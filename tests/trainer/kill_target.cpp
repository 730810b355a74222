// The program tests/trainer/slow/test_kill_resume.cpp kills at random moments: a small
// training run that checkpoints after every batch and resumes from its checkpoint when
// started again. On completion it writes the final parameters and optimizer state to
// <dir>/final.safetensors and exits 0.
//
//   accmt_kill_target DIR
#include <accmt/accmt.hpp>

#include <cstdio>
#include <string>

using namespace accmt;

namespace {

struct Net : AcceleratorModule {
  Net() {
    manual_seed(11);
    auto seq = std::make_shared<nn::Sequential>(nn::Linear(6, 32), nn::ReLU(), nn::Dropout(0.3), nn::Linear(32, 3));
    seq->to(DType::Float64);
    model = seq;
  }
  Tensor step(data::Batch& b) override { return nn::functional::cross_entropy(model->forward(b["x"]), b["y"]); }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: accmt_kill_target DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  try {
    Generator g(1);
    Tensor x = randn({48, 6}, {.dtype = DType::Float64}, &g);
    Tensor y = randint(0, 3, {48}, {.dtype = DType::Int64}, &g);
    auto train = std::make_shared<data::TensorDataset>(std::initializer_list<data::Batch::Item>{{"x", x}, {"y", y}});
    TrainerOptions o;
    o.hps_config = std::string(
        "{epochs: 8, batch_size: 4, optim: {type: AdamW, lr: 0.01}, scheduler: {type: LinearWithWarmup, "
        "warmup_ratio: 0.1}}");
    o.model_path = dir + "/model";
    o.grad_accumulation_steps = 2;
    o.checkpoint_every = "1 steps";
    o.model_saving = {};
    o.resume = true;
    o.verbose = false;
    o.seed = 3;
    o.device = kCPU;
    Net net;
    Trainer trainer(o);
    trainer.fit(net, train);
    nn::StateDict out = net.model->state_dict();
    // The optimizer's state too, through the checkpoint written after the last batch.
    const CheckpointData ck = read_checkpoint(dir + "/checkpoint-model");
    for (const auto& [index, state] : ck.optimizer.state)
      for (const auto& [name, t] : state) out.emplace_back("optimizer." + std::to_string(index) + "." + name, t);
    save_safetensors(dir + "/final.safetensors", out);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "accmt_kill_target: %s\n", e.what());
    return 1;
  }
}
