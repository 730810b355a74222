#include "trainer/progress.hpp"

#include <algorithm>
#include <cstdio>

namespace accmt {

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
}  // namespace

Progress::Progress(std::ostream& out, bool verbose, bool terminal, int64_t log_every)
    : out_(out), verbose_(verbose), terminal_(terminal), log_every_(std::max<int64_t>(1, log_every)) {}

std::string Progress::format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "--:--";
  const int64_t s = int64_t(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", (long long)(s / 3600), (long long)(s / 60 % 60), (long long)(s % 60));
  else std::snprintf(buf, sizeof buf, "%02lld:%02lld", (long long)(s / 60), (long long)(s % 60));
  return buf;
}

void Progress::start_epoch(int64_t epoch, int64_t epochs, int64_t steps) {
  epoch_ = epoch, epochs_ = epochs, steps_ = steps;
  step_ = samples_ = last_plain_ = 0;
  start_ = last_draw_ = Clock::now();
}

void Progress::step(int64_t step, const std::function<double()>& loss, double lr, int64_t samples) {
  step_ = step, lr_ = lr;
  samples_ += samples;
  if (!verbose_) return;
  bool now = false;
  if (terminal_) {
    now = step == steps_ || std::chrono::duration<double>(Clock::now() - last_draw_).count() >= 0.1;
  } else {
    const int64_t tenth = std::max<int64_t>(1, steps_ / 10);
    now = step - last_plain_ >= std::max(log_every_, tenth) || step == steps_;
    if (now) last_plain_ = step;
  }
  if (!now) return;
  loss_ = loss();
  draw(false);
}

void Progress::end_epoch() {
  if (verbose_ && terminal_ && bar_open_) {
    draw(true);
    out_ << "\n";
    out_.flush();
  }
  bar_open_ = false;
}

void Progress::message(const std::string& line) {
  if (!verbose_) return;
  if (bar_open_) out_ << "\n";
  bar_open_ = false;
  out_ << line << "\n";
  out_.flush();
}

void Progress::draw(bool final) {
  last_draw_ = Clock::now();
  const double elapsed = seconds_since(start_);
  const double rate = elapsed > 0 ? double(samples_) / elapsed : 0.0;
  const double eta = step_ > 0 && steps_ > step_ ? elapsed / double(step_) * double(steps_ - step_) : 0.0;
  char info[192];
  std::snprintf(info, sizeof info, "epoch %lld/%lld step %lld/%lld loss %.4f lr %.3e %.1f samples/s %s %s",
                (long long)epoch_, (long long)epochs_, (long long)step_, (long long)steps_, loss_, lr_, rate,
                final ? "elapsed" : "eta", format_duration(final ? elapsed : eta).c_str());
  if (!terminal_) {
    out_ << info << "\n";
    out_.flush();
    return;
  }
  constexpr int kWidth = 24;
  const int filled = steps_ > 0 ? int(double(kWidth) * double(std::min(step_, steps_)) / double(steps_)) : 0;
  std::string bar(size_t(filled), '#');
  bar.resize(kWidth, '.');
  out_ << "\r[" << bar << "] " << info << "\x1b[K";
  out_.flush();
  bar_open_ = true;
}

}  // namespace accmt
