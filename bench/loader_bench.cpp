// DataLoader throughput on CIFAR-shaped batches: an in-memory dataset of uint8 [3, 32, 32]
// images whose examples go through a typical augmentation (pad 4 + random 32x32 crop,
// random horizontal flip, float conversion, per-channel normalisation) before the default
// collate stacks them into [64, 3, 32, 32] float32 batches. Two consumers: one that only
// takes the batches (step 0 ms), and one that spends 2 ms of CPU per batch, standing in for
// a training step that workers can overlap with loading. Prints one line per case:
// "workers<TAB>step_ms<TAB>images/s<TAB>batches/s" (the best of --reps epochs).
// Peer: bench/loader_peer_torch.py (the same work in a PyTorch DataLoader);
// bench/run_loader.sh runs both.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "data/data.hpp"
#include "kernels/common/philox.hpp"

using namespace accmt;
using namespace accmt::data;

namespace {

class AugmentedImages : public Dataset {
 public:
  explicit AugmentedImages(int64_t n) : n_(n) {
    Generator g(0);
    images_ = randint(0, 256, {n, 3, 32, 32}, {.dtype = DType::Int64}, &g).to(DType::UInt8);
    labels_ = randint(0, 10, {n}, {.dtype = DType::Int64}, &g);
    mean_ = tensor({0.49, 0.48, 0.45}).reshape({3, 1, 1});
    inv_std_ = tensor({0.25, 0.24, 0.26}).reciprocal().reshape({3, 1, 1});
    flip_ = arange(31, -1, -1);
  }
  int64_t size() const override { return n_; }
  Example get(int64_t i) const override {
    // Crop offsets and the flip come from Philox(seed 1, index): same work whatever the thread.
    philox::U32x4 r = philox::block(1, 0, static_cast<uint64_t>(i));
    const int64_t dy = r.v[0] % 9, dx = r.v[1] % 9;
    Tensor padded = zeros({3, 40, 40}, {.dtype = DType::UInt8});
    padded.narrow(1, 4, 32).narrow(2, 4, 32).copy_(images_[i]);
    Tensor img = padded.narrow(1, dy, 32).narrow(2, dx, 32);
    if (r.v[2] & 1) img = img.index_select(2, flip_);
    img = (img.to(DType::Float32).div(255.0) - mean_) * inv_std_;
    return Example{{"image", img}, {"label", labels_[i]}};
  }

 private:
  int64_t n_;
  Tensor images_, labels_, mean_, inv_std_, flip_;
};

// Keeps this thread busy for ms milliseconds (a stand-in for a training step on the CPU).
void busy_wait_ms(int ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) {
  }
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 3;
  int64_t n = 4096;
  for (int a = 1; a + 1 < argc; a += 2) {
    if (!std::strcmp(argv[a], "--reps")) reps = std::atoi(argv[a + 1]);
    if (!std::strcmp(argv[a], "--examples")) n = std::atoll(argv[a + 1]);
  }
  auto ds = std::make_shared<AugmentedImages>(n);
  std::printf("# accmt DataLoader, %lld examples, batch 64, %d OpenMP threads in the caller\n", (long long)n,
              omp_get_max_threads());
  for (int step_ms : {0, 2}) {
    for (int workers : {0, 1, 2}) {
      DataLoader loader(ds, {.batch_size = 64, .shuffle = true, .num_workers = workers, .seed = 0});
      double best = 1e30;
      int64_t batches = 0;
      for (int r = 0; r < reps + 1; ++r) {  // the first epoch warms up
        auto t0 = std::chrono::steady_clock::now();
        batches = 0;
        for (Batch& b : loader) {
          batches += b["image"].size(0) == 64;
          busy_wait_ms(step_ms);
        }
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (r > 0) best = std::min(best, s);
      }
      std::printf("%d\t%d\t%.0f\t%.1f\n", workers, step_ms, double(n) / best, double(batches) / best);
    }
  }
}
