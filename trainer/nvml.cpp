#include "trainer/nvml.hpp"

#include <dlfcn.h>

#include <mutex>

namespace accmt {

namespace {

// The few NVML entry points used, by their C signatures (nvml.h is not needed).
struct NvmlUtilization {
  unsigned int gpu, memory;
};
using NvmlDevice = void*;
using InitFn = int (*)();
using HandleByPciFn = int (*)(const char*, NvmlDevice*);
using UtilizationFn = int (*)(NvmlDevice, NvmlUtilization*);

struct Nvml {
  HandleByPciFn handle_by_pci = nullptr;
  UtilizationFn utilization = nullptr;
  bool ok = false;
};

const Nvml& nvml() {
  static Nvml lib;
  static std::once_flag once;
  std::call_once(once, [] {
    void* h = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) return;
    auto init = reinterpret_cast<InitFn>(::dlsym(h, "nvmlInit_v2"));
    lib.handle_by_pci = reinterpret_cast<HandleByPciFn>(::dlsym(h, "nvmlDeviceGetHandleByPciBusId_v2"));
    lib.utilization = reinterpret_cast<UtilizationFn>(::dlsym(h, "nvmlDeviceGetUtilizationRates"));
    lib.ok = init != nullptr && lib.handle_by_pci != nullptr && lib.utilization != nullptr && init() == 0;
  });
  return lib;
}

}  // namespace

std::optional<double> nvml_gpu_utilization(const std::string& pci_bus_id) {
  const Nvml& lib = nvml();
  if (!lib.ok || pci_bus_id.empty()) return std::nullopt;
  NvmlDevice device = nullptr;
  if (lib.handle_by_pci(pci_bus_id.c_str(), &device) != 0) return std::nullopt;
  NvmlUtilization u{};
  if (lib.utilization(device, &u) != 0) return std::nullopt;
  return double(u.gpu);
}

}  // namespace accmt
