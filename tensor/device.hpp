#pragma once
#include <ostream>
#include <string>

#include "kernels/common/device_type.hpp"

namespace accmt {

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;

  Device() = default;
  Device(DeviceType t, int i = 0) : type(t), index(i) {}
  // Parses "cpu", "cuda", "cuda:N"; throws accmt::Error on anything else.
  Device(const std::string& spec);  // NOLINT: strings convert like torch.device("cuda:0")
  Device(const char* spec) : Device(std::string(spec)) {}

  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  std::string str() const;
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
};

inline const Device kCPU{DeviceType::CPU, 0};

std::ostream& operator<<(std::ostream& os, const Device& d);

namespace cpu {
// Returns the blocks the CPU allocator keeps for reuse (freed tensors of 1 MiB and more,
// at most 1 GiB in all) to the operating system.
void empty_cache();
}  // namespace cpu

namespace cuda {
// Number of visible CUDA devices (0 in a CPU-only build or without a GPU).
int device_count();
bool is_available();
void synchronize(int device_index = 0);
}  // namespace cuda

}  // namespace accmt
