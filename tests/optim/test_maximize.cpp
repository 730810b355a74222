// maximize=true on gradient g must take exactly the steps of maximize=false on -g, for
// every optimizer that has the flag (the fixtures cover SGD, Adam and NAdam directly).
#include "optim_helpers.hpp"

using namespace optest;

namespace {

template <class Opt, class O>
void check_maximize(const char* name, O options) {
  CAPTURE(name);
  O flipped = options;
  flipped.maximize = true;
  std::vector<Tensor> a = initial_params(DType::Float64), b = initial_params(DType::Float64);
  Opt up(a, flipped), down(b, options);
  for (int k = 0; k < 5; ++k) {
    up.zero_grad();
    down.zero_grad();
    mlp_loss(a, DType::Float64).backward();
    mlp_loss(b, DType::Float64).backward();
    {
      accmt::NoGradGuard no_grad;
      for (Tensor& p : b) p.grad().neg_();
    }
    up.step();
    down.step();
  }
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i].detach().equal(b[i].detach()));
  CHECK_FALSE(a[0].detach().equal(initial_params(DType::Float64)[0]));
}

}  // namespace

TEST_SUITE("optim.maximize") {
  TEST_CASE("maximize equals minimizing the negated gradient, bit for bit") {
    using namespace optim;
    check_maximize<SGD>("SGD", SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
    check_maximize<Adam>("Adam", AdamOptions{.lr = 0.01, .weight_decay = 0.01, .amsgrad = true});
    check_maximize<AdamW>("AdamW", AdamWOptions{.lr = 0.01});
    check_maximize<Adamax>("Adamax", AdamaxOptions{.weight_decay = 0.01});
    check_maximize<NAdam>("NAdam", NAdamOptions{.weight_decay = 0.01});
    check_maximize<RAdam>("RAdam", RAdamOptions{.weight_decay = 0.01});
    check_maximize<Adagrad>("Adagrad", AdagradOptions{.weight_decay = 0.01});
    check_maximize<Adadelta>("Adadelta", AdadeltaOptions{.weight_decay = 0.01});
    check_maximize<RMSprop>("RMSprop", RMSpropOptions{.weight_decay = 0.01, .momentum = 0.5, .centered = true});
    check_maximize<Rprop>("Rprop", RpropOptions{});
    check_maximize<ASGD>("ASGD", ASGDOptions{.t0 = 2, .weight_decay = 0.01});
  }
}
