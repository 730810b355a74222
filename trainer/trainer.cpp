// Trainer: option checks, setup (device, loaders, optimizer, scheduler, metrics) and the
// training loop with evaluation, model saving, checkpoints and handlers.
#include "trainer/trainer.hpp"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <limits>

#include "autograd/grad_mode.hpp"
#include "kernels/common/error.hpp"
#include "optim/clip.hpp"
#include "tensor/cuda.hpp"
#include "tensor/random.hpp"
#include "trainer/atomic_file.hpp"
#include "trainer/checkpoint.hpp"
#include "trainer/compiled_step.hpp"
#include "trainer/nvml.hpp"
#include "trainer/progress.hpp"
#include "trainer/safetensors.hpp"
#include "trainer/size_string.hpp"

namespace accmt {

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

HyperParameters resolve_hps(const std::variant<std::string, HyperParameters>& config) {
  if (const auto* hps = std::get_if<HyperParameters>(&config)) {
    HyperParameters out = *hps;
    out.validate();
    return out;
  }
  const std::string& text = std::get<std::string>(config);
  ACCMT_CHECK(!text.empty(), "hps_config is required: a .yaml/.json path, YAML text, or HyperParameters");
  if (ends_with(text, ".yaml") || ends_with(text, ".yml") || ends_with(text, ".json"))
    return HyperParameters::from_file(text);
  return HyperParameters::from_yaml(text, "hps_config");
}

std::string folder_name(const std::string& path) {
  std::filesystem::path p(path);
  while (!p.empty() && p.filename().empty()) p = p.parent_path();  // "models/mlp/" -> "mlp"
  return p.filename().string();
}

// Exact, for status.json (JSON has no NaN: null).
std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return std::isfinite(v) ? buf : "null";
}

