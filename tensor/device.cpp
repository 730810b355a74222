#include "tensor/device.hpp"

#include <string>

#include "kernels/backend.hpp"
#include "kernels/cpu/cpu_backend.hpp"
#include "kernels/common/error.hpp"

namespace accmt {

Device::Device(const std::string& spec) {
  auto bad = [&] {
    return Error("Device: cannot parse '" + spec + "'; expected 'cpu', 'cuda' or 'cuda:N' with N >= 0");
  };
  if (spec == "cpu") {
    type = DeviceType::CPU;
    index = 0;
    return;
  }
  if (spec.rfind("cuda", 0) != 0) throw bad();
  type = DeviceType::CUDA;
  index = 0;
  if (spec.size() == 4) return;
  if (spec[4] != ':' || spec.size() == 5) throw bad();
  int value = 0;
  for (size_t i = 5; i < spec.size(); ++i) {
    if (spec[i] < '0' || spec[i] > '9' || value > 100000) throw bad();
    value = value * 10 + (spec[i] - '0');
  }
  index = value;
}

std::string Device::str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }

std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }

namespace cpu {
void empty_cache() { kernels::cpu::release_cached_memory(); }
}  // namespace cpu

namespace cuda {
int device_count() {
  if (!kernels::has_backend(DeviceType::CUDA)) return 0;
  return kernels::backend(DeviceType::CUDA).device_count();
}
bool is_available() { return device_count() > 0; }
void synchronize(int device_index) {
  if (is_available()) kernels::backend(DeviceType::CUDA).synchronize(device_index);
}
}  // namespace cuda

}  // namespace accmt
