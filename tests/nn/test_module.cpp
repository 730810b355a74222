// nn::Module: registration rules, dotted names, shared parameters, buffers, train/eval,
// to(dtype) with outside handles, zero_grad, state_dict / load_state_dict, printing.
#include <memory>

#include "nn/containers.hpp"
#include "nn/linear.hpp"
#include "nn/repr.hpp"
#include "nncore_helpers.hpp"

using namespace accmt;
using namespace nncore_test;

namespace {

struct Block : nn::Module {
  std::shared_ptr<nn::Linear> fc = register_module("fc", nn::Linear(3, 4));
  Tensor running = register_buffer("running", zeros({4}));
  Tensor scratch = register_buffer("scratch", ones({2}), /*persistent=*/false);
  Tensor forward(const Tensor& x) override { return fc->forward(x) + running; }
  std::string type_name() const override { return "Block"; }
};

struct Model : nn::Module {
  Tensor gain = register_parameter("gain", ones({1}));
  std::shared_ptr<Block> enc = register_module("enc", std::make_shared<Block>());
  std::shared_ptr<nn::Sequential> layers =
      register_module("layers", nn::Sequential(std::make_shared<Block>(), nn::Linear(4, 2)));
  Tensor forward(const Tensor& x) override { return layers->at<nn::Linear>(1)->forward(enc->forward(x)) * gain; }
  std::string type_name() const override { return "Model"; }
};

std::vector<std::string> keys(const nn::StateDict& sd) {
  std::vector<std::string> out;
  for (const auto& [k, v] : sd) out.push_back(k);
  return out;
}

}  // namespace