// Short, for messages.
std::string show(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace

// ---------------------------------------------------------------- the state of one fit
struct Trainer::Run {
  AcceleratorModule* module = nullptr;
  Device device = kCPU;
  std::shared_ptr<data::DataLoader> train, val;
  std::unique_ptr<optim::Optimizer> optimizer_owned;
  optim::Optimizer* optimizer = nullptr;
  std::unique_ptr<optim::LRScheduler> scheduler;
  std::vector<Tensor> params;
  std::vector<std::shared_ptr<Metric>> metrics;
  ModelSaving saving;
  HandlerSet handlers;
  std::unique_ptr<Progress> progress;
  std::unique_ptr<CompiledStep> compiled;  // `compile` on CUDA

  int64_t accumulation = 1;
  int64_t global_step = 0;      // batches trained
  int64_t optimizer_steps = 0;
  int64_t evaluations = 0;
  int64_t epoch = 0;            // 0-based epoch in progress
  int64_t epoch_step = 0;       // batches of this epoch done
  int64_t last_eval_step = -1;  // global_step of the latest evaluation
  std::map<std::string, double> last_metrics;
  double last_valid_loss = kNaN;
  // Train loss sums on the device; read (synchronised) only when logged or compared.
  Tensor window_sum, since_eval_sum;
  int64_t window_count = 0, since_eval_count = 0;
  FitResult result;

  // Where training stands between two batches: what a checkpoint records (with the model,
  // optimizer and scheduler, which only change at group ends).
  struct Position {
    int64_t epoch = 0, epoch_step = 0, global_step = 0, optimizer_steps = 0;
    double window_sum = 0, since_eval_sum = 0;
    int64_t window_count = 0, since_eval_count = 0;
    Tensor rng;
    data::LoaderState loader;
  };
  Tensor last_grad_norm;               // Monitor.grad_norm: at the latest optimizer step
  double monitor_cpu_seconds = -1, monitor_wall_seconds = 0;
  std::string gpu_bus_id;              // for NVML
  std::optional<Position> group_start;  // kept only when handlers may checkpoint after an error
  int64_t pass_epoch = 0;               // the training loader's epoch for the pass in progress
  Position position() const {
    return Position{epoch, epoch_step, global_step, optimizer_steps, window_sum.item<double>(),
                    since_eval_sum.item<double>(), window_count, since_eval_count, default_generator().get_state(),
                    data::LoaderState{pass_epoch, epoch_step, train->state_dict().seed}};
  }
};

// ---------------------------------------------------------------- construction
Trainer::Trainer(TrainerOptions options) : options_(std::move(options)), out_(&std::cout), group_(&single_process_group()) {
  const TrainerOptions& o = options_;
  hps_ = resolve_hps(o.hps_config);
  ACCMT_CHECK(!o.model_path.empty(), "Trainer: model_path is required (the folder models are saved to)");
  if (o.checkpoint_every) checkpoint_every_ = EverySpec::parse(*o.checkpoint_every, "checkpoint_every");
  ACCMT_CHECK(o.log_every >= 1, "Trainer: log_every must be >= 1, got ", o.log_every);
  ACCMT_CHECK(!o.grad_accumulation_steps || *o.grad_accumulation_steps >= 1,
              "Trainer: grad_accumulation_steps must be >= 1 (or unset), got ", o.grad_accumulation_steps.value_or(0));
  ACCMT_CHECK(!o.clip_grad || (*o.clip_grad > 0 && std::isfinite(*o.clip_grad)),
              "Trainer: clip_grad must be a positive number (or unset), got ", o.clip_grad.value_or(0));
  ACCMT_CHECK(!o.evaluate_every_n_steps || *o.evaluate_every_n_steps >= 1,
              "Trainer: evaluate_every_n_steps must be >= 1 (or unset for once per epoch), got ",
              o.evaluate_every_n_steps.value_or(0));
  ACCMT_CHECK(o.dataloader_num_workers >= 0, "Trainer: dataloader_num_workers must be >= 0, got ",
              o.dataloader_num_workers);
  ACCMT_CHECK(!o.train_loss_metric_name.empty() && !o.val_loss_metric_name.empty() &&
                  o.train_loss_metric_name != o.val_loss_metric_name,
              "Trainer: train_loss_metric_name and val_loss_metric_name must be two different non-empty names");
  (void)parse_size(o.max_shard_size, "max_shard_size");
  for (const std::string& name : o.log_with) trackers_.push_back(make_tracker(name));
  monitor_ = std::holds_alternative<Monitor>(o.monitor) ? std::get<Monitor>(o.monitor)
                                                        : Monitor::from_yaml(std::get<std::string>(o.monitor));
  if (o.model_saving_below && o.model_saving_above)
    ACCMT_CHECK(*o.model_saving_below > *o.model_saving_above, "Trainer: model_saving_below (",
                *o.model_saving_below, ") must be greater than model_saving_above (", *o.model_saving_above, ")");
  if (o.device && o.device->is_cuda())
    ACCMT_CHECK(o.device->index < cuda::device_count(), "Trainer: device ", o.device->str(),
                " is not available (this machine has ", cuda::device_count(), " CUDA devices)");
}

Trainer::~Trainer() = default;

void Trainer::log_user(const std::map<std::string, double>& values) {
  ACCMT_CHECK(run_ != nullptr, "AcceleratorModule::log: only available while Trainer::fit runs");
  if (!group_->is_main()) return;
  const int64_t every = options_.log_every * run_->accumulation;
  if (run_->global_step % every != 0 && run_->global_step != 0) return;
  for (const auto& [name, v] : values) emit(name, v, run_->global_step);
}

// The Monitor's training-time values, logged with each train-loss window.
void Trainer::log_monitor(Run& run) {
  if (!group_->is_main()) return;
  const int64_t step = run.global_step;
  if (monitor_.learning_rate) emit("learning_rate", run.optimizer->param_groups().front().lr(), step);
  if (monitor_.grad_norm && run.last_grad_norm.defined()) emit("grad_norm", run.last_grad_norm.item<double>(), step);
  if (monitor_.gpu_utilization && run.device.is_cuda()) {
    const cuda::MemoryStats s = cuda::memory_stats(run.device.index);
    emit("gpu_memory_allocated_mib", double(s.allocated_bytes) / double(1 << 20), step);
    emit("gpu_memory_reserved_mib", double(s.reserved_bytes) / double(1 << 20), step);
    if (run.gpu_bus_id.empty()) run.gpu_bus_id = cuda::get_device_properties(run.device.index).pci_bus_id;
    if (const auto util = nvml_gpu_utilization(run.gpu_bus_id)) emit("gpu_utilization_percent", *util, step);
  }
  if (monitor_.cpu_utilization) {
    const double cpu = process_cpu_seconds();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    emit("cpu_rss_mib", process_rss_bytes() / double(1 << 20), step);
    if (run.monitor_cpu_seconds >= 0 && wall > run.monitor_wall_seconds)
      emit("cpu_percent", 100.0 * (cpu - run.monitor_cpu_seconds) / (wall - run.monitor_wall_seconds), step);
    run.monitor_cpu_seconds = cpu;
    run.monitor_wall_seconds = wall;
  }
}

void Trainer::emit(const std::string& name, double value, int64_t step) {
  if (!group_->is_main()) return;
  history_.push_back({name, value, step});
  for (auto& t : trackers_) t->log(name, value, step);
}

// ---------------------------------------------------------------- fit
FitResult Trainer::fit(AcceleratorModule& module, std::shared_ptr<const data::Dataset> train_dataset,
                       std::shared_ptr<const data::Dataset> val_dataset) {
  const TrainerOptions& o = options_;
  ACCMT_CHECK(module.model != nullptr, "Trainer::fit: the AcceleratorModule has no model (set `model`)");
  ACCMT_CHECK(run_ == nullptr, "Trainer::fit: this Trainer is already fitting");
  Run run;
  run_ = &run;
  module.trainer_ = this;
  struct Reset {
    Trainer* t;
    AcceleratorModule* m;
    ~Reset() {
      t->run_ = nullptr;
      m->trainer_ = nullptr;
    }
  } reset{this, &module};
  run.module = &module;
  run.accumulation = o.grad_accumulation_steps.value_or(1);
  if (o.seed) manual_seed(*o.seed);

  // ---- checkpoint location and resume
  const std::string model_folder = folder_name(o.model_path);
  const std::string checkpoint_dir =
      o.checkpoint ? *o.checkpoint
                   : (std::filesystem::path(o.model_path).parent_path() / ("checkpoint-" + model_folder)).string();
  const bool resuming = o.resume && checkpoint_exists(checkpoint_dir);
  const int64_t max_shard_bytes = parse_size(o.max_shard_size, "max_shard_size");

  // ---- device
  run.device = o.device.value_or(cuda::is_available() ? Device("cuda:0") : kCPU);
  module.device_ = run.device;
  module.model->to(run.device);
  if (module.teacher) {
    module.teacher->to(run.device);
    module.teacher->eval();
    for (Tensor p : module.teacher->parameters()) p.requires_grad_(false);
  }
  // ---- data
  data::CollateFn collate = module.collate_fn().value_or(o.collate_fn);
  const bool pin = o.dataloader_pin_memory && run.device.is_cuda();
  run.train = module.get_train_dataloader();
  if (!run.train) {
    ACCMT_CHECK(train_dataset != nullptr,
                "Trainer::fit: no training data: pass a train_dataset or override get_train_dataloader");
    data::LoaderOptions lo{.batch_size = hps_.train_batch_size(),
                           .shuffle = o.sampler ? false : o.shuffle_train,
                           .sampler = o.sampler,
                           .collate_fn = collate,
                           .num_workers = o.dataloader_num_workers,
                           .pin_memory = pin};
    if (o.seed) lo.seed = *o.seed;
    run.train = std::make_shared<data::DataLoader>(train_dataset, lo);
  }
  run.val = module.get_validation_dataloader();
  if (!run.val && val_dataset) {
    data::LoaderOptions lo{.batch_size = hps_.eval_batch_size(),
                           .shuffle = o.shuffle_validation,
                           .collate_fn = collate,
                           .num_workers = o.dataloader_num_workers,
                           .pin_memory = pin};
    if (o.seed) lo.seed = *o.seed + 1;
    run.val = std::make_shared<data::DataLoader>(val_dataset, lo);
  }
  const int64_t batches_per_epoch = run.train->size();
  ACCMT_CHECK(batches_per_epoch > 0, "Trainer::fit: the training loader yields no batches (dataset of ",
              run.train->dataset().size(), " examples, batch size ", hps_.train_batch_size(), ")");
  const int64_t steps_per_epoch = (batches_per_epoch + run.accumulation - 1) / run.accumulation;

  // ---- optimizer, scheduler, metrics, model saving
  for (Tensor p : module.model->parameters())
    if (p.requires_grad()) run.params.push_back(p);
  run.optimizer_owned = module.get_optimizer();
  if (!run.optimizer_owned) run.optimizer_owned = hps_.make_optimizer(run.params);
  run.optimizer = run.optimizer_owned.get();
  run.scheduler = module.get_scheduler(*run.optimizer, steps_per_epoch, hps_.epochs);
  if (!run.scheduler) run.scheduler = hps_.make_scheduler(*run.optimizer, steps_per_epoch);
  run.metrics = module.metrics();
  std::vector<const Metric*> metric_ptrs;
  for (const auto& m : run.metrics) {
    ACCMT_CHECK(m != nullptr, "AcceleratorModule::metrics returned a null metric");
    ACCMT_CHECK(m->name() != o.train_loss_metric_name && m->name() != o.val_loss_metric_name,
                "metric name '", m->name(), "' collides with a loss metric name");
    metric_ptrs.push_back(m.get());
  }
  run.saving = ModelSaving(o.model_saving, metric_ptrs, o.model_saving_below, o.model_saving_above);
  run.handlers = HandlerSet::from(o.handlers);
  run.progress = std::make_unique<Progress>(*out_, o.verbose && group_->is_main(),
                                            out_ == &std::cout && ::isatty(fileno(stdout)), o.log_every);
  run.window_sum = zeros({}, TensorOptions{.dtype = DType::Float64, .device = run.device});
  run.since_eval_sum = zeros({}, TensorOptions{.dtype = DType::Float64, .device = run.device});
  InterruptCatcher interrupts(run.handlers.keyboard);

  auto status_json = [&](const Run::Position& at, const std::string& extra) {
    std::string s = "{\n";
    s += "  \"epoch\": " + std::to_string(at.epoch) + ",\n";
    s += "  \"epoch_step\": " + std::to_string(at.epoch_step) + ",\n";
    s += "  \"global_step\": " + std::to_string(at.global_step) + ",\n";
    s += "  \"optimizer_steps\": " + std::to_string(at.optimizer_steps) + ",\n";
    s += "  \"window_sum\": " + format_value(at.window_sum) + ",\n";
    s += "  \"window_count\": " + std::to_string(at.window_count) + ",\n";
    s += "  \"since_eval_sum\": " + format_value(at.since_eval_sum) + ",\n";
    s += "  \"since_eval_count\": " + std::to_string(at.since_eval_count) + ",\n";
    s += "  \"eval_global_step\": " + std::to_string(run.last_eval_step) + ",\n";
    s += "  \"evaluations_done\": " + std::to_string(run.evaluations) + ",\n";
    s += "  \"valid_loss\": " + format_value(run.last_valid_loss) + ",\n";
    s += "  \"best\": {";
    bool first = true;
    for (const auto& [k, v] : run.saving.best()) {
      s += (first ? "" : ", ") + json_quote(k) + ": " + format_value(v);
      first = false;
    }
    s += "},\n  \"tracker_run_ids\": {";
    first = true;
    for (const auto& t : trackers_) {
      s += (first ? "" : ", ") + json_quote(t->name()) + ": " + json_quote(t->run_id());
      first = false;
    }
    s += "},\n  \"metrics\": {";
    first = true;
    for (const auto& [k, v] : run.last_metrics) {
      s += (first ? "" : ", ") + json_quote(k) + ": " + format_value(v);
      first = false;
    }
    s += "}" + extra + "\n}\n";
    return s;
  };
  auto write_model = [&](const std::string& folder) {
    save_model_folder(folder, module.model->state_dict(), o.safe_serialization, max_shard_bytes);
    write_file_atomic((std::filesystem::path(folder) / "status.json").string(), status_json(run.position(), ""));
  };
  // A checkpoint of `at`; with_grads keeps the gradients of an unfinished group. An epoch's
  // end is recorded as the start of the next one.
  auto save_checkpoint = [&](const std::string& reason, Run::Position at, bool with_grads) {
    if (!group_->is_main()) return;
    if (at.epoch_step == batches_per_epoch) {
      ++at.epoch;
      at.epoch_step = 0;
      at.loader.epoch = at.loader.epoch + 1;
      at.loader.batches_seen = 0;
    }
    CheckpointData ck;
    ck.model = module.model->state_dict();
    ck.optimizer = run.optimizer->state_dict();
    if (run.scheduler) ck.scheduler = run.scheduler->state_dict();
    ck.rng = at.rng;
    ck.train_loader = at.loader;
    if (with_grads && at.epoch_step % run.accumulation != 0)
      for (size_t i = 0; i < run.params.size(); ++i)
        if (run.params[i].grad().defined()) ck.grads.emplace_back("p." + std::to_string(i), run.params[i].grad());
    ck.status = status_json(at, ",\n  \"skip_batches\": " + std::to_string(at.epoch_step) + ",\n  \"reason\": " +
                                    json_quote(reason));
    write_checkpoint(checkpoint_dir, ck);
    run.progress->message("checkpoint (" + reason + ") written to " + checkpoint_dir);
  };
  auto maybe_checkpoint = [&](EverySpec::Unit unit, int64_t n) {
    if (checkpoint_every_ && checkpoint_every_->fires(unit, n)) save_checkpoint(checkpoint_every_->str(), run.position(), true);
  };

  // ---- evaluation
  auto evaluate = [&]() {
    if (!run.val) return;
    module.model->eval();
    for (const auto& m : run.metrics) m->reset();
    Tensor loss_sum = zeros({}, TensorOptions{.dtype = DType::Float64, .device = run.device});
    int64_t batches = 0;
    {
      autograd::NoGradGuard no_grad;
      for (data::Batch& b : *run.val) {
        data::Batch batch = run.device.is_cpu() ? b : b.to(run.device);
        ValidationOutput out = module.validation_step(batch);
        ACCMT_CHECK(out.loss.defined() && out.loss.numel() == 1, "validation_step must return a scalar loss, got ",
                    out.loss.defined() ? shape_str(out.loss.sizes()) : std::string("an undefined tensor"));
        if (!o.report_loss_after_eval && group_->is_main())
          if (monitor_.validation_loss) emit(o.val_loss_metric_name, out.loss.item<double>(), run.global_step);
        loss_sum.add_(out.loss.detach().reshape({}).to(DType::Float64));
        ++batches;
        for (const auto& [name, pr] : out.metrics) {
          bool found = false;
          for (const auto& m : run.metrics)
            if (m->name() == name) {
              m->update(pr.first.detach(), pr.second.detach());
              found = true;
            }
          ACCMT_CHECK(found, "validation_step returned inputs for metric '", name,
                      "', which AcceleratorModule::metrics does not define");
        }
      }
    }
    module.model->train();
    if (batches == 0) return;
    ++run.evaluations;
    run.last_eval_step = run.global_step;
    run.last_valid_loss = group_->mean(loss_sum.item<double>() / double(batches));
    run.last_metrics.clear();
    for (const auto& m : run.metrics) run.last_metrics[m->name()] = group_->mean(m->compute());
    const double train_loss =
        run.since_eval_count > 0 ? group_->mean(run.since_eval_sum.item<double>() / double(run.since_eval_count)) : kNaN;
    run.since_eval_sum.zero_();
    run.since_eval_count = 0;
    if (group_->is_main()) {
      if (o.report_loss_after_eval && monitor_.validation_loss)
        emit(o.val_loss_metric_name, run.last_valid_loss, run.global_step);
      if (monitor_.additional_metrics)
        for (const auto& [k, v] : run.last_metrics) emit(k, v, run.global_step);
    }
    std::string line = "evaluation " + std::to_string(run.evaluations) + " at step " + std::to_string(run.global_step) +
                       ": " + o.val_loss_metric_name + " " + show(run.last_valid_loss);
    for (const auto& [k, v] : run.last_metrics) line += ", " + k + " " + show(v);
    run.progress->message(line);
    for (const SavingCriterion& c : run.saving.decide({run.last_valid_loss, train_loss, run.last_metrics})) {
      const std::string folder = (std::filesystem::path(o.model_path) / c.folder()).string();
      if (group_->is_main()) write_model(folder);
      run.result.saved.push_back(folder);
      run.progress->message("saved the model (" + c.folder() + ") to " + folder);
    }
    maybe_checkpoint(EverySpec::Unit::Evaluations, run.evaluations);
  };

  // ---- training
  // Forward and backward of one micro-batch, the loss divided by its group's size.
  auto forward_backward = [&](data::Batch& batch, int64_t group_size) {
    Tensor loss = module.training_step(batch);
    ACCMT_CHECK(loss.defined() && loss.numel() == 1 && loss.is_floating_point(),
                "training_step must return a scalar floating loss, got ",
                loss.defined() ? dtype_name(loss.dtype()) + std::string(" ") + shape_str(loss.sizes())
                               : std::string("an undefined tensor"));
    ACCMT_CHECK(loss.requires_grad(),
                "training_step returned a loss that does not require grad (was it detached, or computed under "
                "NoGradGuard, or does the model have no trainable parameters?)");
    (group_size == 1 ? loss : loss / double(group_size)).backward();
    return loss.detach();
  };
  // The optimizer-step half: all device work (CUDA-graph capturable); returns the norm
  // the Monitor logs.
  auto update = [&]() {
    for (Tensor p : run.params) {
      Tensor g = p.grad();
      if (g.defined()) group_->all_reduce_mean_(g);
    }
    Tensor norm;
    if (o.clip_grad) {
      norm = optim::clip_grad_norm_(run.params, *o.clip_grad);
    } else if (monitor_.grad_norm) {
      norm = optim::grad_norm(run.params);  // fused, no host sync
    }
    run.optimizer->step();
    run.optimizer->zero_grad(run.compiled && run.compiled->keeps_gradient_buffers() ? false : o.set_to_none);
    return norm;
  };
  std::string compile_reason_shown;
  bool compile_capture_shown = false;
  auto report_compile = [&]() {
    if (!run.compiled) return;
    if (!compile_capture_shown && run.compiled->replays() > 0) {
      compile_capture_shown = true;
      run.progress->message("compile: captured the training step as CUDA graphs after " +
                            std::to_string(detail::compile_warmup_steps()) + " warm-up optimizer steps");
    }
    if (run.compiled->reason() == compile_reason_shown) return;
    compile_reason_shown = run.compiled->reason();
    run.result.compile_fallback = compile_reason_shown;
    run.progress->message("compile: " + compile_reason_shown + "; running eagerly");
  };
  auto train_batch = [&](data::Batch& b, int64_t group_size, bool last_of_group) {
    const bool first_of_group = run.epoch_step % run.accumulation == 0;
    Tensor loss;
    if (run.compiled && group_size == run.accumulation) {
      loss = run.compiled->micro_step(b, first_of_group);
    } else {
      data::Batch batch = run.device.is_cpu() ? b : b.to(run.device);
      loss = forward_backward(batch, group_size);
    }
    const Tensor value = loss.reshape({}).to(DType::Float64);
    run.window_sum.add_(value);
    run.since_eval_sum.add_(value);
    ++run.window_count;
    ++run.since_eval_count;
    ++run.global_step;
    ++run.epoch_step;
    if (last_of_group) {
      Tensor norm = run.compiled ? run.compiled->update() : update();
      if (monitor_.grad_norm && norm.defined()) run.last_grad_norm = norm;
      if (run.scheduler) run.scheduler->step();
      ++run.optimizer_steps;
    }
    report_compile();
    const int64_t window = o.log_every * run.accumulation;
    double shown = kNaN;
    if (run.global_step % window == 0) {
      shown = group_->mean(run.window_sum.item<double>() / double(run.window_count));
      if (monitor_.train_loss) emit(o.train_loss_metric_name, shown, run.global_step);
      log_monitor(run);
      run.window_sum.zero_();
      run.window_count = 0;
    }
    run.progress->step(run.epoch_step, [&] { return std::isnan(shown) ? loss.item<double>() : shown; },
                       run.optimizer->param_groups().front().lr(), b.empty() || b[size_t(0)].dim() == 0 ? 1 : b[size_t(0)].size(0));
  };

  int64_t start_epoch = 0, start_step = 0;
  std::map<std::string, std::string> resume_ids;  // tracker name -> run id, to continue those runs
  if (resuming) {
    const CheckpointData ck = read_checkpoint(checkpoint_dir);
    module.model->load_state_dict(ck.model);
    run.optimizer->load_state_dict(ck.optimizer);
    ACCMT_CHECK(bool(run.scheduler) == ck.scheduler.has_value(), "resume: the checkpoint ",
                ck.scheduler ? "has" : "has no", " scheduler state but this run ", run.scheduler ? "has" : "has no",
                " scheduler; resume with the same hyper-parameters");
    if (run.scheduler) run.scheduler->load_state_dict(*ck.scheduler);
    default_generator().set_state(ck.rng);
    run.train->load_state_dict(ck.train_loader);
    for (const auto& [name, g] : ck.grads) {
      const size_t i = size_t(std::stoll(name.substr(2)));
      ACCMT_CHECK(i < run.params.size(), "resume: the checkpoint holds a gradient for parameter ", i, " of ",
                  run.params.size());
      run.params[i].set_grad(g.to(run.params[i].device(), run.params[i].dtype()));
    }
    YAML::Node st;
    try {
      st = YAML::Load(ck.status);
    } catch (const YAML::Exception& e) {
      throw Error(std::string("resume: the checkpoint's status.json is not valid JSON: ") + e.what());
    }
    auto number = [&](const char* key) {
      ACCMT_CHECK(st[key] && (st[key].IsScalar() || st[key].IsNull()), "resume: status.json has no '", key, "'");
      return st[key].IsNull() ? kNaN : st[key].as<double>();  // null: no value yet (NaN)
    };
    auto integer = [&](const char* key) { return int64_t(number(key)); };
    start_epoch = integer("epoch");
    start_step = integer("epoch_step");
    run.global_step = integer("global_step");
    run.optimizer_steps = integer("optimizer_steps");
    run.evaluations = integer("evaluations_done");
    run.last_eval_step = integer("eval_global_step");
    run.last_valid_loss = number("valid_loss");
    run.window_sum.fill_(number("window_sum"));
    run.window_count = integer("window_count");
    run.since_eval_sum.fill_(number("since_eval_sum"));
    run.since_eval_count = integer("since_eval_count");
    std::map<std::string, double> best;
    for (const auto& kv : st["best"]) best[kv.first.as<std::string>()] = kv.second.as<double>();
    run.saving.restore_best(best);
    for (const auto& kv : st["tracker_run_ids"]) resume_ids[kv.first.as<std::string>()] = kv.second.as<std::string>();
    for (const auto& kv : st["metrics"])
      run.last_metrics[kv.first.as<std::string>()] = kv.second.IsNull() ? kNaN : kv.second.as<double>();
    ACCMT_CHECK(start_step >= 0 && start_step < batches_per_epoch, "resume: the checkpoint is at batch ", start_step,
                " of an epoch of ", batches_per_epoch, " batches: the data or batch size changed");
    run.progress->message("resumed from " + checkpoint_dir + " at epoch " + std::to_string(start_epoch + 1) +
                          ", batch " + std::to_string(start_step) + " (global step " + std::to_string(run.global_step) +
                          ")");
  }

  // ---- trackers: started once the resume point is known; a resumed run continues its runs
  if (group_->is_main()) {
    std::map<std::string, std::string> hparams = hps_.flatten();
    hparams["grad_accumulation_steps"] = std::to_string(run.accumulation);
    if (o.clip_grad) hparams["clip_grad"] = show(*o.clip_grad);
    hparams["device"] = run.device.str();
    for (auto& t : trackers_) {
      TrackerStart ts{o.logging_dir, o.track_name.value_or(model_folder), hparams, o.tracker_options,
                      resume_ids.count(t->name()) ? resume_ids.at(t->name()) : "", run.global_step};
      t->start(ts);
    }
  }
  struct FinishTrackers {
    std::vector<std::unique_ptr<Tracker>>& trackers;
    bool active;
    std::string status = "FAILED";
    ~FinishTrackers() {
      if (!active) return;
      for (auto& t : trackers) {
        try {
          t->finish(status);
        } catch (...) {  // destructors do not throw; the logs written so far stay
        }
      }
    }
  } finish_trackers{trackers_, group_->is_main()};

  // ---- compile: CUDA graphs of the training step (trainer/compiled_step.hpp)
  if (o.compile) {
    const StepGraphFactory& fake = detail::step_graph_factory_for_tests();
    if (run.device.is_cuda() || fake) {
      CompiledStep::Work work{[&](data::Batch& batch) { return forward_backward(batch, run.accumulation); }, update};
      run.compiled = std::make_unique<CompiledStep>(*run.optimizer, run.params, run.device,
                                                    fake ? fake : StepGraphFactory(make_cuda_step_graph),
                                                    detail::compile_warmup_steps(), std::move(work));
      report_compile();
    } else {
      run.progress->message("compile: no effect on the CPU (documented); running eagerly");
    }
  }

  module.model->train();
  try {
    if (o.eval_when_start && !resuming) evaluate();
    bool stop = false;
    for (run.epoch = start_epoch; run.epoch < hps_.epochs && !stop; ++run.epoch) {
      run.epoch_step = run.epoch == start_epoch ? start_step : 0;
      run.progress->start_epoch(run.epoch + 1, hps_.epochs, batches_per_epoch);
      run.pass_epoch = run.train->epoch();  // the pass below is this loader epoch
      for (data::Batch& b : *run.train) {
        const int64_t group_start = run.epoch_step / run.accumulation * run.accumulation;
        if (run.epoch_step == group_start && (run.handlers.any || run.handlers.out_of_memory))
          run.group_start = run.position();
        const int64_t group_size = std::min(run.accumulation, batches_per_epoch - group_start);
        const bool last_of_group = run.epoch_step + 1 == group_start + group_size;
        train_batch(b, group_size, last_of_group);
        if (o.evaluate_every_n_steps && run.global_step % *o.evaluate_every_n_steps == 0) evaluate();
        maybe_checkpoint(EverySpec::Unit::Steps, run.global_step);
        if (last_of_group && interrupts.requested()) {
          stop = true;
          break;
        }
      }
      run.progress->end_epoch();
      if (stop) break;
      if (!o.evaluate_every_n_steps) evaluate();
      maybe_checkpoint(EverySpec::Unit::Epochs, run.epoch + 1);
    }
    if (stop) {
      run.result.interrupted = true;
      run.progress->message("interrupted by " + InterruptCatcher::signal_name(interrupts.signal_number()) +
                            " after step " + std::to_string(run.global_step));
      save_checkpoint("interrupted", run.position(), true);
    } else if (o.evaluate_every_n_steps && o.eval_when_finish && run.last_eval_step != run.global_step) {
      evaluate();
    }
  } catch (const std::exception& e) {
    if (run.handlers.handles(e)) {
      try {
        // The last completed optimizer step: the unfinished group starts over on resume.
        if (run.group_start) save_checkpoint(is_out_of_memory(e) ? "out of memory" : "error", *run.group_start, false);
      } catch (const std::exception& inner) {
        throw Error(detail::concat(e.what(), " (and the safe checkpoint failed too: ", inner.what(), ")"));
      }
    }
    throw;
  }
  finish_trackers.status = run.result.interrupted ? "KILLED" : "FINISHED";
  run.result.global_step = run.global_step;
  run.result.optimizer_steps = run.optimizer_steps;
  run.result.evaluations = run.evaluations;
  if (run.compiled) run.result.compile_replays = run.compiled->replays();
  return run.result;
}

}  // namespace accmt
