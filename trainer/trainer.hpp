#pragma once
// Trainer: the training loop of upstream accmt's Trainer (seed/trainer.md is the contract),
// with its arguments as an options struct:
//
//   accmt::Trainer trainer({.hps_config = "hps.yaml", .model_path = "models/mlp",
//                           .evaluate_every_n_steps = 100, .clip_grad = 1.0});
//   trainer.fit(module, train_dataset, val_dataset);
//
// Counting (as upstream): global_step counts batches, i.e. calls of training_step, and so
// do evaluate_every_n_steps and checkpoint_every "N steps". log_every counts optimizer
// steps: the train loss is reported every log_every * grad_accumulation_steps batches as
// the mean over that window. Without evaluate_every_n_steps the model is evaluated at the
// end of every epoch; with it, every N batches, plus once at the end when eval_when_finish
// (unless the last batch just evaluated).
//
// Gradient accumulation: each loss is divided by the size of its group (grad_accumulation_steps,
// or the smaller size of an epoch's trailing group), so a group of N micro-batches makes the
// same update as one batch N times larger; the trailing group of an epoch still steps. On a
// group's last micro-batch: clip (global L2 norm) when clip_grad, optimizer step, scheduler
// step, zero_grad(set_to_none).
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "data/dataloader.hpp"
#include "data/sampler.hpp"
#include "trainer/accelerator_module.hpp"
#include "trainer/handlers.hpp"
#include "trainer/hyperparameters.hpp"
#include "trainer/model_saving.hpp"
#include "trainer/monitor.hpp"
#include "trainer/process_group.hpp"
#include "trainer/schedule_spec.hpp"
#include "trainer/tracker.hpp"

namespace accmt {

struct TrainerOptions {
  // A .yaml/.yml/.json path, YAML text ("{epochs: 2, optim: {type: SGD, lr: 0.1}}"), or
  // HyperParameters built in code.
  std::variant<std::string, HyperParameters> hps_config;
  std::string model_path;                     // required: where models are saved
  std::optional<std::string> track_name;      // default: model_path's folder name
  std::optional<std::string> checkpoint;      // default: "checkpoint-" + model_path's folder name, beside it
  bool resume = false;                        // continue from the checkpoint when it exists (exactly)
  // One or several of best_valid_loss, best_train_loss, always, best_<metric> (or the bare
  // metric name); empty or {"none"} disables saving.
  std::vector<std::string> model_saving = {"best_valid_loss"};
  std::optional<int64_t> evaluate_every_n_steps;
  std::optional<std::string> checkpoint_every = "epoch";  // nullopt disables checkpointing
  std::string logging_dir = "logs";
  std::vector<std::string> log_with;          // trackers: CSV, JSONL, TensorBoard (trainer/tracker.hpp)
  int64_t log_every = 1;
  std::optional<int64_t> grad_accumulation_steps;
  std::optional<double> clip_grad;
  bool set_to_none = true;
  bool shuffle_train = true;
  bool shuffle_validation = false;
  std::shared_ptr<const data::Sampler> sampler;  // for the train loader (excludes shuffle_train)
  std::optional<double> model_saving_below;
  std::optional<double> model_saving_above;
  data::CollateFn collate_fn;                 // one function or a list; the module's collate_fn wins
  std::string max_shard_size = "10GB";
  bool safe_serialization = false;
  bool compile = false;
  std::string train_loss_metric_name = "train_loss";
  std::string val_loss_metric_name = "val_loss";
  bool dataloader_pin_memory = true;
  int dataloader_num_workers = 0;
  bool report_loss_after_eval = true;
  std::vector<Handler> handlers;
  bool eval_when_finish = true;
  bool eval_when_start = false;
  bool verbose = true;
  // Which values are logged: a Monitor, or a YAML map of its flags ("{grad_norm: true}").
  std::variant<Monitor, std::string> monitor = Monitor{};
  std::map<std::string, std::string> tracker_options;  // upstream's **kwargs for the trackers
  std::optional<uint64_t> seed;               // seeds the default generator and the loaders
  std::optional<Device> device;               // default: cuda:0 when a GPU is present, else cpu
};

// One logged scalar (what trackers receive).
struct LogRecord {
  std::string name;
  double value;
  int64_t step;
};

struct FitResult {
  int64_t global_step = 0;       // batches trained
  int64_t optimizer_steps = 0;
  int64_t evaluations = 0;
  bool interrupted = false;      // stopped by SIGINT/SIGTERM under the Keyboard handler
  std::vector<std::string> saved;  // folders models were saved to, in order
  // compile: graph replays (micro-steps and updates), and why it ran eagerly (empty when
  // it did not, or compile was off).
  int64_t compile_replays = 0;
  std::string compile_fallback;
};

class Trainer {
 public:
  // Checks every option now (hps file, names, values); throws accmt::Error naming the
  // option, the value and what is expected.
  explicit Trainer(TrainerOptions options);
  ~Trainer();

  FitResult fit(AcceleratorModule& module, std::shared_ptr<const data::Dataset> train_dataset = nullptr,
                std::shared_ptr<const data::Dataset> val_dataset = nullptr);

  const TrainerOptions& options() const { return options_; }
  const HyperParameters& hyperparameters() const { return hps_; }
  // Every scalar logged so far (train loss, validation loss, metrics, learning rate, user logs).
  const std::vector<LogRecord>& history() const { return history_; }
  // Where the prints go (default std::cout).
  void set_output(std::ostream& out) { out_ = &out; }
  // The process group (single process today; data parallelism plugs in here).
  ProcessGroup& process_group() { return *group_; }

 private:
  friend class AcceleratorModule;
  struct Run;
  void log_user(const std::map<std::string, double>& values);
  // A logged scalar: into history() and every tracker (main process only).
  void emit(const std::string& name, double value, int64_t step);
  void log_monitor(Run& run);

  TrainerOptions options_;
  HyperParameters hps_;
  std::optional<EverySpec> checkpoint_every_;
  std::vector<LogRecord> history_;
  std::vector<std::unique_ptr<Tracker>> trackers_;
  Monitor monitor_;
  std::ostream* out_;
  ProcessGroup* group_;
  Run* run_ = nullptr;  // the fit in progress
};

}  // namespace accmt
