#pragma once
// "Every N units" strings of the Trainer's checkpoint_every: "epoch", "2 epochs", "30ep",
// "50 steps", "eval", "3 evaluations", ... Upstream's grammar: an optional count (default
// 1) and a unit, spaces allowed between; units epoch|ep|epochs|eps,
// step|st|steps|sts, evaluation|eval|evaluations|evals (case-insensitive here). Upstream
// silently ignored an unknown unit; here it is an error naming the valid spellings.
#include <cstdint>
#include <string>

namespace accmt {

struct EverySpec {
  enum class Unit { Steps, Epochs, Evaluations };
  Unit unit = Unit::Epochs;
  int64_t count = 1;

  // Throws accmt::Error naming `option` and the text for anything it cannot read.
  static EverySpec parse(const std::string& text, const std::string& option = "checkpoint_every");
  std::string str() const;  // "2 epochs", "50 steps", "1 evaluations"
  // Whether the boundary just reached (the n-th step, epoch or evaluation, counted from 1)
  // is one this spec fires on.
  bool fires(Unit reached, int64_t n) const { return reached == unit && n > 0 && n % count == 0; }
};

}  // namespace accmt
