#include "kernels/backend.hpp"

#include "kernels/common/error.hpp"

namespace accmt::kernels {

Backend& cpu_backend();  // kernels/cpu/cpu_backend.cpp
#ifdef ACCMT_WITH_CUDA
Backend& cuda_backend();  // kernels/cuda/cuda_backend.cu
#endif

void Backend::missing(const char* family) const {
  throw Error(std::string("kernel '") + family + "' has no " + name() +
              " version in this build of accmt; move the tensors to the CPU or use a build that has it");
}

bool has_backend(DeviceType type) {
#ifdef ACCMT_WITH_CUDA
  return true;
#else
  return type == DeviceType::CPU;
#endif
}

Backend& backend(DeviceType type) {
  if (type == DeviceType::CPU) return cpu_backend();
#ifdef ACCMT_WITH_CUDA
  return cuda_backend();
#else
  throw Error("this build of accmt has no CUDA support (configured without nvcc or with ACCMT_CUDA=OFF)");
#endif
}

}  // namespace accmt::kernels
