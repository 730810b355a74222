// clip_grad_norm_ (2-norm, inf-norm, other p, non-finite handling) and clip_grad_value_.
#include <cmath>

#include "optim_helpers.hpp"

using namespace optest;

namespace {

// Two leaves with hand-set gradients [3, -4] and [[12]] (2-norm 13, inf-norm 12, 1-norm 19).
std::vector<Tensor> leaves(DType dtype = DType::Float64) {
  accmt::TensorOptions o{.dtype = dtype};
  Tensor a = accmt::zeros({2}, o).requires_grad_();
  Tensor b = accmt::zeros({1, 1}, o).requires_grad_();
  a.set_grad(accmt::tensor({3.0, -4.0}, o));
  b.set_grad(accmt::full({1, 1}, 12.0, o));
  return {a, b};
}

std::vector<double> grads(const std::vector<Tensor>& p) {
  std::vector<double> out;
  for (const Tensor& t : p)
    for (double v : t.grad().to(DType::Float64).to_vector<double>()) out.push_back(v);
  return out;
}

}  // namespace

TEST_SUITE("optim.clip") {
  TEST_CASE("2-norm: returns the total and scales by max_norm / (total + 1e-6)") {
    auto p = leaves();
    Tensor total = optim::clip_grad_norm_(p, 1.0);
    CHECK(total.dim() == 0);
    CHECK(total.item<double>() == doctest::Approx(13.0).epsilon(1e-15));
    const double s = 1.0 / (13.0 + 1e-6);
    auto g = grads(p);
    CHECK(g[0] == doctest::Approx(3 * s).epsilon(1e-14));
    CHECK(g[1] == doctest::Approx(-4 * s).epsilon(1e-14));
    CHECK(g[2] == doctest::Approx(12 * s).epsilon(1e-14));
  }

  TEST_CASE("a norm below max_norm leaves the gradients as they are") {
    auto p = leaves();
    Tensor total = optim::clip_grad_norm_(p, 100.0);
    CHECK(total.item<double>() == doctest::Approx(13.0));
    auto g = grads(p);
    CHECK(g == std::vector<double>{3.0, -4.0, 12.0});
  }

  TEST_CASE("inf norm and other p") {
    auto p = leaves();
    Tensor total = optim::clip_grad_norm_(p, 6.0, optim::kInf);
    CHECK(total.item<double>() == 12.0);
    CHECK(grads(p)[2] == doctest::Approx(12.0 * 6.0 / (12.0 + 1e-6)).epsilon(1e-14));

    auto q = leaves();
    CHECK(optim::clip_grad_norm_(q, 1e9, 1.0).item<double>() == doctest::Approx(19.0).epsilon(1e-14));
    auto r = leaves(DType::Float32);
    const double p3 = std::cbrt(27.0 + 64.0 + 1728.0);
    Tensor t3 = optim::clip_grad_norm_(r, 1e9, 3.0);
    CHECK(t3.dtype() == DType::Float32);
    CHECK(t3.item<double>() == doctest::Approx(p3).epsilon(1e-6));
  }

  TEST_CASE("non-finite norms: an error with error_if_nonfinite, else scaled like PyTorch") {
    auto p = leaves();
    p[1].set_grad(accmt::full({1, 1}, INFINITY, {.dtype = DType::Float64}));
    CHECK_THROWS_WITH_AS(optim::clip_grad_norm_(p, 1.0, 2.0, true), doctest::Contains("non-finite"), accmt::Error);
    CHECK(grads(p)[0] == 3.0);  // untouched by the failed call

    Tensor total = optim::clip_grad_norm_(p, 1.0);
    CHECK(std::isinf(total.item<double>()));
    auto g = grads(p);
    CHECK(g[0] == 0.0);       // 3 * (1 / inf)
    CHECK(std::isnan(g[2]));  // inf * 0
  }

  TEST_CASE("parameters without gradients are skipped; none at all gives 0") {
    Tensor a = accmt::zeros({3}).requires_grad_();
    CHECK(optim::clip_grad_norm_({a}, 1.0).item<double>() == 0.0);
    auto p = leaves();
    p.push_back(a);
    CHECK(optim::clip_grad_norm_(p, 100.0).item<double>() == doctest::Approx(13.0));
  }

  TEST_CASE("clip_grad_value_ clamps every element") {
    auto p = leaves();
    optim::clip_grad_value_(p, 3.5);
    CHECK(grads(p) == std::vector<double>{3.0, -3.5, 3.5});
    CHECK_THROWS_AS(optim::clip_grad_value_(p, -1.0), accmt::Error);
    CHECK_THROWS_AS(optim::clip_grad_norm_(p, 1.0, -2.0), accmt::Error);
  }
}
