#pragma once
// Test support: reads the PyTorch reference fixtures (safetensors files written by
// tests/reference/make_fixtures.py) and compares tensors allclose-style.
#include <map>
#include <string>
#include <vector>

#include "tensor/tensor.hpp"

namespace accmt::test {

// All tensors of one safetensors file, loaded eagerly as contiguous CPU tensors.
// The header is validated as REFERENCE.md "File formats" requires; a bad file throws
// accmt::Error naming the file and the problem.
class Fixtures {
 public:
  explicit Fixtures(const std::string& path);

  // Throws accmt::Error naming the file and the missing key.
  const Tensor& get(const std::string& name) const;
  bool has(const std::string& name) const { return tensors_.count(name) != 0; }
  // Tensor names in sorted order.
  std::vector<std::string> names() const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::map<std::string, Tensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

// <repo>/tests/reference/fixtures/<file>.
std::string fixture_path(const std::string& file);

// Checks that shapes match exactly and that every element satisfies
// |actual - expected| <= atol + rtol * |expected| (NaN matches NaN, inf matches the same
// inf; integers and bools compare exactly). Reports the first mismatch (index and both
// values), the mismatch count and the largest difference via doctest, prefixed by `what`.
// Returns whether the tensors matched. Dtypes may differ (values are compared as numbers).
bool check_close(const Tensor& actual, const Tensor& expected, double rtol, double atol, const std::string& what);

// Element values in row-major order, read straight from memory (independent of the
// library's own conversion kernels). CPU tensors only.
std::vector<double> host_values(const Tensor& t);

}  // namespace accmt::test
