// Invalid hyper-parameters and unsupported optimizers fail with errors naming the
// optimizer and the bad value, like PyTorch's.
#include "optim_helpers.hpp"
#include "tensor/native_optim.hpp"

using namespace optest;

TEST_SUITE("optim.errors") {
  TEST_CASE("invalid hyper-parameters") {
    std::vector<Tensor> p = initial_params(DType::Float64);
    using namespace optim;
    CHECK_THROWS_WITH_AS(SGD(p, {.lr = -1.0}), doctest::Contains("SGD: Invalid learning rate: -1"), accmt::Error);
    CHECK_THROWS_WITH_AS(SGD(p, {.lr = 0.1, .nesterov = true}), doctest::Contains("Nesterov momentum requires"),
                         accmt::Error);
    CHECK_THROWS_AS(SGD(p, {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}), accmt::Error);
    CHECK_THROWS_AS(SGD(p, {.momentum = -0.5}), accmt::Error);
    CHECK_THROWS_WITH_AS(Adam(p, {.betas = {1.0, 0.999}}), doctest::Contains("Invalid beta parameter at index 0"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(AdamW(p, {.betas = {0.9, -0.1}}),
                         doctest::Contains("AdamW: Invalid beta parameter at index 1"), accmt::Error);
    CHECK_THROWS_WITH_AS(Adam(p, {.eps = -1e-8}), doctest::Contains("Invalid epsilon value"), accmt::Error);
    CHECK_THROWS_AS(Adamax(p, {.weight_decay = -1}), accmt::Error);
    CHECK_THROWS_AS(NAdam(p, {.momentum_decay = -1}), accmt::Error);
    CHECK_THROWS_AS(RAdam(p, {.lr = -0.1}), accmt::Error);
    CHECK_THROWS_AS(Adagrad(p, {.lr_decay = -1}), accmt::Error);
    CHECK_THROWS_AS(Adagrad(p, {.initial_accumulator_value = -1}), accmt::Error);
    CHECK_THROWS_AS(Adadelta(p, {.rho = 1.5}), accmt::Error);
    CHECK_THROWS_AS(RMSprop(p, {.alpha = -0.1}), accmt::Error);
    CHECK_THROWS_AS(RMSprop(p, {.momentum = -0.1}), accmt::Error);
    CHECK_THROWS_WITH_AS(Rprop(p, {.etas = {1.5, 1.2}}), doctest::Contains("Invalid eta values"), accmt::Error);
    CHECK_THROWS_AS(Rprop(p, {.step_sizes = {1.0, 0.5}}), accmt::Error);
    CHECK_THROWS_AS(ASGD(p, {.lr = -1}), accmt::Error);
  }

  TEST_CASE("a bad option in one parameter group is caught too") {
    std::vector<Tensor> p = initial_params(DType::Float64);
    CHECK_THROWS_WITH_AS(optim::SGD(two_groups(p, {}, {{"lr", -0.5}})), doctest::Contains("Invalid learning rate"),
                         accmt::Error);
    CHECK_THROWS_WITH_AS(optim::SGD(two_groups(p, {}, {{"betas", 0.5}})), doctest::Contains("unknown option 'betas'"),
                         accmt::Error);
    optim::SGD ok(std::vector<Tensor>{p[0]}, {.lr = 0.1});
    CHECK_THROWS_AS(ok.add_param_group({{p[1]}, {{"momentum", -1.0}}}), accmt::Error);
    CHECK_THROWS_AS(ok.add_param_group({{p[0]}, {}}), accmt::Error);  // already in a group
  }

  TEST_CASE("Adafactor's lr / relative_step / warmup_init rules") {
    std::vector<Tensor> p = initial_params(DType::Float64);
    using optim::Adafactor;
    CHECK_THROWS_WITH_AS(Adafactor(p, {.lr = 1e-3}), doctest::Contains("Cannot combine manual `lr`"), accmt::Error);
    CHECK_THROWS_WITH_AS(Adafactor(p, {.relative_step = false, .warmup_init = true}),
                         doctest::Contains("requires `relative_step=True`"), accmt::Error);
    CHECK_THROWS_WITH_AS(Adafactor(p, {.relative_step = false}), doctest::Contains("lr=None"), accmt::Error);
    CHECK_THROWS_AS(Adafactor(p, {.beta1 = 1.0}), accmt::Error);
    CHECK_THROWS_AS(Adafactor(p, {.clip_threshold = 0.0}), accmt::Error);
    CHECK_NOTHROW(Adafactor(p, {.lr = 1e-3, .relative_step = false}));
  }

  TEST_CASE("SparseAdam says accmt has no sparse gradients") {
    std::vector<Tensor> p = initial_params(DType::Float64);
    CHECK_THROWS_WITH_AS(optim::SparseAdam(p, {}), doctest::Contains("no sparse gradients"), accmt::Error);
    CHECK_THROWS_WITH_AS(optim::SparseAdam({}, {}), doctest::Contains("no sparse gradients"), accmt::Error);
  }

  TEST_CASE("the fused kernels check their operands") {
    using accmt::kernels::AdamStepArgs;
    using accmt::kernels::SgdStepArgs;
    Tensor p = accmt::zeros({3}, {.dtype = DType::Float64});
    Tensor g4 = accmt::ones({4}, {.dtype = DType::Float64});
    Tensor g32 = accmt::ones({3});
    SgdStepArgs sgd{0.1, 0.0, 0.0, 0.0, false, false, true};
    CHECK_THROWS_WITH_AS(accmt::native::sgd_step_(p, g4, Tensor(), sgd),
                         doctest::Contains("does not match the parameter's shape"), accmt::Error);
    CHECK_THROWS_WITH_AS(accmt::native::sgd_step_(p, g32, Tensor(), sgd),
                         doctest::Contains("does not match the parameter's dtype"), accmt::Error);
    sgd.momentum = 0.9;
    CHECK_THROWS_AS(accmt::native::sgd_step_(p, p.clone(), Tensor(), sgd), accmt::Error);  // no buffer
    AdamStepArgs adam{0.1, 0.9, 0.999, 1e-8, 0.0, false, true, false, 1.0};
    CHECK_THROWS_AS(accmt::native::adam_step_(p, p.clone(), p.clone(), p.clone(), Tensor(), adam), accmt::Error);
    Tensor i = accmt::zeros({3}, {.dtype = accmt::DType::Int64});
    CHECK_THROWS_WITH_AS(accmt::native::sgd_step_(i, i, Tensor(), sgd), doctest::Contains("floating"), accmt::Error);
  }
}
