// Capturable mode (device-resident step counters and hyper-parameters) of Adam, AdamW
// and SGD: on CPU tensors it runs the same kernels' capturable path, and must match the
// eager path bit for bit while a schedule changes the learning rate every step; its
// state_dict loads across modes; optimizers without it refuse it by name.
#include <cmath>

#include "optim_helpers.hpp"
#include "tensor/random.hpp"

using namespace optest;

namespace {

using Make = std::function<std::unique_ptr<optim::Optimizer>(std::vector<optim::ParamGroup>)>;

const std::vector<accmt::Shape> kShapes{{4, 3}, {5}, {0}, {70000}, {33}};

std::vector<Tensor> params(DType dt) {
  std::vector<Tensor> out;
  for (const auto& s : kShapes) out.push_back(accmt::randn(s, {.dtype = dt}).requires_grad_());
  return out;
}

std::vector<Tensor> leaf_copies(const std::vector<Tensor>& v) {
  std::vector<Tensor> out;
  for (const Tensor& t : v) out.push_back(t.detach().clone().requires_grad_());
  return out;
}

// Two groups with different learning rates; parameter 1 skips every third step.
std::vector<optim::ParamGroup> groups(const std::vector<Tensor>& p) {
  return {{{p[0], p[1]}, {{"lr", 0.02}}}, {{p[2], p[3], p[4]}, {{"lr", 0.01}}}};
}

void set_grads(std::vector<Tensor>& a, std::vector<Tensor>& b, int step) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (i == 1 && step % 3 == 2) {
      a[i].set_grad(Tensor());
      b[i].set_grad(Tensor());
      continue;
    }
    Tensor g = accmt::randn(a[i].sizes(), {.dtype = a[i].dtype()});
    a[i].set_grad(g);
    b[i].set_grad(g.clone());
  }
}

// A schedule: every group's lr decays by 0.93 per step (and the second group's jumps at step 7).
void schedule(optim::Optimizer& opt, int step) {
  for (size_t g = 0; g < opt.param_groups().size(); ++g) {
    auto& group = opt.param_groups()[g];
    double lr = group.lr() * 0.93;
    if (g == 1 && step == 7) lr *= 3.0;
    group.set_lr(lr);
  }
}

bool same(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  bool ok = true;
  for (size_t i = 0; i < a.size(); ++i) ok = ok && a[i].detach().equal(b[i].detach());
  return ok;
}

void check_capturable_matches(const Make& make, DType dt) {
  auto a = params(dt);
  auto b = leaf_copies(a);
  const auto start = leaf_copies(a);
  auto eager = make(groups(a));
  auto cap = make(groups(b));
  cap->set_capturable(true);
  REQUIRE(cap->capturable());
  for (int k = 0; k < 20; ++k) {
    set_grads(a, b, k);
    eager->step();
    cap->step();
    schedule(*eager, k);
    schedule(*cap, k);
  }
  CHECK_FALSE(a[0].detach().equal(start[0].detach()));
  CHECK(same(a, b));
}

Make adam(optim::AdamOptions o) {
  return [o](std::vector<optim::ParamGroup> g) { return std::make_unique<optim::Adam>(std::move(g), o); };
}
Make adamw(optim::AdamWOptions o) {
  return [o](std::vector<optim::ParamGroup> g) { return std::make_unique<optim::AdamW>(std::move(g), o); };
}
Make sgd(optim::SGDOptions o) {
  return [o](std::vector<optim::ParamGroup> g) { return std::make_unique<optim::SGD>(std::move(g), o); };
}

}  // namespace

