#pragma once
// The Trainer's `handlers`: interruptions after which it writes a safe checkpoint.
//   Keyboard         SIGINT or SIGTERM: the current step finishes, a checkpoint is written,
//                    and fit returns normally (reporting that it was interrupted).
//   CudaOutOfMemory  an out-of-memory error: a checkpoint of the last completed step is
//                    written, then the error propagates.
//   Any              any other exception: checkpoint, then the exception propagates.
//   All              all of the above.
// Without handlers, signals keep their default behaviour and exceptions propagate as usual.
#include <exception>
#include <string>
#include <vector>

namespace accmt {

enum class Handler { Keyboard, CudaOutOfMemory, Any, All };

struct HandlerSet {
  bool keyboard = false, out_of_memory = false, any = false;
  static HandlerSet from(const std::vector<Handler>& handlers);
  // Whether an exception thrown by a training step is one these handlers checkpoint on.
  bool handles(const std::exception& e) const;
};

// Whether an error is a device (or host) out-of-memory error.
bool is_out_of_memory(const std::exception& e);

// While alive (and enabled), SIGINT and SIGTERM only set a flag that the training loop
// polls between steps; the previous handlers come back when it ends.
class InterruptCatcher {
 public:
  explicit InterruptCatcher(bool enabled);
  ~InterruptCatcher();
  InterruptCatcher(const InterruptCatcher&) = delete;
  InterruptCatcher& operator=(const InterruptCatcher&) = delete;
  bool requested() const;
  int signal_number() const;  // the signal received, 0 if none
  static std::string signal_name(int signal);

 private:
  bool enabled_;
};

}  // namespace accmt
