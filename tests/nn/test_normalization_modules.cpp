// Normalisation modules: PyTorch parameter/buffer names and state_dict interchange,
// printed form, train/eval behaviour of the running statistics, defaults (RMSNorm's eps),
// and the errors for bad shapes, channel counts, group counts and tiny training batches.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "autograd/grad_mode.hpp"
#include "nn/functional/normalization.hpp"
#include "nn/normalization.hpp"
#include "tensor/random.hpp"
#include "tests/tensor/helpers.hpp"

using namespace accmt;
namespace F = accmt::nn::functional;
using accmt::tensor_test::check_error;

namespace {

std::vector<std::string> keys(const nn::StateDict& sd) {
  std::vector<std::string> out;
  for (const auto& [name, t] : sd) out.push_back(name);
  return out;
}

using Names = std::vector<std::string>;

}  // namespace

TEST_SUITE("nn.normalization.modules") {

TEST_CASE("parameter and buffer names, defaults and printed form like PyTorch") {
  nn::LayerNorm ln(768);
  CHECK(keys(ln.state_dict()) == Names{"weight", "bias"});
  CHECK(ln.weight.sizes() == Shape{768});
  CHECK(ln.weight.equal(ones({768})));
  CHECK(ln.bias.equal(zeros({768})));
  CHECK(ln.str() == "LayerNorm((768,), eps=1e-05, elementwise_affine=True)");
  nn::LayerNorm ln_nobias(Shape{3, 4}, {.eps = 1e-6, .bias = false});
  CHECK(keys(ln_nobias.state_dict()) == Names{"weight"});
  CHECK(ln_nobias.str() == "LayerNorm((3, 4), eps=1e-06, elementwise_affine=True)");
  nn::LayerNorm ln_plain(8, {.elementwise_affine = false});
  CHECK(ln_plain.parameters().empty());
  CHECK(ln_plain.str() == "LayerNorm((8,), eps=1e-05, elementwise_affine=False)");

  nn::RMSNorm rms(16);
  CHECK(keys(rms.state_dict()) == Names{"weight"});
  CHECK(rms.str() == "RMSNorm((16,), eps=None, elementwise_affine=True)");
  CHECK(nn::RMSNorm(16, {.eps = 1e-6, .elementwise_affine = false}).str() ==
        "RMSNorm((16,), eps=1e-06, elementwise_affine=False)");

  nn::GroupNorm gn(2, 6);
  CHECK(keys(gn.state_dict()) == Names{"weight", "bias"});
  CHECK(gn.str() == "GroupNorm(2, 6, eps=1e-05, affine=True)");
  CHECK(nn::GroupNorm(3, 6, {.eps = 0.001, .affine = false}).parameters().empty());

  nn::BatchNorm2d bn(16);
  CHECK(keys(bn.state_dict()) == Names{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"});
  CHECK(bn.num_batches_tracked.dtype() == DType::Int64);
  CHECK(bn.num_batches_tracked.dim() == 0);
  CHECK(bn.running_var.equal(ones({16})));
  CHECK(bn.str() == "BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  nn::BatchNorm1d bn1(4, {.eps = 0.001, .momentum = std::nullopt, .affine = false, .track_running_stats = false});
  CHECK(bn1.state_dict().empty());
  CHECK(bn1.str() == "BatchNorm1d(4, eps=0.001, momentum=None, affine=False, track_running_stats=False)");
  // Python's float repr: scientific below 1e-4, shortest round-trip digits, "1.0".
  CHECK(nn::BatchNorm1d(2, {.eps = 1e-12, .momentum = 1.0}).extra_repr() ==
        "2, eps=1e-12, momentum=1.0, affine=True, track_running_stats=True");
  CHECK(nn::BatchNorm1d(2, {.eps = 2.5e-05, .momentum = 0.3}).extra_repr() ==
        "2, eps=2.5e-05, momentum=0.3, affine=True, track_running_stats=True");
  CHECK(nn::BatchNorm1d(2, {.eps = 0.0001, .momentum = 12.5}).extra_repr() ==
        "2, eps=0.0001, momentum=12.5, affine=True, track_running_stats=True");
}

TEST_CASE("BatchNorm: state_dict round trip, eval leaves the buffers alone, to(float64) keeps the counter int64") {
  Generator gen(3);
  nn::BatchNorm1d a(3), b(3);
  Tensor x = randn({8, 3}, {}, &gen) * 2 + 1;
  a.forward(x);
  a.forward(x * 0.5);
  CHECK(a.num_batches_tracked.item<int64_t>() == 2);
  b.load_state_dict(a.state_dict());
  CHECK(b.running_mean.equal(a.running_mean));
  CHECK(b.running_var.equal(a.running_var));
  CHECK(b.num_batches_tracked.item<int64_t>() == 2);

  a.eval();
  b.eval();
  Tensor before = a.running_mean.clone();
  Tensor ya = a.forward(x), yb = b.forward(x);
  CHECK(ya.equal(yb));
  CHECK(a.running_mean.equal(before));
  CHECK(a.num_batches_tracked.item<int64_t>() == 2);
  // Eval output uses the running statistics: (x - rm) / sqrt(rv + eps).
  Tensor expect = (x - a.running_mean) / (a.running_var + 1e-5).sqrt();
  CHECK(ya.allclose(expect, 1e-5, 1e-6));

  a.to(DType::Float64);
  CHECK(a.running_mean.dtype() == DType::Float64);
  CHECK(a.num_batches_tracked.dtype() == DType::Int64);
  a.reset_running_stats();
  CHECK(a.running_mean.equal(zeros({3}, {.dtype = DType::Float64})));
  CHECK(a.num_batches_tracked.item<int64_t>() == 0);
}

TEST_CASE("BatchNorm: running statistics update even under no_grad; unbiased running variance") {
  nn::BatchNorm1d bn(1, {.momentum = 1.0});
  Tensor x = tensor({1.0, 2.0, 3.0, 6.0}).reshape({4, 1});
  {
    NoGradGuard ng;
    bn.forward(x);
  }
  // momentum 1: the running stats are exactly the batch's (mean 3, unbiased var 14/3).
  CHECK(bn.running_mean.item<double>() == doctest::Approx(3.0));
  CHECK(bn.running_var.item<double>() == doctest::Approx(14.0 / 3.0));
}

TEST_CASE("RMSNorm's default eps is the input dtype's machine epsilon") {
  CHECK(F::dtype_eps(DType::Float32) == doctest::Approx(1.1920928955078125e-07));
  CHECK(F::dtype_eps(DType::Float64) == doctest::Approx(2.220446049250313e-16));
  CHECK(F::dtype_eps(DType::Float16) == 0.0009765625);
  CHECK(F::dtype_eps(DType::BFloat16) == 0.0078125);
  // A row of tiny values: the eps in the denominator shows in the result.
  Tensor x = full({1, 4}, 1e-4, {.dtype = DType::Float32});
  Tensor y = F::rms_norm(x, {4});
  double expect = 1e-4 / std::sqrt(1e-8 + 1.1920928955078125e-07);
  CHECK(y[0][0].item<double>() == doctest::Approx(expect).epsilon(1e-5));
  CHECK(nn::RMSNorm(4).forward(x).allclose(y));
}

TEST_CASE("errors: wrong normalized_shape, parameter shapes, non-floating input") {
  Tensor x = randn({2, 3, 4});
  check_error([&] { F::layer_norm(x, {5}); }, {"layer_norm", "normalized_shape=[5]", "[*, 5]", "[2, 3, 4]"},
              "layer_norm wrong trailing size");
  check_error([&] { F::layer_norm(x, {2, 3}); }, {"layer_norm", "[2, 3]", "[2, 3, 4]"}, "layer_norm leading dims");
  check_error([&] { F::layer_norm(x, {1, 2, 3, 4}); }, {"layer_norm", "[1, 2, 3, 4]"}, "layer_norm too many dims");
  check_error([&] { F::layer_norm(x, {4}, ones({5})); }, {"layer_norm", "weight", "[5]", "[4]"},
              "layer_norm weight shape");
  check_error([&] { F::layer_norm(x, {4}, {}, ones({3, 4})); }, {"layer_norm", "bias", "[3, 4]"},
              "layer_norm bias shape");
  check_error([&] { F::layer_norm(x, {4}, ones({4}, {.dtype = DType::Float64})); }, {"layer_norm", "weight", "float64"},
              "layer_norm weight dtype");
  check_error([&] { F::rms_norm(x, {3}); }, {"rms_norm", "normalized_shape=[3]", "[2, 3, 4]"},
              "rms_norm wrong shape");
  check_error([&] { F::layer_norm(ones({2, 4}, {.dtype = DType::Int64}), {4}); }, {"layer_norm", "floating", "int64"},
              "layer_norm int input");
  check_error([&] { nn::LayerNorm(Shape{3}).forward(x); }, {"layer_norm", "normalized_shape=[3]", "[2, 3, 4]"},
              "LayerNorm module");
  check_error([&] { nn::LayerNorm(Shape{}); }, {"LayerNorm", "normalized_shape"}, "LayerNorm empty shape");
}

TEST_CASE("errors: group counts and channel counts") {
  Tensor x = randn({2, 6, 4});
  check_error([&] { F::group_norm(x, 4); }, {"group_norm", "divisible by num_groups", "[2, 6, 4]", "num_groups=4"},
              "group_norm groups not dividing");
  check_error([&] { F::group_norm(x, 3, ones({4})); }, {"group_norm", "weight", "[6]", "[4]"},
              "group_norm weight per channel");
  check_error([&] { F::group_norm(randn({6}), 3); }, {"group_norm", "[N, C, *]"}, "group_norm 1-D");
  check_error([&] { nn::GroupNorm(4, 6); }, {"GroupNorm", "divisible", "num_channels=6", "num_groups=4"},
              "GroupNorm constructor");
  check_error([&] { nn::GroupNorm(2, 4).forward(x); }, {"GroupNorm", "[N, 4, *]", "[2, 6, 4]"},
              "GroupNorm channel mismatch");
  check_error([&] { nn::BatchNorm2d(3).forward(randn({2, 4, 2, 2})); }, {"BatchNorm2d", "3 channels", "[2, 4, 2, 2]"},
              "BatchNorm2d channel mismatch");
  check_error([&] { nn::BatchNorm1d(3).forward(randn({2, 3, 2, 2})); }, {"BatchNorm1d", "2D or 3D", "4D"},
              "BatchNorm1d rank");
  check_error([&] { nn::BatchNorm2d(3).forward(randn({2, 3, 4})); }, {"BatchNorm2d", "4D", "3D"}, "BatchNorm2d rank");
  check_error([&] { F::batch_norm(randn({4, 3}), zeros({2}), ones({2}), {}, {}, true); },
              {"batch_norm", "running_mean", "[3]", "[2]"}, "batch_norm running stats size");
  check_error([&] { F::batch_norm(randn({4, 3}), {}, {}, {}, {}, false); }, {"batch_norm", "running_mean", "not training"},
              "batch_norm eval without running stats");
}

TEST_CASE("errors: batch norm in training with a single value per channel (PyTorch's error)") {
  nn::BatchNorm1d bn(3);
  check_error([&] { bn.forward(randn({1, 3})); },
              {"expected more than 1 value per channel when training", "[1, 3]"}, "BatchNorm1d batch of one");
  nn::BatchNorm2d bn2(3);
  check_error([&] { bn2.forward(randn({1, 3, 1, 1})); },
              {"more than 1 value per channel", "[1, 3, 1, 1]"}, "BatchNorm2d one pixel");
  // A rejected batch leaves the buffers untouched; one sample with several positions is
  // fine, as is eval mode with a batch of one.
  CHECK(bn2.running_mean.equal(zeros({3})));
  CHECK(bn2.num_batches_tracked.item<int64_t>() == 0);
  bn2.forward(randn({1, 3, 2, 1}));
  bn.eval();
  CHECK(bn.forward(randn({1, 3})).sizes() == Shape{1, 3});
}

}  // TEST_SUITE
