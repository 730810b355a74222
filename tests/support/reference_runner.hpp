#pragma once
// Runs a table of reference cases against one fixture file: feeds each case's inputs to
// its accmt expression, compares outputs (dtype and values) and, for grad cases, the
// input gradients after backward with the stored upstream gradients.
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tensor/tensor.hpp"

namespace accmt::test {

using Ins = std::vector<Tensor>;
using Outs = std::vector<Tensor>;

struct Tol {
  double rtol, atol;
};

struct RefCase {
  std::string name;                            // the case name in make_fixtures.py
  std::function<Outs(const Ins&)> fn;          // the accmt version of the PyTorch expression
  std::optional<Tol> tol = std::nullopt;       // default: by the expected dtype
};

// Default tolerances by dtype: float64 1e-10, float32 1e-5, 16-bit floats 1e-2, exact otherwise.
Tol default_tol(DType expected);

// Runs every case of `cases` on fixtures/<file>, and checks that the table and the file
// hold the same case names (so no fixture goes untested).
void run_reference_cases(const std::string& file, const std::vector<RefCase>& cases);

inline Outs outs(const std::pair<Tensor, Tensor>& p) { return {p.first, p.second}; }
inline Outs outs(const std::vector<Tensor>& v) { return v; }

}  // namespace accmt::test

// OP(expr, ...) is a case function over the inputs `x`, returning the listed outputs.
#define ACCMT_REF_OP(...) []([[maybe_unused]] const ::accmt::test::Ins& x) -> ::accmt::test::Outs { return {__VA_ARGS__}; }
// OPS(expr) for an expression that already yields Outs (pairs, split results).
#define ACCMT_REF_OPS(...) [](const ::accmt::test::Ins& x) -> ::accmt::test::Outs { return ::accmt::test::outs(__VA_ARGS__); }
