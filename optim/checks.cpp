// Hyper-parameter validation (see checks.hpp).
#include "optim/checks.hpp"

#include <cmath>

namespace accmt::optim::detail {

void check_nonneg(const char* opt, const char* what, double value) {
  ACCMT_CHECK(!std::isnan(value) && value >= 0.0, opt, ": Invalid ", what, ": ", value, " (expected >= 0)");
}

void check_unit(const char* opt, const char* what, double value) {
  ACCMT_CHECK(value >= 0.0 && value < 1.0, opt, ": Invalid ", what, ": ", value, " (expected 0 <= ", what, " < 1)");
}

void check_common(const char* opt, const Options& o) {
  auto has = [&](const char* k) { return o.count(k) != 0; };
  if (has("lr")) check_nonneg(opt, "learning rate", o.at("lr"));
  if (has("eps")) check_nonneg(opt, "epsilon value", o.at("eps"));
  if (has("weight_decay")) check_nonneg(opt, "weight_decay value", o.at("weight_decay"));
  if (has("beta1")) check_unit(opt, "beta parameter at index 0", o.at("beta1"));
  if (has("beta2")) check_unit(opt, "beta parameter at index 1", o.at("beta2"));
}

}  // namespace accmt::optim::detail
