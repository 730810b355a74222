// Multi-tensor optimizer steps: one list call equals one single-tensor call per parameter
// bit for bit (mixed shapes, sizes off the vector width and the chunk size, empty
// tensors, float32 and float64), and Adam/AdamW/SGD step() equals the per-parameter loop
// they ran before (several groups, parameters without gradients, mixed dtypes).
#include <map>

#include "optim_helpers.hpp"
#include "tensor/native_optim.hpp"
#include "tensor/random.hpp"

using namespace optest;
namespace native = accmt::native;
namespace kernels = accmt::kernels;

namespace {

// Sizes around the CPU chunk (65536) and vector widths, and an empty tensor.
const std::vector<accmt::Shape> kShapes{{3, 5}, {0}, {1}, {7}, {17, 3}, {65536 + 9}, {4099}, {2, 2, 2}};

Tensor rand_like_shape(const accmt::Shape& s, DType dt, double lo = -1.0, double hi = 1.0) {
  return accmt::rand(s, {.dtype = dt}).mul(hi - lo).add(lo);
}

std::vector<Tensor> make(DType dt, double lo, double hi) {
  std::vector<Tensor> out;
  for (const auto& s : kShapes) out.push_back(rand_like_shape(s, dt, lo, hi));
  return out;
}

std::vector<Tensor> copies(const std::vector<Tensor>& v) {
  std::vector<Tensor> out;
  for (const Tensor& t : v) out.push_back(t.clone());
  return out;
}

bool all_equal(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  bool ok = a.size() == b.size();
  for (size_t i = 0; ok && i < a.size(); ++i) ok = a[i].equal(b[i]);
  return ok;
}

bool any_moved(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].numel() > 0 && !a[i].equal(b[i])) return true;
  return false;
}

}  // namespace

