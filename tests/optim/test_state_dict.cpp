// Resume: an optimizer's state saved after k steps and loaded into a fresh optimizer over
// fresh copies of the parameters continues bit-identically to the uninterrupted run.
#include "optim_helpers.hpp"

using namespace optest;

namespace {

struct Named {
  const char* name;
  Factory make;
};

template <class Opt, class O>
Factory one(O options) {
  return [options](std::vector<Tensor>& p) { return std::make_unique<Opt>(p, options); };
}

std::vector<Named> resumable() {
  using namespace optim;
  return {
      {"SGD", one<SGD>(SGDOptions{.lr = 0.05, .momentum = 0.9, .nesterov = true})},
      {"Adam", one<Adam>(AdamOptions{.lr = 0.01, .weight_decay = 0.01, .amsgrad = true})},
      {"AdamW",
       [](std::vector<Tensor>& p) {
         return std::make_unique<AdamW>(two_groups(p, {}, {{"lr", 0.03}}), AdamWOptions{.lr = 0.01});
       }},
      {"Adamax", one<Adamax>(AdamaxOptions{})},
      {"NAdam", one<NAdam>(NAdamOptions{.weight_decay = 0.01})},
      {"RAdam", one<RAdam>(RAdamOptions{.lr = 0.01})},
      {"Adagrad", one<Adagrad>(AdagradOptions{.lr_decay = 0.01})},
      {"Adadelta", one<Adadelta>(AdadeltaOptions{})},
      {"RMSprop", one<RMSprop>(RMSpropOptions{.momentum = 0.5, .centered = true})},
      {"Rprop", one<Rprop>(RpropOptions{})},
      {"ASGD", one<ASGD>(ASGDOptions{.t0 = 3})},
      {"Adafactor", one<Adafactor>(AdafactorOptions{.beta1 = 0.9})},
  };
}

void check_bit_identical(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CAPTURE(i);
    CHECK(a[i].detach().equal(b[i].detach()));
  }
}

}  // namespace

TEST_SUITE("optim.state_dict") {
  TEST_CASE("save after k steps, load into a fresh optimizer, continue bit-identically") {
    for (DType dtype : {DType::Float64, DType::Float32}) {
      for (const Named& n : resumable()) {
        CAPTURE(n.name);
        CAPTURE(accmt::dtype_name(dtype));
        std::vector<Tensor> straight = initial_params(dtype);
        auto opt = n.make(straight);
        for (int k = 0; k < 10; ++k) train_step(*opt, straight, dtype);

        std::vector<Tensor> first = initial_params(dtype);
        auto before = n.make(first);
        for (int k = 0; k < 4; ++k) train_step(*before, first, dtype);
        optim::OptimizerState saved = before->state_dict();
        before.reset();  // nothing may still point into the old optimizer

        std::vector<Tensor> resumed = clones(first);
        auto after = n.make(resumed);
        after->load_state_dict(saved);
        for (int k = 4; k < 10; ++k) train_step(*after, resumed, dtype);
        check_bit_identical(straight, resumed);
      }
    }
  }

  TEST_CASE("state_dict holds PyTorch's state names and the group options") {
    std::vector<Tensor> p = initial_params(DType::Float64);
    optim::Adam opt(p, {.lr = 0.01, .amsgrad = true});
    train_step(opt, p, DType::Float64);
    optim::OptimizerState st = opt.state_dict();
    REQUIRE(st.state.size() == 4);
    for (const char* key : {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}) CHECK(st.state.at(0).count(key) == 1);
    CHECK(st.state.at(0).at("step").item<double>() == 1.0);
    CHECK(st.state.at(0).at("step").dtype() == DType::Float32);  // like PyTorch's CPU "step"
    CHECK(st.state.at(0).at("step").device() == accmt::kCPU);
    CHECK(st.group_options.at(0).at("lr") == 0.01);
    CHECK(st.group_options.at(0).at("amsgrad") == 1.0);
  }

  TEST_CASE("loading changes the hyper-parameters too, and rejects a mismatched layout") {
    std::vector<Tensor> p = initial_params(DType::Float64);
    optim::SGD a(p, {.lr = 0.5, .momentum = 0.9});
    train_step(a, p, DType::Float64);
    std::vector<Tensor> q = clones(p);
    optim::SGD b(q, {.lr = 0.1, .momentum = 0.9});
    b.load_state_dict(a.state_dict());
    CHECK(b.param_groups()[0].lr() == 0.5);

    std::vector<Tensor> fewer{q[0], q[1]};
    optim::SGD c(fewer, {.lr = 0.1, .momentum = 0.9});
    CHECK_THROWS_AS(c.load_state_dict(a.state_dict()), accmt::Error);
  }
}
