#pragma once
// parallel_for over [0, n) in contiguous chunks, one per OpenMP thread, when the work is
// large enough to pay for the threads.
#include <algorithm>
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace accmt::kernels::cpu {

inline constexpr int64_t kGrain = 32768;

template <class F> void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
#ifdef _OPENMP
  if (n > grain && !omp_in_parallel() && omp_get_max_threads() > 1) {
#pragma omp parallel
    {
      int64_t nt = omp_get_num_threads(), tid = omp_get_thread_num();
      int64_t chunk = (n + nt - 1) / nt;
      int64_t begin = std::min(n, tid * chunk), end = std::min(n, begin + chunk);
      if (begin < end) f(begin, end);
    }
    return;
  }
#endif
  (void)grain;
  f(int64_t(0), n);
}

// Row chunks for kernels that also sum over rows (parameter gradients): one chunk per
// thread for large inputs, each with its own partial sums that the caller adds up in
// chunk order afterwards (no atomics, so the sums do not depend on thread timing).
inline int64_t num_row_chunks(int64_t rows, int64_t cols) {
#ifdef _OPENMP
  if (rows * cols > kGrain && !omp_in_parallel())
    return std::max<int64_t>(1, std::min<int64_t>(rows, omp_get_max_threads()));
#endif
  (void)rows; (void)cols;
  return 1;
}

// Calls f(chunk, r0, r1) for the nchunks contiguous row ranges covering [0, rows).
template <class F> void for_row_chunks(int64_t nchunks, int64_t rows, F&& f) {
  int64_t per = (rows + nchunks - 1) / nchunks;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (nchunks > 1)
#endif
  for (int64_t c = 0; c < nchunks; ++c) {
    int64_t r0 = std::min(rows, c * per), r1 = std::min(rows, r0 + per);
    f(c, r0, r1);
  }
}

}  // namespace accmt::kernels::cpu
