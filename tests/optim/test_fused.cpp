// The fused SGD/Adam kernels: non-contiguous parameters, 16-bit parameters, and the
// element formula of kernels/common/optim_math.hpp against a hand-computed step.
#include <cmath>

#include "kernels/common/optim_math.hpp"
#include "optim_helpers.hpp"

using namespace optest;

TEST_SUITE("optim.fused") {
  TEST_CASE("a non-contiguous parameter is updated like its contiguous copy") {
    for (bool adam : {false, true}) {
      CAPTURE(adam);
      Tensor base = accmt::arange(12, accmt::TensorOptions{.dtype = DType::Float64}).reshape({3, 4});
      Tensor start = base.t().clone();
      Tensor strided = base.t().detach().requires_grad_();  // 4x3 view with strides (1, 4)
      REQUIRE_FALSE(strided.is_contiguous());
      Tensor dense = strided.detach().contiguous().requires_grad_();
      Tensor grad = accmt::linspace(-1.0, 1.0, 12, {.dtype = DType::Float64}).reshape({4, 3});
      std::unique_ptr<optim::Optimizer> a, b;
      if (adam) {
        a = std::make_unique<optim::AdamW>(std::vector<Tensor>{strided},
                                           optim::AdamWOptions{.lr = 0.1, .amsgrad = true});
        b = std::make_unique<optim::AdamW>(std::vector<Tensor>{dense}, optim::AdamWOptions{.lr = 0.1, .amsgrad = true});
      } else {
        a = std::make_unique<optim::SGD>(std::vector<Tensor>{strided}, optim::SGDOptions{.lr = 0.1, .momentum = 0.9});
        b = std::make_unique<optim::SGD>(std::vector<Tensor>{dense}, optim::SGDOptions{.lr = 0.1, .momentum = 0.9});
      }
      for (int k = 0; k < 3; ++k) {
        strided.set_grad(grad.clone());
        dense.set_grad(grad.clone());
        a->step();
        b->step();
      }
      CHECK(strided.detach().contiguous().equal(dense.detach()));
      CHECK_FALSE(dense.detach().equal(start));  // it moved
    }
  }

  TEST_CASE("Adam's first step is lr * sign(grad) (up to eps), in float32 and bfloat16 too") {
    for (DType dt : {DType::Float64, DType::Float32, DType::BFloat16}) {
      CAPTURE(accmt::dtype_name(dt));
      Tensor p = accmt::zeros({4}, {.dtype = dt}).requires_grad_();
      optim::Adam opt(std::vector<Tensor>{p}, {.lr = 0.5});
      p.set_grad(accmt::tensor({2.0, -3.0, 0.25, -0.5}, {.dtype = dt}));
      opt.step();
      auto v = p.detach().to(DType::Float64).to_vector<double>();
      const double tol = dt == DType::BFloat16 ? 4e-3 : 1e-6;
      CHECK(v[0] == doctest::Approx(-0.5).epsilon(tol));
      CHECK(v[1] == doctest::Approx(0.5).epsilon(tol));
      CHECK(v[2] == doctest::Approx(-0.5).epsilon(tol));
      CHECK(v[3] == doctest::Approx(0.5).epsilon(tol));
    }
  }

  TEST_CASE("optim_math: SGD momentum and Adam element updates by hand") {
    namespace om = accmt::kernels::optim_math;
    double p = 1.0, buf = 0.0;
    om::SgdCoeffs<double> c{0.1, 0.9, 0.0, 0.0, false, false, true};
    om::sgd_update(p, 2.0, buf, c);  // buf = 2, p = 1 - 0.2
    CHECK(buf == 2.0);
    CHECK(p == doctest::Approx(0.8));
    c.first_step = false;
    om::sgd_update(p, 1.0, buf, c);  // buf = 0.9*2 + 1 = 2.8
    CHECK(buf == doctest::Approx(2.8));
    CHECK(p == doctest::Approx(0.8 - 0.28));

    double q = 1.0, m = 0.0, v = 0.0, vmax = 0.0;
    om::AdamCoeffs<double> a{0.0,       1.0 - 0.1 * 0.5,  0.1,  0.999, 0.001, 0.0,
                             0.1 / 0.1, std::sqrt(0.001), true, false, false};
    // decay to 0.95; m = 0.4, v = 0.016, denom = sqrt(0.016) / sqrt(0.001) = 4, step 1 * 0.4 / 4.
    om::adam_update(q, 4.0, m, v, vmax, a);
    CHECK(m == doctest::Approx(0.4));
    CHECK(v == doctest::Approx(0.016));
    CHECK(q == doctest::Approx(0.95 - 0.1));
  }

  TEST_CASE("optim_math: the AMSGrad running max keeps a NaN, like torch.maximum") {
    namespace om = accmt::kernels::optim_math;
    om::AdamCoeffs<double> a{0.0, 1.0, 0.1, 0.999, 0.001, 1e-8, 1.0, 1.0, false, true, false};
    double p = 1.0, m = 0.0, v = 0.0, vmax = NAN;
    om::adam_update(p, 1.0, m, v, vmax, a);
    CHECK(std::isnan(vmax));
    CHECK(std::isnan(p));
  }
}
