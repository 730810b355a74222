// The promise of checkpoints under the worst interruption: a run SIGKILLed at random
// moments (often in the middle of writing a checkpoint, since it writes one after every
// batch) and restarted each time ends with exactly the parameters and optimizer state of
// a run that was never interrupted.
#include <doctest/doctest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include <accmt/accmt.hpp>
#include "tests/support/checks.hpp"

extern char** environ;

using namespace accmt;
namespace fs = std::filesystem;

namespace {

// The target program: where the build put it, else beside this test executable (a copied
// bundle, as on the GPU machine).
std::string target_program() {
  if (fs::exists(ACCMT_KILL_TARGET)) return ACCMT_KILL_TARGET;
  const fs::path beside = fs::read_symlink("/proc/self/exe").parent_path() / "accmt_kill_target";
  REQUIRE_MESSAGE(fs::exists(beside), "accmt_kill_target is neither at " ACCMT_KILL_TARGET " nor beside the tests");
  return beside.string();
}

pid_t start(const std::string& dir) {
  const std::string program = target_program();
  char* args[] = {const_cast<char*>(program.c_str()), const_cast<char*>(dir.c_str()), nullptr};
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, program.c_str(), nullptr, nullptr, args, environ) == 0);
  return pid;
}

// Waits for the child; returns its exit code, or -signal when a signal ended it.
int wait_for(pid_t pid) {
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

}  // namespace

TEST_SUITE("trainer.kill_resume") {
  TEST_CASE("SIGKILL at random moments, restarted each time: bit-identical to an uninterrupted run") {
    const fs::path root = accmt::test::fresh_temp_dir("kill");
    const std::string ref = (root / "reference").string(), killed = (root / "killed").string();
    fs::create_directories(ref);
    fs::create_directories(killed);
    const auto t0 = std::chrono::steady_clock::now();
    REQUIRE(wait_for(start(ref)) == 0);
    const double run_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

    std::mt19937 rng(2026);
    std::uniform_real_distribution<double> when(0.01, 0.12);  // each life covers a part of the run
    int kills = 0, finished = 0;
    for (int attempt = 0; attempt < 60 && finished == 0; ++attempt) {
      const pid_t pid = start(killed);
      if (attempt < 40) {
        std::this_thread::sleep_for(std::chrono::microseconds(int64_t(when(rng) * run_ms * 1000)));
        ::kill(pid, SIGKILL);
      }
      const int rc = wait_for(pid);
      if (rc == -SIGKILL) ++kills;
      else if (rc == 0) finished = 1;
      else FAIL("the target failed with exit code " << rc << " after " << kills << " kills");
    }
    MESSAGE("killed ", kills, " times (one uninterrupted run takes ", run_ms, " ms)");
    REQUIRE(finished == 1);
    CHECK(kills >= 8);
    const auto want = load_safetensors(ref + "/final.safetensors");
    const auto got = load_safetensors(killed + "/final.safetensors");
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      CAPTURE(want[i].first);
      CHECK(got[i].first == want[i].first);
      CHECK(got[i].second.equal(want[i].second));
    }
    fs::remove_all(root);
  }
}
