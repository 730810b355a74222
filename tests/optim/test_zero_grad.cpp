// zero_grad(set_to_none) both ways, parameters without gradients, and LR access for
// schedulers.
#include "optim_helpers.hpp"

using namespace optest;

TEST_SUITE("optim.zero_grad") {
  TEST_CASE("zero_grad(true) drops the gradients, zero_grad(false) zeroes them in place") {
    std::vector<Tensor> p = initial_params(DType::Float64);
    optim::SGD opt(p, {.lr = 0.1});
    mlp_loss(p, DType::Float64).backward();
    Tensor g0 = p[0].grad();
    REQUIRE(g0.defined());
    opt.zero_grad(false);
    for (const Tensor& t : p) {
      REQUIRE(t.grad().defined());
      CHECK(t.grad().abs().sum().item<double>() == 0.0);
    }
    CHECK(p[0].grad().is_same(g0));  // same tensor, zeroed in place

    mlp_loss(p, DType::Float64).backward();
    opt.zero_grad();  // default: set to none
    for (const Tensor& t : p) CHECK_FALSE(t.grad().defined());
  }

  TEST_CASE("parameters without a gradient are skipped and get no state") {
    std::vector<Tensor> p = initial_params(DType::Float64);
    optim::Adam opt(p, {.lr = 0.1});
    Tensor before = p[3].detach().clone();
    accmt::Tensor loss = (p[0].sum() + p[1].sum() + p[2].sum()).square();
    loss.backward();
    opt.step();
    CHECK(p[3].detach().equal(before));
    CHECK(opt.state_dict().state.count(3) == 0);
    CHECK(opt.state_dict().state.count(0) == 1);
  }

  TEST_CASE("schedulers read and write the learning rate per group") {
    std::vector<Tensor> p = initial_params(DType::Float64);
    optim::AdamW opt(two_groups(p, {{"lr", 0.5}}, {}), {.lr = 1e-3, .weight_decay = 0.01});
    REQUIRE(opt.param_groups().size() == 2);
    CHECK(opt.param_groups()[0].lr() == 0.5);
    CHECK(opt.param_groups()[1].lr() == 1e-3);
    opt.param_groups()[1].set_lr(0.25);
    CHECK(opt.param_groups()[1].get("lr") == 0.25);
    CHECK(opt.param_groups()[1].get("weight_decay") == 0.01);
    CHECK(opt.name() == "AdamW");
  }

  TEST_CASE("groups written inline with designated defaults, as in docs/optim.md") {
    std::vector<Tensor> p = initial_params(DType::Float64);
    std::vector<Tensor> encoder{p[0], p[1]}, head{p[2], p[3]};
    optim::SGD sgd({{encoder, {{"lr", 1e-4}}}, {head, {}}}, {.lr = 1e-2, .momentum = 0.9});
    CHECK(sgd.param_groups()[0].lr() == 1e-4);
    CHECK(sgd.param_groups()[1].lr() == 1e-2);
    CHECK(sgd.param_groups()[0].get("momentum") == 0.9);
  }

  TEST_CASE("a learning rate set between steps takes effect at the next step") {
    std::vector<Tensor> p = initial_params(DType::Float64);
    optim::SGD opt(p, {.lr = 0.0});
    Tensor before = p[0].detach().clone();
    train_step(opt, p, DType::Float64);
    CHECK(p[0].detach().equal(before));  // lr 0: no move
    opt.param_groups()[0].set_lr(0.1);
    opt.zero_grad();
    mlp_loss(p, DType::Float64).backward();
    Tensor expected = before - p[0].grad() * 0.1;
    opt.step();
    CHECK(p[0].detach().allclose(expected, 1e-15, 0.0));
  }
}
