// Sequential, ModuleList and ModuleDict: construction, naming, indexing, iteration,
// forward chaining, errors and PyTorch-identical printing.
#include <memory>

#include "nn/activation.hpp"
#include "nn/containers.hpp"
#include "nn/dropout.hpp"
#include "nn/flatten.hpp"
#include "nn/linear.hpp"
#include "nncore_helpers.hpp"

using namespace accmt;
using namespace nncore_test;

namespace {
std::vector<std::string> param_names(const nn::Module& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m.named_parameters()) out.push_back(k);
  return out;
}
}  // namespace

TEST_SUITE("nn.containers") {

TEST_CASE("Sequential chains its children and names them 0, 1, ...") {
  Generator gen(3);
  nn::Sequential seq(nn::Linear(3, 4, {.generator = &gen}), nn::ReLU(), nn::Linear(4, 2, {.generator = &gen}));
  CHECK(seq.size() == 3);
  CHECK(param_names(seq) == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  Tensor x = randn({5, 3}, {}, &gen);
  auto l0 = seq.at<nn::Linear>(0), l2 = seq.at<nn::Linear>(-1);
  Tensor expected = l2->forward(l0->forward(x).relu());
  CHECK(seq.forward(x).equal(expected));
  CHECK(seq(x).equal(expected));
  CHECK(seq[1]->type_name() == "ReLU");
  CHECK(seq[-2] == seq[1]);
  CHECK(contains(error_of([&] { seq[3]; }), "Sequential: index 3 is out of range for 3 modules"));
  CHECK(contains(error_of([&] { seq[-4]; }), "index -4 is out of range"));
  CHECK(contains(error_of([&] { seq.at<nn::Linear>(1); }), "child 1 is a ReLU, not the requested type"));
  int n = 0;
  for (const auto& m : seq) n += m != nullptr;
  CHECK(n == 3);
}

TEST_CASE("Sequential push_back, named children and an empty Sequential") {
  nn::Sequential seq;
  Tensor x = randn({2, 3});
  CHECK(seq.forward(x).is_same(x));  // no children: the input itself
  seq.push_back(nn::Linear(3, 3));
  auto shared = std::make_shared<nn::Tanh>();
  seq.push_back(shared);
  seq.push_back("head", std::make_shared<nn::Linear>(3, 1));
  CHECK(seq[1] == shared);
  std::vector<std::string> names;
  for (const auto& [name, m] : seq.named_children()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"0", "1", "head"});
  CHECK(seq.forward(x).sizes() == Shape{2, 1});

  nn::Sequential named({{"fc", std::make_shared<nn::Linear>(2, 2)}, {"act", std::make_shared<nn::GELU>()}});
  CHECK(param_names(named) == std::vector<std::string>{"fc.weight", "fc.bias"});
  CHECK(contains(error_of([&] { named.push_back("fc", std::make_shared<nn::ReLU>()); }), "'fc' is already registered"));
}

TEST_CASE("nested containers give PyTorch's dotted names") {
  struct Net : nn::Module {
    std::shared_ptr<nn::Sequential> layers =
        register_module("layers", nn::Sequential(nn::Linear(2, 3), std::make_shared<nn::Sequential>(nn::Linear(3, 3))));
    std::shared_ptr<nn::ModuleList> blocks = register_module("blocks", nn::ModuleList(nn::Linear(3, 3), nn::ReLU()));
    std::shared_ptr<nn::ModuleDict> heads = register_module(
        "heads", nn::ModuleDict({{"a", std::make_shared<nn::Linear>(3, 1)}, {"b", std::make_shared<nn::Linear>(3, 2)}}));
  } net;
  CHECK(param_names(net) == std::vector<std::string>{"layers.0.weight", "layers.0.bias", "layers.1.0.weight",
                                                     "layers.1.0.bias", "blocks.0.weight", "blocks.0.bias",
                                                     "heads.a.weight", "heads.a.bias", "heads.b.weight",
                                                     "heads.b.bias"});
}

TEST_CASE("ModuleList: push_back, extend, indexing and iteration") {
  nn::ModuleList list;
  CHECK(list.empty());
  list.push_back(nn::Linear(2, 2));
  list.extend({std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(2, 4)});
  CHECK(list.size() == 3);
  CHECK(list[2]->type_name() == "Linear");
  CHECK(list.at<nn::Linear>(-1)->out_features == 4);
  CHECK(contains(error_of([&] { list[5]; }), "ModuleList: index 5 is out of range for 3 modules"));
  // No forward of its own: the owner iterates.
  CHECK(contains(error_of([&] { list.forward(ones({1, 2})); }), "ModuleList: this module has no single-tensor forward()"));
  Tensor x = ones({1, 2});
  for (const auto& m : list) x = m->forward(x);
  CHECK(x.sizes() == Shape{1, 4});
  CHECK(param_names(list) == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
}

TEST_CASE("ModuleDict: insertion order, lookup and key errors") {
  nn::ModuleDict dict;
  dict.insert("proj", nn::Linear(4, 4));
  dict.insert("act", std::make_shared<nn::SiLU>());
  CHECK(dict.keys() == std::vector<std::string>{"proj", "act"});
  CHECK(dict.contains("act"));
  CHECK_FALSE(dict.contains("missing"));
  CHECK(dict["act"]->type_name() == "SiLU");
  CHECK(dict.at<nn::Linear>("proj")->in_features == 4);
  CHECK(contains(error_of([&] { dict["missing"]; }), "no module with key 'missing' (keys: 'proj', 'act')"));
  CHECK(contains(error_of([&] { dict.insert("proj", nn::ReLU()); }), "'proj' is already registered"));
  CHECK(contains(error_of([&] { dict.insert("a.b", nn::ReLU()); }), "invalid submodule name 'a.b'"));
  CHECK(contains(error_of([&] { dict.at<nn::Linear>("act"); }), "entry 'act' is a SiLU"));
  std::vector<std::string> seen;
  for (const auto& [key, m] : dict) seen.push_back(key + "=" + m->type_name());
  CHECK(seen == std::vector<std::string>{"proj=Linear", "act=SiLU"});
}

TEST_CASE("train/eval reaches modules inside containers") {
  nn::Sequential seq(nn::Dropout(0.5), nn::ModuleList(nn::Dropout(0.2)));
  seq.eval();
  CHECK_FALSE(seq[0]->is_training());
  CHECK_FALSE(seq.at<nn::ModuleList>(1)->at<nn::Dropout>(0)->is_training());
  Tensor x = randn({4, 4});
  CHECK(seq[0]->forward(x).is_same(x));
}

TEST_CASE("printing matches PyTorch, including ModuleList's repeated-run compression") {
  nn::Sequential seq(nn::Linear(3, 4), nn::ReLU(),
                     nn::ModuleList(nn::Linear(2, 2), nn::Linear(2, 2), nn::Tanh()),
                     nn::ModuleDict({{"a", std::make_shared<nn::Dropout>(0.1)},
                                     {"b", std::make_shared<nn::GELU>("tanh")}}));
  // print() of the same model in PyTorch 2.15.
  const char* expected =
      "Sequential(\n"
      "  (0): Linear(in_features=3, out_features=4, bias=True)\n"
      "  (1): ReLU()\n"
      "  (2): ModuleList(\n"
      "    (0-1): 2 x Linear(in_features=2, out_features=2, bias=True)\n"
      "    (2): Tanh()\n"
      "  )\n"
      "  (3): ModuleDict(\n"
      "    (a): Dropout(p=0.1, inplace=False)\n"
      "    (b): GELU(approximate='tanh')\n"
      "  )\n"
      ")";
  CHECK(seq.str() == expected);
  CHECK(nn::ModuleList().str() == "ModuleList()");
  CHECK(nn::Sequential().str() == "Sequential()");
  nn::ModuleList nested(nn::Sequential(nn::Linear(1, 1)), std::make_shared<nn::Sequential>(nn::Linear(1, 1)), nn::ReLU());
  CHECK(nested.str() ==
        "ModuleList(\n"
        "  (0-1): 2 x Sequential(\n"
        "    (0): Linear(in_features=1, out_features=1, bias=True)\n"
        "  )\n"
        "  (2): ReLU()\n"
        ")");
}

}  // TEST_SUITE
