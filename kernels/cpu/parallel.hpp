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

}  // namespace accmt::kernels::cpu
