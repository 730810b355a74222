#include <omp.h>

#include "data/worker_pool.hpp"

namespace accmt::data {

void prepare_worker_thread() { omp_set_num_threads(1); }

}  // namespace accmt::data