TEST_SUITE("optim.capturable") {
  TEST_CASE("capturable Adam and AdamW equal the eager path bit for bit under a changing lr") {
    for (DType dt : {DType::Float32, DType::Float64}) {
      CAPTURE(accmt::dtype_name(dt));
      check_capturable_matches(adam({}), dt);
      check_capturable_matches(adam({.weight_decay = 0.1, .amsgrad = true}), dt);
      check_capturable_matches(adam({.betas = {0.8, 0.99}, .maximize = true}), dt);
      check_capturable_matches(adamw({}), dt);
      check_capturable_matches(adamw({.weight_decay = 0.05, .amsgrad = true}), dt);
      check_capturable_matches(adamw({.amsgrad = true, .maximize = true}), dt);
    }
  }

  TEST_CASE("capturable SGD equals the eager path bit for bit under a changing lr") {
    for (DType dt : {DType::Float32, DType::Float64}) {
      CAPTURE(accmt::dtype_name(dt));
      check_capturable_matches(sgd({.lr = 0.1}), dt);
      check_capturable_matches(sgd({.lr = 0.1, .momentum = 0.9}), dt);
      check_capturable_matches(sgd({.lr = 0.1, .momentum = 0.9, .nesterov = true}), dt);
      check_capturable_matches(sgd({.lr = 0.1, .momentum = 0.8, .dampening = 0.3, .weight_decay = 0.01}), dt);
      check_capturable_matches(sgd({.lr = 0.1, .momentum = 0.5, .weight_decay = 0.02, .maximize = true}), dt);
    }
  }

  TEST_CASE("the capturable step counter is a float32 scalar on the parameter's device counting steps") {
    auto p = params(DType::Float32);
    optim::Adam opt(groups(p));
    opt.set_capturable(true);
    auto q = leaf_copies(p);
    for (int k = 0; k < 3; ++k) {
      set_grads(p, q, 0);
      opt.step();
    }
    Tensor step = opt.state_dict().state.at(0).at("step");
    CHECK(step.dtype() == DType::Float32);
    CHECK(step.dim() == 0);
    CHECK(step.device() == p[0].device());
    CHECK(step.item<double>() == 3.0);
  }

  TEST_CASE("state_dict loads across modes and continues bit-identically") {
    for (bool from_capturable : {true, false}) {
      CAPTURE(from_capturable);
      auto a = params(DType::Float32);
      auto b = leaf_copies(a);
      optim::AdamW straight(groups(a), {.amsgrad = true});
      optim::AdamW first(groups(b), {.amsgrad = true});
      first.set_capturable(from_capturable);
      for (int k = 0; k < 4; ++k) {
        set_grads(a, b, k);
        straight.step();
        first.step();
      }
      optim::AdamW second(groups(b), {.amsgrad = true});
      second.set_capturable(!from_capturable);
      second.load_state_dict(first.state_dict());
      for (int k = 4; k < 9; ++k) {
        set_grads(a, b, k);
        straight.step();
        second.step();
      }
      CHECK(same(a, b));
      // And back: the state of the second optimizer loads into the first mode again.
      optim::AdamW third(groups(b), {.amsgrad = true});
      third.set_capturable(from_capturable);
      third.load_state_dict(second.state_dict());
      CHECK(third.state_dict().state.at(0).at("step").item<double>() == 9.0);
    }
  }

  TEST_CASE("SGD's momentum state round-trips across modes") {
    auto a = params(DType::Float64);
    auto b = leaf_copies(a);
    optim::SGD straight(groups(a), {.lr = 0.1, .momentum = 0.9});
    optim::SGD first(groups(b), {.lr = 0.1, .momentum = 0.9});
    first.set_capturable(true);
    for (int k = 0; k < 3; ++k) {
      set_grads(a, b, k);
      straight.step();
      first.step();
    }
    optim::SGD second(groups(b), {.lr = 0.1, .momentum = 0.9});
    second.load_state_dict(first.state_dict());
    for (int k = 3; k < 6; ++k) {
      set_grads(a, b, k);
      straight.step();
      second.step();
    }
    CHECK(same(a, b));
  }

  TEST_CASE("optimizers without a capturable step refuse it, naming themselves") {
    auto p = params(DType::Float32);
    optim::RMSprop rms(p);
    CHECK_FALSE(rms.supports_capturable());
    CHECK_THROWS_WITH_AS(rms.set_capturable(true), doctest::Contains("RMSprop"), accmt::Error);
    CHECK_FALSE(rms.capturable());
    rms.set_capturable(false);  // turning it off is always allowed
    optim::Adam adam_opt(p);
    optim::SGD sgd_opt(leaf_copies(p));
    CHECK(adam_opt.supports_capturable());
    CHECK(sgd_opt.supports_capturable());
  }
}
