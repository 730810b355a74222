#include "tests/support/reference_runner.hpp"

#include <doctest/doctest.h>

#include <exception>
#include <set>

#include "autograd/grad_mode.hpp"
#include "autograd/node.hpp"
#include "tests/support/fixtures.hpp"

namespace accmt::test {

Tol default_tol(DType expected) {
  switch (expected) {
    case DType::Float64: return {1e-10, 1e-12};
    case DType::Float32: return {1e-5, 1e-6};
    case DType::Float16:
    case DType::BFloat16: return {1e-2, 1e-2};
    default: return {0, 0};
  }
}

namespace {

std::string key(const std::string& c, const char* what, int i = -1) {
  return c + "." + what + (i >= 0 ? std::to_string(i) : "");
}

bool check_one(const Tensor& actual, const Tensor& expected, const std::optional<Tol>& tol, const std::string& what) {
  if (!actual.defined()) {
    FAIL_CHECK(what << ": accmt returned an undefined tensor");
    return false;
  }
  bool ok = true;
  if (actual.dtype() != expected.dtype()) {
    FAIL_CHECK(what << ": dtype " << dtype_name(actual.dtype()) << ", expected " << dtype_name(expected.dtype()));
    ok = false;
  }
  const Tol t = tol ? *tol : default_tol(expected.dtype());
  return check_close(actual, expected, t.rtol, t.atol, what) && ok;
}

// One case; returns whether everything matched.
bool run_case(const Fixtures& f, const std::string& file, const RefCase& rc) {
  const std::string c = rc.name, where = file + "/" + c;
  Ins in;
  std::vector<int> grad_inputs;
  for (int i = 0; f.has(key(c, "in", i)); ++i) {
    Tensor t = f.get(key(c, "in", i));
    if (f.has(key(c, "grad", i))) {
      t.requires_grad_(true);
      grad_inputs.push_back(i);
    }
    in.push_back(t);
  }
  Outs expected;
  if (f.has(key(c, "out"))) expected.push_back(f.get(key(c, "out")));
  for (int k = 0; f.has(key(c, "out", k)); ++k) expected.push_back(f.get(key(c, "out", k)));

  bool ok = true;
  Outs got;
  try {
    got = rc.fn(in);
  } catch (const std::exception& e) {
    FAIL_CHECK(where << ": forward threw: " << e.what());
    return false;
  }
  if (got.size() != expected.size()) {
    FAIL_CHECK(where << ": " << got.size() << " outputs, expected " << expected.size());
    return false;
  }
  for (size_t k = 0; k < got.size(); ++k)
    ok = check_one(got[k], expected[k], rc.tol, where + (got.size() > 1 ? " out" + std::to_string(k) : " out")) && ok;
  if (grad_inputs.empty()) return ok;

  try {
    Outs roots, gouts;
    if (f.has(key(c, "gout"))) {
      roots.push_back(got[0]);
      gouts.push_back(f.get(key(c, "gout")));
    }
    for (size_t k = 0; k < got.size(); ++k) {
      if (!f.has(key(c, "gout", static_cast<int>(k)))) continue;
      roots.push_back(got[k]);
      gouts.push_back(f.get(key(c, "gout", static_cast<int>(k))));
    }
    if (roots.empty()) got[0].backward();  // scalar loss, implicit gradient 1
    else autograd::backward(roots, gouts);
  } catch (const std::exception& e) {
    FAIL_CHECK(where << ": backward threw: " << e.what());
    return false;
  }
  for (int i : grad_inputs) {
    const Tensor& want = f.get(key(c, "grad", i));
    Tensor g = in[i].grad();
    if (!g.defined()) g = zeros_like(want);  // no gradient reached it: PyTorch reports zeros
    ok = check_one(g, want, rc.tol, where + " grad of input " + std::to_string(i)) && ok;
  }
  return ok;
}

}  // namespace

void run_reference_cases(const std::string& file, const std::vector<RefCase>& cases) {
  const Fixtures f(fixture_path(file));
  std::set<std::string> in_file, in_table;
  for (const std::string& n : f.names()) in_file.insert(n.substr(0, n.find('.')));
  for (const RefCase& rc : cases) {
    CHECK_MESSAGE(in_table.insert(rc.name).second, file << ": case '" << rc.name << "' appears twice in the table");
    CHECK_MESSAGE(in_file.count(rc.name), file << ": case '" << rc.name << "' has no fixture; rerun make_fixtures.py");
  }
  for (const std::string& n : in_file)
    CHECK_MESSAGE(in_table.count(n), file << ": fixture case '" << n << "' has no C++ counterpart in the test table");

  autograd::GradMode::set_enabled(true);
  int passed = 0, failed = 0;
  for (const RefCase& rc : cases) {
    if (!in_file.count(rc.name)) continue;
    (run_case(f, file, rc) ? passed : failed)++;
  }
  if (failed) MESSAGE(file << ": " << passed << " cases matched PyTorch, " << failed << " did not");
}

}  // namespace accmt::test
