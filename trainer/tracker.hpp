#pragma once
// Trackers: where the Trainer's logged scalars go (its `log_with` option). Each tracker
// writes files its own tool reads; several can run at once. Only the main process logs.
//
//   CSV          {logging_dir}/{track_name}/{run_id}/metrics.csv (step,name,value,wall_time)
//                and hparams.json: always available, no tool needed.
//   JSONL        the same as one JSON object per line (metrics.jsonl).
//   TensorBoard  {logging_dir}/{track_name}/events.out.tfevents.* (scalars, and the
//                hyper-parameters as a text summary); `tensorboard --logdir {logging_dir}`.
//   DVCLive      {logging_dir}/{track_name}/dvclive/: metrics.json, plots/metrics/*.tsv,
//                params.yaml (`dvc plots show` reads them).
//   MLflow       {logging_dir}/mlruns/: the file store (experiment = track_name; params,
//                tags from the tracker options, run status FINISHED/FAILED/KILLED);
//                `mlflow ui --backend-store-uri {logging_dir}/mlruns`.
//
// A resumed run continues the same run: the same run id and files, and records logged
// after the checkpoint (by the interrupted run) are dropped, so no step appears twice
// (TensorBoard: a SessionLog START just after the resume step, which TensorBoard honours).
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace accmt {

struct LogRecord;

struct TrackerStart {
  std::string logging_dir, track_name;
  std::map<std::string, std::string> hparams;   // logged once
  std::map<std::string, std::string> options;   // tracker extras (run_name, tags, ...)
  std::string resume_run_id;                    // empty: a new run
  int64_t resume_step = 0;                      // drop records logged after this step
};

class Tracker {
 public:
  virtual ~Tracker() = default;
  virtual std::string name() const = 0;
  virtual void start(const TrackerStart& s) = 0;
  virtual void log(const std::string& name, double value, int64_t step) = 0;
  // status: FINISHED, FAILED or KILLED.
  virtual void finish(const std::string& status) = 0;
  virtual std::string run_id() const = 0;
};

// "csv", "jsonl", "tensorboard", "dvclive", "mlflow" (any case). The other names of the
// seed (wandb, cometml, aim, clearml) are errors listing the trackers this build supports.
std::unique_ptr<Tracker> make_tracker(const std::string& name);
const std::vector<std::string>& supported_trackers();

// CRC-32C (Castagnoli), as TensorBoard's record framing uses it.
uint32_t crc32c(const void* data, size_t n);

}  // namespace accmt
