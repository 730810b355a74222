#pragma once
// LoaderState: what a DataLoader needs to continue where it stopped. Epoch e's batches
// depend only on (seed, e), so (epoch, batches_seen, seed) decide everything still to come;
// a resumed loader skips the first batches_seen batches without loading them.
#include <cstdint>
#include <string>

namespace accmt::data {

struct LoaderState {
  int64_t epoch = 0;          // the epoch in progress (or the next one)
  int64_t batches_seen = 0;   // batches of that epoch already handed out
  uint64_t seed = 0;          // the loader's seed (samplers draw from seed + epoch)

  // {"epoch": 2, "batches_seen": 17, "seed": 12345} (what a checkpoint stores).
  std::string to_string() const;
  // Parses to_string()'s form; an accmt::Error names a missing key or a bad value.
  static LoaderState from_string(const std::string& text);
  bool operator==(const LoaderState&) const = default;
};

}  // namespace accmt::data
