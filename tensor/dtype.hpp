#pragma once
#include <ostream>
#include <string>

#include "kernels/common/dtype.hpp"

namespace accmt {

// "float32", "int64", ... as PyTorch prints them.
const char* dtype_name(DType t);
// Parses the names above plus PyTorch's aliases ("float", "half", "long", ...).
DType dtype_from_string(const std::string& name);
// torch.promote_types.
DType promote_types(DType a, DType b);

std::ostream& operator<<(std::ostream& os, DType t);

}  // namespace accmt
