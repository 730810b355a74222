#pragma once
// Formatting helpers for Module::extra_repr(), so printed modules read like PyTorch's
// ("Dropout(p=0.1, inplace=False)", "LayerNorm((3,), eps=1e-05, ...)").
#include <cstdint>
#include <string>
#include <vector>

namespace accmt::nn {

// Python's repr(float): the shortest round-trip digits, fixed notation for exponents in
// [-4, 16) ("0.0001", "1.0"), scientific otherwise ("1e-05", "1e+16"); "inf", "nan".
std::string py_float(double v);
// "True" / "False".
inline std::string py_bool(bool v) { return v ? "True" : "False"; }
// Python's repr of a tuple of ints: "(3,)", "(2, 3)".
std::string py_tuple(const std::vector<int64_t>& v);

// Python's torch.nn.modules.module._addindent: indents every line after the first by
// `spaces` (blank lines stay empty); a single line is returned unchanged.
std::string add_indent(const std::string& text, int spaces);

}  // namespace accmt::nn
