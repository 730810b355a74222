// Trains a 64-128-10 MLP on the 8x8 digits with raw tensors, autograd and a hand-written
// SGD step (the nn and optim layers will replace these pieces). Exits non-zero when the
// training loss does not fall, so a short run doubles as a smoke test.
//
//   mlp_example [--epochs N] [--batch-size N] [--lr X] [--seed N] [--data PATH]
#include <accmt/accmt.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "digits.hpp"

using accmt::DType;
using accmt::Tensor;

namespace {

struct Options {
  int64_t epochs = 20;
  int64_t batch_size = 32;
  double lr = 0.1;
  uint64_t seed = 0;
  std::string data;
};

int64_t parse_int(const std::string& flag, const std::string& text, int64_t min) {
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  ACCMT_CHECK(used == text.size() && v >= min, flag, " expects an integer >= ", min, ", got '", text, "'");
  return v;
}

double positive_real(const std::string& flag, const std::string& text) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  ACCMT_CHECK(used == text.size() && v > 0 && std::isfinite(v), flag, " expects a positive number, got '", text, "'");
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::puts("usage: mlp_example [--epochs N] [--batch-size N] [--lr X] [--seed N] [--data PATH]");
      std::exit(0);
    }
    ACCMT_CHECK(i + 1 < argc, flag, " needs a value (see --help)");
    const std::string value = argv[++i];
    if (flag == "--epochs") o.epochs = parse_int(flag, value, 1);
    else if (flag == "--batch-size") o.batch_size = parse_int(flag, value, 1);
    else if (flag == "--lr") o.lr = positive_real(flag, value);
    else if (flag == "--seed") o.seed = static_cast<uint64_t>(parse_int(flag, value, 0));
    else if (flag == "--data") o.data = value;
    else throw accmt::Error("unknown option '" + flag + "' (see --help)");
  }
  return o;
}

// The data path: --data, else the copy beside the working directory, else the source tree's.
std::string data_path(const Options& o) {
  if (!o.data.empty()) return o.data;
  const std::string local = "examples/data/digits.csv.gz";
  return std::filesystem::exists(local) ? local : ACCMT_DIGITS_PATH;
}

struct Mlp {
  Tensor w1, b1, w2, b2;

  explicit Mlp(accmt::Generator& gen) {
    // He initialisation for the ReLU layer, 1/sqrt(fan_in) for the output layer.
    w1 = accmt::randn({64, 128}, {}, &gen).mul(std::sqrt(2.0 / 64)).requires_grad_();
    b1 = accmt::zeros({128}).requires_grad_();
    w2 = accmt::randn({128, 10}, {}, &gen).mul(std::sqrt(1.0 / 128)).requires_grad_();
    b2 = accmt::zeros({10}).requires_grad_();
  }
  Tensor forward(const Tensor& x) const { return x.matmul(w1).add(b1).relu().matmul(w2).add(b2); }
  std::vector<Tensor> parameters() const { return {w1, b1, w2, b2}; }
};

// Mean negative log-likelihood of the true class.
Tensor cross_entropy(const Tensor& logits, const Tensor& labels) {
  return logits.log_softmax(1).gather(1, labels.unsqueeze(1)).mean().neg();
}

void sgd_step(const std::vector<Tensor>& params, double lr) {
  accmt::NoGradGuard no_grad;  // the update itself is not part of the model's graph
  for (Tensor p : params) {
    p.sub_(p.grad().mul(lr));
    p.set_grad(Tensor());  // like zero_grad(set_to_none=True)
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int run(const Options& opt) {
  const std::string path = data_path(opt);
  const digits::Data data = digits::load(path);

  // A fixed split: the same seed gives the same validation images.
  accmt::Generator split_gen(opt.seed);
  const int64_t n = data.labels.size(0), n_valid = n / 5, n_train = n - n_valid;
  const Tensor order = accmt::randperm(n, {.dtype = DType::Int64}, &split_gen);
  const Tensor valid_idx = order.narrow(0, 0, n_valid), train_idx = order.narrow(0, n_valid, n_train);
  const Tensor train_x = data.images.index_select(0, train_idx), train_y = data.labels.index_select(0, train_idx);
  const Tensor valid_x = data.images.index_select(0, valid_idx), valid_y = data.labels.index_select(0, valid_idx);
  std::printf("digits: %lld training and %lld validation images from %s\n", (long long)n_train,
              (long long)n_valid, path.c_str());

  accmt::Generator init_gen(opt.seed + 1), shuffle_gen(opt.seed + 2);
  Mlp model(init_gen);
  std::printf("MLP 64-128-10, SGD lr %g, batch size %lld, %lld epochs\n", opt.lr, (long long)opt.batch_size,
              (long long)opt.epochs);

  double initial_loss;
  {
    accmt::NoGradGuard no_grad;
    initial_loss = cross_entropy(model.forward(train_x), train_y).item<double>();
  }
  std::printf("before training   train loss %.4f\n", initial_loss);

  double loss_sum = 0;
  for (int64_t epoch = 1; epoch <= opt.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    const Tensor shuffled = accmt::randperm(n_train, {.dtype = DType::Int64}, &shuffle_gen);
    loss_sum = 0;
    for (int64_t first = 0; first < n_train; first += opt.batch_size) {
      const int64_t count = std::min(opt.batch_size, n_train - first);
      const Tensor idx = shuffled.narrow(0, first, count);
      Tensor loss = cross_entropy(model.forward(train_x.index_select(0, idx)), train_y.index_select(0, idx));
      loss.backward();
      sgd_step(model.parameters(), opt.lr);
      loss_sum += loss.item<double>() * static_cast<double>(count);
    }
    std::printf("epoch %3lld         train loss %.4f  (%.2f s)\n", (long long)epoch, loss_sum / n_train,
                seconds_since(start));
  }
  const double final_loss = loss_sum / n_train;

  accmt::NoGradGuard no_grad;
  const Tensor predicted = model.forward(valid_x).argmax(1);
  const int64_t correct = predicted.eq(valid_y).to(DType::Int64).sum().item<int64_t>();
  std::printf("validation accuracy %.4f (%lld/%lld)\n", double(correct) / n_valid, (long long)correct,
              (long long)n_valid);

  if (!(final_loss < 0.5 * initial_loss)) {
    std::fprintf(stderr, "mlp_example: the training loss did not fall: %.4f before training, %.4f after; "
                 "expected below half the initial loss\n", initial_loss, final_loss);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mlp_example: %s\n", e.what());
    return 2;
  }
}
