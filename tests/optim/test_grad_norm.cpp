// The fused global gradient norm (optim::grad_norm) and clip_grad_norm_ against the
// formula with plain tensor ops: per-gradient norms, the norm of those, and the
// clip coefficient min(1, max_norm / (total + 1e-6)).
#include <cmath>

#include "optim_helpers.hpp"
#include "tensor/native_clip.hpp"
#include "tensor/random.hpp"

using namespace optest;

namespace {

// Mixed sizes: a chunk and a bit (65536 + 5), off the vector width, an empty one.
std::vector<Tensor> leaves(DType dt, bool mixed_dtypes = false) {
  const std::vector<accmt::Shape> shapes{{65541}, {3, 7}, {0}, {1}, {129}, {2, 2, 5}};
  std::vector<Tensor> out;
  for (size_t i = 0; i < shapes.size(); ++i) {
    const DType d = mixed_dtypes && i % 2 == 1 ? DType::Float64 : dt;
    Tensor p = accmt::zeros(shapes[i], {.dtype = d}).requires_grad_();
    p.set_grad(accmt::randn(shapes[i], {.dtype = d}).mul(double(i + 1)));
    out.push_back(p);
  }
  out.push_back(accmt::zeros({4}, {.dtype = dt}).requires_grad_());  // no gradient
  return out;
}

// The formula of torch.nn.utils.clip_grad_norm_ with plain tensor ops. An empty
// gradient's norm is 0, which adds nothing to any p-norm (nor to the max), so it is left
// out here (a max over no elements is an error for the plain reduction).
Tensor reference_total(const std::vector<Tensor>& ps, double p, DType combine) {
  std::vector<Tensor> norms;
  for (const Tensor& t : ps)
    if (t.grad().defined() && t.grad().numel() > 0) norms.push_back(t.grad().norm(p).to(combine));
  return accmt::stack(norms).norm(p);
}

double tol(DType dt) { return dt == DType::Float64 ? 1e-12 : 2e-5; }

}  // namespace

TEST_SUITE("optim.grad_norm") {
  TEST_CASE("grad_norm equals the norm of the per-gradient norms and leaves the gradients alone") {
    for (DType dt : {DType::Float32, DType::Float64})
      for (double p : {2.0, 1.0, optim::kInf, 3.0, 0.5}) {
        CAPTURE(accmt::dtype_name(dt));
        CAPTURE(p);
        auto ps = leaves(dt);
        std::vector<Tensor> before;
        for (const Tensor& t : ps) before.push_back(t.grad().defined() ? t.grad().clone() : Tensor());
        Tensor total = optim::grad_norm(ps, p);
        CHECK(total.dim() == 0);
        CHECK(total.dtype() == dt);
        const double want = reference_total(ps, p, dt).item<double>();
        CHECK(total.item<double>() == doctest::Approx(want).epsilon(tol(dt)));
        for (size_t i = 0; i < ps.size(); ++i)
          if (before[i].defined()) CHECK(ps[i].grad().equal(before[i]));
      }
  }

  TEST_CASE("clip_grad_norm_ matches the reference total and scaled gradients") {
    for (bool mixed : {false, true})
      for (double p : {2.0, optim::kInf, 1.0, 4.0}) {
        CAPTURE(mixed);
        CAPTURE(p);
        const DType dt = DType::Float32;
        const DType combine = mixed ? DType::Float64 : dt;
        auto ps = leaves(dt, mixed);
        const Tensor want_total = reference_total(ps, p, combine);
        const Tensor coef = (1.5 / want_total.add(1e-6)).clamp_max(1.0);
        std::vector<Tensor> want;
        for (const Tensor& t : ps) want.push_back(t.grad().defined() ? t.grad().mul(coef.to(t.dtype())) : Tensor());
        Tensor total = optim::clip_grad_norm_(ps, 1.5, p);
        CHECK(total.dtype() == combine);
        CHECK(total.item<double>() == doctest::Approx(want_total.item<double>()).epsilon(tol(dt)));
        CHECK(coef.item<double>() < 1.0);  // it clipped
        for (size_t i = 0; i < ps.size(); ++i)
          if (want[i].defined()) CHECK(ps[i].grad().allclose(want[i], 1e-5, 1e-7));
      }
  }

  TEST_CASE("multi_norm is deterministic and takes non-contiguous tensors") {
    Tensor big = accmt::randn({300, 700});
    std::vector<Tensor> list{big, big.t(), accmt::randn({5}), accmt::zeros({0})};
    Tensor a = accmt::native::multi_norm(list, 2.0), b = accmt::native::multi_norm(list, 2.0);
    CHECK(a.equal(b));
    auto v = a.to_vector<float>();
    CHECK(v[0] == doctest::Approx(big.norm().item<double>()).epsilon(1e-5));
    CHECK(v[1] == doctest::Approx(v[0]).epsilon(1e-6));
    CHECK(v[3] == 0.0f);
  }

  TEST_CASE("multi_scale_ multiplies every tensor by a device scalar, like mul_") {
    std::vector<Tensor> list{accmt::randn({70000}), accmt::randn({3, 3}).t(), accmt::randn({7})};
    std::vector<Tensor> want;
    Tensor s = accmt::full({}, 0.37, {.dtype = DType::Float64});
    for (const Tensor& t : list) want.push_back(t.mul(s.to(t.dtype())));
    accmt::native::multi_scale_(list, s);
    for (size_t i = 0; i < list.size(); ++i) CHECK(list[i].equal(want[i]));
  }
}
