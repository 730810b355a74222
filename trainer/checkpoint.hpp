#pragma once
// Training checkpoints: everything a run needs to continue exactly where it stopped.
//
// A checkpoint is a folder: model.safetensors, optimizer.safetensors + optimizer.json
// (state tensors; group options and members), scheduler.json, rng.safetensors (the
// default generator), grads.safetensors (gradients of an unfinished accumulation group),
// loader.json (the training loader's position), status.json (the Trainer's counters and
// best values), and manifest.json last (each file's size and CRC-32).
//
// Writing is atomic: the files go to "<dir>.tmp", fsynced; then "<dir>" (if any) is renamed
// to "<dir>.old", "<dir>.tmp" to "<dir>", and "<dir>.old" removed. A kill at any moment
// leaves a complete checkpoint in "<dir>" or "<dir>.old", which read_checkpoint finds.
// Reading verifies the manifest (sizes and checksums) and every file's structure, so a
// truncated or corrupted checkpoint is a clear error, never a crash.
#include <optional>
#include <string>

#include "data/loader_state.hpp"
#include "nn/module.hpp"
#include "optim/lr_scheduler.hpp"
#include "optim/optimizer.hpp"

namespace accmt {

struct CheckpointData {
  nn::StateDict model;
  optim::OptimizerState optimizer;
  std::optional<optim::SchedulerState> scheduler;
  Tensor rng;                 // the default generator's state
  data::LoaderState train_loader;
  nn::StateDict grads;        // empty when the checkpoint falls on a group boundary
  std::string status;         // status.json's text (the Trainer's counters)
};

void write_checkpoint(const std::string& dir, const CheckpointData& data);
CheckpointData read_checkpoint(const std::string& dir);
// Whether `dir` (or the "<dir>.old" a kill during a swap leaves) holds a checkpoint.
bool checkpoint_exists(const std::string& dir);

}  // namespace accmt
