#pragma once
// The Trainer's progress display. On a terminal: one bar per epoch redrawn in place
// (step/steps, epoch, loss, lr, samples/s, ETA), at most 10 times a second. Off a
// terminal (a log file, CI): plain lines, one per 10% of the epoch (or per `log_every`
// steps when that is sparser) and the last step. verbose = false prints nothing.
#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

namespace accmt {

class Progress {
 public:
  // `terminal`: whether `out` is a terminal (the Trainer asks isatty on stdout).
  Progress(std::ostream& out, bool verbose, bool terminal, int64_t log_every = 1);
  void start_epoch(int64_t epoch, int64_t epochs, int64_t steps);
  // After step `step` (1-based) of the epoch; samples: examples processed in that step.
  // `loss` is called only when a line or the bar is drawn: reading a loss from the GPU
  // waits for the device, which the training loop should not do every step.
  void step(int64_t step, const std::function<double()>& loss, double lr, int64_t samples);
  void end_epoch();
  // A line of its own (evaluations, checkpoints), not mixed into the bar.
  void message(const std::string& line);

  // "1:02:03" / "02:03" for an ETA or elapsed time.
  static std::string format_duration(double seconds);

 private:
  void draw(bool final);
  std::ostream& out_;
  bool verbose_, terminal_;
  int64_t log_every_;
  int64_t epoch_ = 0, epochs_ = 0, steps_ = 0, step_ = 0, samples_ = 0, last_plain_ = 0;
  double loss_ = 0, lr_ = 0;
  bool bar_open_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace accmt
