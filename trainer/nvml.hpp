#pragma once
// GPU utilisation through NVML, loaded at run time (dlopen of libnvidia-ml.so.1): never a
// build or link dependency, and simply absent on machines without the NVIDIA driver.
#include <optional>
#include <string>

namespace accmt {

// The GPU's utilisation (percent of time a kernel ran over the driver's last sample
// period) for the device with this PCI bus id ("0000:65:00.0"); nothing when NVML or the
// device is not available.
std::optional<double> nvml_gpu_utilization(const std::string& pci_bus_id);

}  // namespace accmt