TEST_SUITE("optim.multi_tensor") {
  TEST_CASE("adam_step_multi_ equals adam_step_ per tensor, bit for bit") {
    for (DType dt : {DType::Float32, DType::Float64})
      for (int flags = 0; flags < 8; ++flags) {
        CAPTURE(accmt::dtype_name(dt));
        CAPTURE(flags);
        kernels::AdamStepArgs args{0.01, 0.9, 0.999, 1e-8, 0.05, (flags & 4) != 0, (flags & 2) != 0,
                                   (flags & 1) != 0, 3.0};
        auto p = make(dt, -1, 1), g = make(dt, -1, 1), m = make(dt, -0.1, 0.1), v = make(dt, 0, 0.01),
             x = make(dt, 0, 0.02);
        auto p2 = copies(p), m2 = copies(m), v2 = copies(v), x2 = copies(x);
        const auto start = copies(p);
        std::vector<native::AdamOperands> list;
        for (size_t i = 0; i < p.size(); ++i) list.push_back({p[i], g[i], m[i], v[i], args.amsgrad ? x[i] : Tensor(), {}});
        native::adam_step_multi_(list, args);
        for (size_t i = 0; i < p.size(); ++i)
          native::adam_step_(p2[i], g[i], m2[i], v2[i], args.amsgrad ? x2[i] : Tensor(), args);
        CHECK(any_moved(p, start));
        CHECK(all_equal(p, p2));
        CHECK(all_equal(m, m2));
        CHECK(all_equal(v, v2));
        CHECK(all_equal(x, x2));
      }
  }

  TEST_CASE("sgd_step_multi_ equals sgd_step_ per tensor, bit for bit") {
    struct Case {
      double momentum, dampening, weight_decay;
      bool nesterov, maximize, first_step;
    };
    const std::vector<Case> cases{{0.0, 0.0, 0.0, false, false, false}, {0.9, 0.0, 0.01, false, false, true},
                                  {0.9, 0.1, 0.0, false, true, false},  {0.9, 0.0, 0.02, true, false, false},
                                  {0.5, 0.0, 0.0, true, true, true}};
    for (DType dt : {DType::Float32, DType::Float64})
      for (const Case& c : cases) {
        CAPTURE(accmt::dtype_name(dt));
        CAPTURE(c.momentum);
        CAPTURE(c.nesterov);
        kernels::SgdStepArgs args{0.05, c.momentum, c.dampening, c.weight_decay, c.nesterov, c.maximize, c.first_step};
        auto p = make(dt, -1, 1), g = make(dt, -1, 1), b = make(dt, -0.5, 0.5);
        auto p2 = copies(p), b2 = copies(b);
        const auto start = copies(p);
        std::vector<native::SgdOperands> list;
        for (size_t i = 0; i < p.size(); ++i) list.push_back({p[i], g[i], c.momentum != 0 ? b[i] : Tensor()});
        native::sgd_step_multi_(list, args);
        for (size_t i = 0; i < p.size(); ++i) native::sgd_step_(p2[i], g[i], c.momentum != 0 ? b2[i] : Tensor(), args);
        CHECK(any_moved(p, start));
        CHECK(all_equal(p, p2));
        CHECK(all_equal(b, b2));
      }
  }

  TEST_CASE("a list mixing devices or dtypes is rejected with both named") {
    Tensor a = accmt::zeros({3}), b = accmt::zeros({3}, {.dtype = DType::Float64});
    std::vector<native::SgdOperands> list{{a, a.clone(), {}}, {b, b.clone(), {}}};
    kernels::SgdStepArgs args{0.1, 0.0, 0.0, 0.0, false, false, false};
    CHECK_THROWS_WITH_AS(native::sgd_step_multi_(list, args), doctest::Contains("float64"), accmt::Error);
  }

  TEST_CASE("Adam, AdamW and SGD step() equal the per-parameter loop over groups, dtypes and missing grads") {
    // The per-parameter updates these optimizers ran before the multi-tensor path.
    auto adam_reference = [](optim::Optimizer& opt, std::map<const void*, std::map<std::string, Tensor>>& state) {
      for (auto& g : opt.param_groups()) {
        kernels::AdamStepArgs a{g.get("lr"), g.get("beta1"), g.get("beta2"), g.get("eps"), g.get("weight_decay"),
                                g.get("decoupled_weight_decay") != 0, g.get("amsgrad") != 0, g.get("maximize") != 0, 0};
        for (const Tensor& p : g.params) {
          if (!p.grad().defined()) continue;
          auto& st = state[p.impl()];
          if (!st.count("m")) {
            st["m"] = accmt::zeros_like(p);
            st["v"] = accmt::zeros_like(p);
            st["x"] = accmt::zeros_like(p);
            st["t"] = accmt::zeros({});
          }
          st["t"].add_(1);
          a.step = st["t"].item<double>();
          native::adam_step_(p, p.grad(), st["m"], st["v"], a.amsgrad ? st["x"] : Tensor(), a);
        }
      }
    };
    auto sgd_reference = [](optim::Optimizer& opt, std::map<const void*, std::map<std::string, Tensor>>& state) {
      for (auto& g : opt.param_groups()) {
        kernels::SgdStepArgs a{g.get("lr"),           g.get("momentum"),      g.get("dampening"), g.get("weight_decay"),
                               g.get("nesterov") != 0, g.get("maximize") != 0, false};
        for (const Tensor& p : g.params) {
          if (!p.grad().defined()) continue;
          auto& st = state[p.impl()];
          a.first_step = !st.count("b");
          if (a.first_step) st["b"] = accmt::empty_like(p);
          native::sgd_step_(p, p.grad(), st["b"], a);
        }
      }
    };
    for (int which = 0; which < 3; ++which) {
      CAPTURE(which);
      std::vector<Tensor> ps, qs;
      for (size_t i = 0; i < kShapes.size(); ++i) {
        DType dt = i % 3 == 1 ? DType::Float64 : DType::Float32;
        Tensor p = rand_like_shape(kShapes[i], dt).requires_grad_();
        ps.push_back(p);
        qs.push_back(p.detach().clone().requires_grad_());
      }
      auto groups = [](std::vector<Tensor>& v) {
        return std::vector<optim::ParamGroup>{{{v[0], v[1], v[2], v[3]}, {{"lr", 0.01}}},
                                              {{v[4], v[5], v[6], v[7]}, {{"lr", 0.03}}}};
      };
      std::unique_ptr<optim::Optimizer> opt;
      if (which == 0) opt = std::make_unique<optim::Adam>(groups(ps), optim::AdamOptions{.weight_decay = 0.1, .amsgrad = true});
      if (which == 1) opt = std::make_unique<optim::AdamW>(groups(ps), optim::AdamWOptions{.maximize = true});
      if (which == 2)
        opt = std::make_unique<optim::SGD>(groups(ps), optim::SGDOptions{.momentum = 0.9, .weight_decay = 0.01,
                                                                         .nesterov = true});
      // The reference runs the same options on its own copies.
      std::unique_ptr<optim::Optimizer> ref_opts;
      if (which == 0) ref_opts = std::make_unique<optim::Adam>(groups(qs), optim::AdamOptions{.weight_decay = 0.1, .amsgrad = true});
      if (which == 1) ref_opts = std::make_unique<optim::AdamW>(groups(qs), optim::AdamWOptions{.maximize = true});
      if (which == 2)
        ref_opts = std::make_unique<optim::SGD>(groups(qs), optim::SGDOptions{.momentum = 0.9, .weight_decay = 0.01,
                                                                              .nesterov = true});
      std::map<const void*, std::map<std::string, Tensor>> state;
      for (int k = 0; k < 4; ++k) {
        for (size_t i = 0; i < ps.size(); ++i) {
          // Parameter 3 has no gradient on odd steps: its step count falls behind the others'.
          if (i == 3 && k % 2 == 1) {
            ps[i].set_grad(Tensor());
            qs[i].set_grad(Tensor());
            continue;
          }
          Tensor g = rand_like_shape(kShapes[i], ps[i].dtype());
          ps[i].set_grad(g);
          qs[i].set_grad(g.clone());
        }
        opt->step();
        accmt::NoGradGuard no_grad;
        if (which == 2) sgd_reference(*ref_opts, state);
        else adam_reference(*ref_opts, state);
      }
      for (size_t i = 0; i < ps.size(); ++i) CHECK(ps[i].detach().equal(qs[i].detach()));
    }
  }
}
