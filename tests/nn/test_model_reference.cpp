// A nested model built from containers and layers, mirrored from PyTorch: the printed
// tree, state_dict key order, parameter names and count equal torch's; with torch's
// weights loaded through load_state_dict, output and parameter gradients match (float64
// tightly, float32 after to()).
#include <sstream>

#include "nn/activation.hpp"
#include "nn/containers.hpp"
#include "nn/dropout.hpp"
#include "nn/embedding.hpp"
#include "nn/flatten.hpp"
#include "nn/linear.hpp"
#include "nncore_helpers.hpp"

using namespace accmt;
using namespace nncore_test;
using accmt::test::check_close;

namespace {

// Mirrors class Net in tests/reference/make_nncore_fixtures.py.
struct Net : nn::Module {
  std::shared_ptr<nn::Embedding> embed = register_module("embed", nn::Embedding(10, 4, {.padding_idx = 0}));
  std::shared_ptr<nn::Sequential> layers = register_module(
      "layers", nn::Sequential(nn::Linear(4, 8), nn::LeakyReLU(0.1), nn::Linear(8, 8, {.bias = false}),
                               nn::GELU("tanh"), nn::Dropout(0.25)));
  std::shared_ptr<nn::ModuleList> blocks =
      register_module("blocks", nn::ModuleList(nn::Linear(8, 8), nn::Linear(8, 8), nn::SiLU(), nn::Identity()));
  std::shared_ptr<nn::ModuleDict> heads = register_module(
      "heads", nn::ModuleDict({{"cls", std::make_shared<nn::Linear>(8, 3)}, {"act", std::make_shared<nn::Softmax>(-1)}}));
  std::shared_ptr<nn::Flatten> flat = register_module("flat", nn::Flatten());
  Tensor scale = register_buffer("scale", linspace(0.5, 2.0, 15));

  Tensor forward(const Tensor& idx) override {
    Tensor h = layers->forward(embed->forward(idx));
    for (const auto& block : *blocks) h = block->forward(h);
    return flat->forward((*heads)["act"]->forward((*heads)["cls"]->forward(h))) * scale;
  }
  std::string type_name() const override { return "Net"; }
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

nn::StateDict torch_state(const accmt::test::Fixtures& fx, const Net& net) {
  nn::StateDict sd;
  for (const auto& [key, value] : net.state_dict()) sd.emplace_back(key, fx.get("sd." + key));
  return sd;
}

void check_against_torch(Net& net, double rtol, double atol) {
  const auto& fx = model_fixtures();
  net.eval();  // dropout off, as in the fixture
  net.zero_grad();
  Tensor out = net.forward(fx.get("idx"));
  check_close(out, fx.get("out"), rtol, atol, "out");
  out.backward(fx.get("gout").to(out.dtype()));
  for (const auto& [name, p] : net.named_parameters()) {
    REQUIRE_MESSAGE(p.grad().defined(), name);
    check_close(p.grad(), fx.get("grad." + name), rtol, atol, "grad." + name);
  }
}

}  // namespace

TEST_SUITE("nn.model_reference") {

TEST_CASE("structure: printed tree, state_dict order, parameter names and count equal PyTorch's") {
  const auto& fx = model_fixtures();
  Net net;
  CHECK(net.str() == fx.metadata().at("repr"));
  std::vector<std::string> sd_keys, param_names;
  for (const auto& [k, v] : net.state_dict()) sd_keys.push_back(k);
  for (const auto& [k, v] : net.named_parameters()) param_names.push_back(k);
  CHECK(sd_keys == split(fx.metadata().at("state_dict_keys")));
  CHECK(param_names == split(fx.metadata().at("parameter_names")));
  CHECK(net.num_parameters() == std::stoll(fx.metadata().at("num_parameters")));
}

TEST_CASE("float64: torch's weights give torch's output and gradients") {
  Net net;
  net.to(DType::Float64);
  net.load_state_dict(torch_state(model_fixtures(), net));
  check_against_torch(net, 1e-11, 1e-13);
  // The padding row of the embedding received no gradient.
  CHECK(net.embed->weight.grad()[0].abs().sum().item<double>() == 0.0);
}

TEST_CASE("float32: the same model after load_state_dict casts the float64 weights") {
  Net net;
  net.load_state_dict(torch_state(model_fixtures(), net));
  CHECK(net.embed->weight.dtype() == DType::Float32);
  check_against_torch(net, 1e-4, 1e-6);
}

TEST_CASE("train mode differs from eval only through dropout") {
  Net net;
  net.to(DType::Float64);
  net.load_state_dict(torch_state(model_fixtures(), net));
  net.layers->at<nn::Dropout>(4)->p = 0.0;  // training with p = 0: same as eval
  net.train();
  check_close(net.forward(model_fixtures().get("idx")), model_fixtures().get("out"), 1e-11, 1e-13, "out(train, p=0)");
  net.layers->at<nn::Dropout>(4)->p = 0.25;
  CHECK_FALSE(net.forward(model_fixtures().get("idx")).allclose(model_fixtures().get("out")));
}

}  // TEST_SUITE
