#pragma once
#include <cstdint>

namespace accmt {
enum class DeviceType : uint8_t { CPU, CUDA };
}
