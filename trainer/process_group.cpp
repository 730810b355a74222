#include "trainer/process_group.hpp"

namespace accmt {

ProcessGroup& single_process_group() {
  static ProcessGroup group;
  return group;
}

}  // namespace accmt