TEST_SUITE("nn.module") {

TEST_CASE("registration rejects empty, dotted and duplicate names") {
  nn::Module m;
  m.register_parameter("w", zeros({2}));
  CHECK(contains(error_of([&] { m.register_parameter("w", zeros({2})); }), "'w' is already registered"));
  CHECK(contains(error_of([&] { m.register_buffer("w", zeros({2})); }), "'w' is already registered"));
  CHECK(contains(error_of([&] { m.register_module("w", nn::Linear(1, 1)); }), "'w' is already registered"));
  CHECK(contains(error_of([&] { m.register_parameter("a.b", zeros({2})); }), "invalid parameter name 'a.b'"));
  CHECK(contains(error_of([&] { m.register_buffer("", zeros({2})); }), "invalid buffer name ''"));
  CHECK(contains(error_of([&] { m.register_module("x", std::shared_ptr<nn::Linear>()); }), "submodule 'x' is null"));
  CHECK(contains(error_of([&] { m.register_parameter("i", zeros({2}, {.dtype = DType::Int64})); }),
                 "must be floating to require grad"));
  // An integer parameter that does not require grad is allowed.
  CHECK_NOTHROW(m.register_parameter("i", zeros({2}, {.dtype = DType::Int64}), false));
}

TEST_CASE("a parameter is a leaf that requires grad even when registered from a graph value") {
  nn::Module m;
  Tensor a = ones({2}).requires_grad_();
  Tensor p = m.register_parameter("p", a * 2);
  CHECK(p.is_leaf());
  CHECK(p.requires_grad());
  CHECK(p.grad_fn() == nullptr);
  Tensor b = m.register_buffer("b", a * 3);
  CHECK_FALSE(b.requires_grad());
}

TEST_CASE("dotted names follow the nesting, in registration order") {
  Model model;
  std::vector<std::string> expected = {"gain",           "enc.fc.weight", "enc.fc.bias", "layers.0.fc.weight",
                                       "layers.0.fc.bias", "layers.1.weight", "layers.1.bias"};
  CHECK(keys(model.named_parameters()) == expected);
  CHECK(keys(model.named_parameters(/*recurse=*/false)) == std::vector<std::string>{"gain"});
  CHECK(keys(model.named_buffers()) == std::vector<std::string>{"enc.running", "enc.scratch", "layers.0.running",
                                                                "layers.0.scratch"});
  std::vector<std::string> mods;
  for (const auto& [name, m] : model.named_modules()) mods.push_back(name + ":" + m->type_name());
  CHECK(mods == std::vector<std::string>{"enc:Block", "enc.fc:Linear", "layers:Sequential", "layers.0:Block",
                                         "layers.0.fc:Linear", "layers.1:Linear"});
  CHECK(model.parameter("layers.0.fc.bias").is_same(model.layers->at<Block>(0)->fc->bias));
  CHECK(model.submodule("layers.1") == model.layers->at<nn::Linear>(1));
  CHECK(contains(error_of([&] { model.parameter("layers.9.weight"); }), "no parameter named 'layers.9.weight'"));
  CHECK(contains(error_of([&] { model.submodule("nope"); }), "no submodule named 'nope'"));
  CHECK(model.num_parameters() == 1 + 2 * (12 + 4) + (8 + 2));
}

TEST_CASE("a shared module or parameter is listed once") {
  auto shared = std::make_shared<nn::Linear>(3, 3);
  nn::Module m;
  m.register_module("a", shared);
  m.register_module("b", shared);
  m.register_parameter("tied", shared->weight);
  CHECK(keys(m.named_parameters()) == std::vector<std::string>{"tied", "a.bias"});
  CHECK(m.num_parameters() == 9 + 3);
  CHECK(m.named_modules().size() == 1);
  // state_dict keeps every name, like PyTorch (tied weights appear under each name).
  CHECK(keys(m.state_dict()) == std::vector<std::string>{"tied", "a.weight", "a.bias", "b.weight", "b.bias"});
}

TEST_CASE("num_parameters can count only trainable ones") {
  Model model;
  model.enc->requires_grad_(false);
  CHECK(model.num_parameters() == 43);
  CHECK(model.num_parameters(/*only_trainable=*/true) == 43 - 16);
}

TEST_CASE("train and eval propagate to every descendant") {
  Model model;
  CHECK(model.is_training());
  model.eval();
  CHECK_FALSE(model.is_training());
  for (const auto& [name, m] : model.named_modules()) CHECK_MESSAGE(!m->is_training(), name);
  model.train();
  for (const auto& [name, m] : model.named_modules()) CHECK_MESSAGE(m->is_training(), name);
  int visited = 0;
  model.apply([&](nn::Module&) { ++visited; });
  CHECK(visited == 7);  // six descendants and the model itself
}

TEST_CASE("to(dtype) converts in place: outside handles and gradients follow") {
  Model model;
  Tensor w = model.enc->fc->weight;
  std::vector<Tensor> params = model.parameters();
  model.forward(ones({2, 3})).sum().backward();
  Tensor steps = model.register_buffer("steps", zeros({1}, {.dtype = DType::Int64}));
  model.to(DType::Float64);
  CHECK(w.dtype() == DType::Float64);
  CHECK(w.is_same(model.enc->fc->weight));
  CHECK(w.grad().dtype() == DType::Float64);
  for (const Tensor& p : params) CHECK(p.dtype() == DType::Float64);
  CHECK(model.enc->running.dtype() == DType::Float64);
  CHECK(steps.dtype() == DType::Int64);  // integer buffers keep their dtype
  // The converted model still trains: a new backward accumulates into the float64 grads.
  model.zero_grad();
  model.forward(ones({2, 3}, kF64)).sum().backward();
  CHECK(w.grad().dtype() == DType::Float64);
  CHECK(contains(error_of([&] { model.to(DType::Int32); }), "expected a floating dtype"));
}

TEST_CASE("zero_grad sets to none or to zeros") {
  Model model;
  model.forward(ones({2, 3})).sum().backward();
  Tensor w = model.layers->at<nn::Linear>(1)->weight;
  REQUIRE(w.grad().defined());
  CHECK(w.grad().abs().sum().item<double>() > 0);
  model.zero_grad(/*set_to_none=*/false);
  REQUIRE(w.grad().defined());
  CHECK(w.grad().abs().sum().item<double>() == 0.0);
  model.zero_grad();
  CHECK_FALSE(w.grad().defined());
  for (const Tensor& p : model.parameters()) CHECK_FALSE(p.grad().defined());
}

TEST_CASE("state_dict: parameters, then persistent buffers, then children") {
  Model model;
  // A Block's own buffer comes before its child's parameters, as in PyTorch.
  std::vector<std::string> expected = {"gain",
                                       "enc.running",
                                       "enc.fc.weight",
                                       "enc.fc.bias",
                                       "layers.0.running",
                                       "layers.0.fc.weight",
                                       "layers.0.fc.bias",
                                       "layers.1.weight",
                                       "layers.1.bias"};
  nn::StateDict sd = model.state_dict();
  CHECK(keys(sd) == expected);
  for (const auto& [name, t] : sd) CHECK_MESSAGE(!t.requires_grad(), name);
}

TEST_CASE("load_state_dict copies values into the existing tensors") {
  Model a, b;
  Tensor handle = b.enc->fc->weight;
  {
    NoGradGuard no_grad;
    a.enc->running.fill_(3.0);
  }
  b.load_state_dict(a.state_dict());
  CHECK(handle.is_same(b.enc->fc->weight));
  CHECK(handle.equal(a.enc->fc->weight));
  CHECK(b.enc->running.equal(full({4}, 3.0)));
  CHECK(b.layers->at<nn::Linear>(1)->bias.equal(a.layers->at<nn::Linear>(1)->bias));
  CHECK(handle.requires_grad());
  // A float64 checkpoint loads into a float32 model (values are cast).
  nn::StateDict sd64;
  for (const auto& [k, v] : a.state_dict()) sd64.emplace_back(k, v.to(DType::Float64) + 1.0);
  b.load_state_dict(sd64);
  CHECK(b.enc->fc->weight.dtype() == DType::Float32);
  CHECK(b.enc->fc->weight.allclose(a.enc->fc->weight + 1.0));
}

TEST_CASE("load_state_dict strict errors name missing, unexpected and mismatched keys") {
  Model model;
  Tensor before = model.enc->fc->weight.clone();
  nn::StateDict sd = model.state_dict();
  nn::StateDict missing(sd.begin() + 1, sd.end());
  sd.emplace_back("enc.extra", zeros({1}));
  std::string msg = error_of([&] { model.load_state_dict(missing); });
  CHECK(contains(msg, "Model.load_state_dict"));
  CHECK(contains(msg, "Missing keys: gain."));

  nn::StateDict extra = model.state_dict();
  extra.emplace_back("enc.extra", zeros({1}));
  extra.emplace_back("head.bias", zeros({1}));
  msg = error_of([&] { model.load_state_dict(extra); });
  CHECK(contains(msg, "Unexpected keys: enc.extra, head.bias."));
  CHECK_FALSE(contains(msg, "Missing"));

  nn::StateDict wrong = model.state_dict();
  wrong[2].second = zeros({4, 2});
  msg = error_of([&] { model.load_state_dict(wrong); });
  INFO(msg);
  CHECK(contains(msg, "size mismatch for enc.fc.weight: checkpoint [4, 2] vs model [4, 3]"));
  // A failed load changes nothing.
  CHECK(model.enc->fc->weight.equal(before));
}

TEST_CASE("load_state_dict non-strict ignores missing and unexpected keys but not shapes") {
  Model model;
  nn::StateDict partial = {{"gain", full({1}, 5.0)}, {"not.a.key", zeros({7})}};
  CHECK_NOTHROW(model.load_state_dict(partial, /*strict=*/false));
  CHECK(model.gain.item<double>() == 5.0);
  nn::StateDict bad = {{"gain", zeros({2})}};
  CHECK(contains(error_of([&] { model.load_state_dict(bad, false); }), "size mismatch for gain"));
}

TEST_CASE("printing follows PyTorch's layout, including multi-line extra_repr") {
  struct Multi : nn::Module {
    std::string type_name() const override { return "M"; }
    std::string extra_repr() const override { return "a=1\nb=2"; }
  };
  struct Parent : nn::Module {
    Parent() {
      register_module("inner", std::make_shared<Multi>());
      register_module("lin", nn::Linear(2, 2));
    }
    std::string type_name() const override { return "P"; }
    std::string extra_repr() const override { return "hidden=2"; }
  };
  // Expected strings are print() output of the same modules in PyTorch 2.15.
  CHECK(Parent().str() ==
        "P(\n  hidden=2\n  (inner): M(\n    a=1\n    b=2\n  )\n  (lin): Linear(in_features=2, out_features=2, bias=True)\n)");
  CHECK(nn::Module().str() == "Module()");
  std::ostringstream os;
  os << nn::Linear(3, 4, {.bias = false});
  CHECK(os.str() == "Linear(in_features=3, out_features=4, bias=False)");
}

TEST_CASE("the default forward names the module type") {
  Model model;
  CHECK(contains(error_of([&] { model.enc->fc->forward(ones({2, 5})); }), "expected an input of shape [..., 3]"));
  nn::Module plain;
  CHECK(contains(error_of([&] { plain.forward(ones({1})); }), "Module: this module has no single-tensor forward()"));
}

TEST_CASE("py_float prints like Python's repr(float)") {
  const std::pair<double, const char*> cases[] = {
      {0.5, "0.5"},       {1.0, "1.0"},         {1e-5, "1e-05"},   {0.0001, "0.0001"},
      {0.1, "0.1"},       {1e16, "1e+16"},      {123456789012345.0, "123456789012345.0"},
      {1.5e-7, "1.5e-07"}, {-0.25, "-0.25"},    {0.0, "0.0"},      {2.0 / 3.0, "0.6666666666666666"},
      {1e22, "1e+22"},    {12345678901234567.0, "1.2345678901234568e+16"}, {100.0, "100.0"}};
  for (const auto& [v, s] : cases) CHECK(nn::py_float(v) == s);
  CHECK(nn::py_tuple({3}) == "(3,)");
  CHECK(nn::py_tuple({2, 3}) == "(2, 3)");
}

}  // TEST_SUITE
