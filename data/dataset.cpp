#include "data/dataset.hpp"

namespace accmt::data {

void check_index(const char* dataset, int64_t index, int64_t size) {
  ACCMT_CHECK(index >= 0 && index < size, dataset, ": index ", index, " is out of range for ", size, " examples");
}

}  // namespace accmt::data
