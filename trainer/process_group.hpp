#pragma once
// The one place that knows about several processes. Today there is one process (rank 0
// of 1) and every operation is trivial; data parallelism (NCCL on GPUs, MPI on CPUs)
// plugs in here: which process logs, prints and writes checkpoints, how losses and
// metrics are averaged, how the distributed sampler shards, and the all-reduce that
// gradients go through after backward.
#include "tensor/tensor.hpp"

namespace accmt {

class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;
  virtual int rank() const { return 0; }
  virtual int world_size() const { return 1; }
  // The process that prints, logs to trackers and writes checkpoints and models.
  bool is_main() const { return rank() == 0; }
  // The mean of a per-process value over all processes.
  virtual double mean(double value) const { return value; }
  // Averages a gradient (or any tensor) in place over all processes.
  virtual void all_reduce_mean_(Tensor& tensor) const { (void)tensor; }
  virtual void barrier() const {}
};

// The single-process group every run uses today.
ProcessGroup& single_process_group();

}  // namespace accmt
