#include "trainer/handlers.hpp"

#include <csignal>
#include <new>

#include "kernels/common/error.hpp"

namespace accmt {

namespace {

volatile std::sig_atomic_t g_signal = 0;
struct sigaction g_previous_int, g_previous_term;
int g_active = 0;

extern "C" void on_interrupt(int sig) { g_signal = sig; }

}  // namespace

HandlerSet HandlerSet::from(const std::vector<Handler>& handlers) {
  HandlerSet set;
  for (Handler h : handlers) {
    set.keyboard = set.keyboard || h == Handler::Keyboard || h == Handler::All;
    set.out_of_memory = set.out_of_memory || h == Handler::CudaOutOfMemory || h == Handler::All;
    set.any = set.any || h == Handler::Any || h == Handler::All;
  }
  return set;
}

bool is_out_of_memory(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) return true;
  const std::string what = e.what();
  return what.find("out of memory") != std::string::npos;
}

bool HandlerSet::handles(const std::exception& e) const { return any || (out_of_memory && is_out_of_memory(e)); }

InterruptCatcher::InterruptCatcher(bool enabled) : enabled_(enabled) {
  if (!enabled_) return;
  ACCMT_CHECK(g_active == 0, "handlers: one Trainer::fit at a time may catch interrupts");
  ++g_active;
  g_signal = 0;
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

InterruptCatcher::~InterruptCatcher() {
  if (!enabled_) return;
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
  --g_active;
}

bool InterruptCatcher::requested() const { return enabled_ && g_signal != 0; }
int InterruptCatcher::signal_number() const { return enabled_ ? int(g_signal) : 0; }

std::string InterruptCatcher::signal_name(int sig) {
  if (sig == SIGINT) return "SIGINT";
  if (sig == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(sig);
}

}  // namespace accmt
