#pragma once
// Hyper-parameter validation shared by the optimizers; messages follow PyTorch's
// ("Invalid learning rate: -1") prefixed by the optimizer's name.
#include <string>

#include "optim/optimizer.hpp"

namespace accmt::optim::detail {

// value >= 0 (and finite), else "<opt>: Invalid <what>: <value> (expected >= 0)".
void check_nonneg(const char* opt, const char* what, double value);
// 0 <= value < 1.
void check_unit(const char* opt, const char* what, double value);
// The common trio: lr, eps, weight_decay >= 0 for the keys present in `o`.
void check_common(const char* opt, const Options& o);
// Reads a 0/1 flag.
inline bool flag(const ParamGroup& g, const char* key) { return g.get(key) != 0.0; }

}  // namespace accmt::optim::detail
