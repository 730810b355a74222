// CPU benchmark of accmt on float32: GEMM, elementwise, reductions, softmax and an MLP
// training step. Each case: a warm-up, an iteration count chosen so that one repetition
// lasts at least --min-ms, then the median of --reps repetitions.
// Prints one line per case, "case<TAB>metric<TAB>value<TAB>unit"; --json FILE writes
// the same results (plus median, fastest and slowest times) as JSON.
// bench/peer_torch.py mirrors the cases in PyTorch and NumPy.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "accmt/accmt.hpp"
#include "bench/train_models.hpp"
#include "nn/functional/normalization.hpp"

using namespace accmt;

namespace {

using Clock = std::chrono::steady_clock;
using Fn = std::function<void()>;

struct Options {
  std::string json, filter;
  int reps = 7;
  double min_ms = 25.0;
  int threads = 0;  // 0: OpenMP's default
};

// What a case reports: GFLOP/s from flops, GB/s from bytes moved, or ms per call.
enum class Metric { Gflops, Gbps, Ms };

struct Case {
  std::string name;
  Metric metric;
  double work;                 // flops or bytes per call (unused for Ms)
  std::function<Fn()> setup;   // allocates inputs, returns the timed call
};

struct Result {
  std::string name, metric, unit, error;
  double value = NAN, median_ms = NAN, min_ms = NAN, max_ms = NAN;
  int64_t iters = 0;
};

double run_seconds(const Fn& fn, int64_t iters) {
  auto t0 = Clock::now();
  for (int64_t i = 0; i < iters; ++i) fn();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Seconds per call of each repetition, sorted.
std::vector<double> time_call(const Fn& fn, const Options& o, int64_t& iters) {
  // Warm-up (page faults, thread start, lazy init): at least 3 calls and min_ms. The
  // fastest call sets the iteration count, so a slow outlier cannot shorten repetitions.
  const double target = o.min_ms * 1e-3;
  double fastest = 1e30, spent = 0;
  for (int calls = 0; calls < 3 || spent < target; ++calls) {
    double t = run_seconds(fn, 1);
    fastest = std::min(fastest, t);
    spent += t;
  }
  iters = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(target / std::max(fastest, 1e-9))));
  std::vector<double> per_call;
  for (int r = 0; r < o.reps; ++r) per_call.push_back(run_seconds(fn, iters) / double(iters));
  std::sort(per_call.begin(), per_call.end());
  return per_call;
}

constexpr int64_t k16M = int64_t(1) << 24;
constexpr double kF = sizeof(float);

Tensor randn_f(const Shape& s, Generator& g) { return randn(s, {}, &g); }

// C = A(m,k) @ B(k,n) in the three layouts a training step uses.
Case gemm_case(const std::string& name, int64_t m, int64_t k, int64_t n, char form) {
  return {name, Metric::Gflops, 2.0 * double(m) * double(k) * double(n), [=] {
            Generator g(1);
            Fn fn;
            if (form == 'n') {  // a @ b
              auto a = randn_f({m, k}, g), b = randn_f({k, n}, g);
              fn = [a, b] { (void)a.matmul(b); };
            } else if (form == 'a') {  // a.t() @ b, a stored (k, m): the weight gradient
              auto a = randn_f({k, m}, g), b = randn_f({k, n}, g);
              fn = [a, b] { (void)a.t().matmul(b); };
            } else {  // a @ b.t(), b stored (n, k): the input gradient
              auto a = randn_f({m, k}, g), b = randn_f({n, k}, g);
              fn = [a, b] { (void)a.matmul(b.t()); };
            }
            return fn;
          }};
}

// Unary op on 16M elements: reads and writes 4 bytes each.
Case unary_case(const std::string& name, std::function<Tensor(const Tensor&)> op) {
  return {name, Metric::Gbps, 2 * kF * double(k16M), [op] {
            Generator g(2);
            auto a = randn_f({k16M}, g);
            return Fn([a, op] { (void)op(a); });
          }};
}

// The MLP 784-512-512-10, batch 128, Linear layout (weight is out x in): forward,
// cross-entropy as -log_softmax(logits).gather(label).mean(), backward. No optimizer.
Fn mlp_step() {
  Generator g(3);
  auto x = randn_f({128, 784}, g);
  auto y = randint(0, 10, {128, 1}, {.dtype = DType::Int64}, &g);
  auto weight = [&](int64_t out, int64_t in) {
    auto w = randn_f({out, in}, g).mul(1.0 / std::sqrt(double(in)));
    w.requires_grad_();
    return w;
  };
  auto bias = [](int64_t out) { return zeros({out}, {.requires_grad = true}); };
  std::vector<Tensor> p = {weight(512, 784), bias(512), weight(512, 512), bias(512), weight(10, 512), bias(10)};
  return [x, y, p] {
    for (auto& t : p) t.set_grad(Tensor());  // zero_grad(set_to_none=True)
    auto h = (x.matmul(p[0].t()) + p[1]).relu();
    h = (h.matmul(p[2].t()) + p[3]).relu();
    auto logits = h.matmul(p[4].t()) + p[5];
    auto loss = logits.log_softmax(1).gather(1, y).mean().neg();
    loss.backward();
  };
}

// LayerNorm over the last dim of [4096, 768] with weight and bias: forward, then backward
// of a fixed upstream gradient into x, weight and bias (a GPT-2 sized activation).
Fn layer_norm_step() {
  Generator g(8);
  auto x = randn_f({4096, 768}, g), gout = randn_f({4096, 768}, g);
  auto w = randn_f({768}, g), b = randn_f({768}, g);
  for (Tensor* t : {&x, &w, &b}) t->requires_grad_();
  return [x, w, b, gout] {
    for (const Tensor& t : {x, w, b}) t.set_grad(Tensor());
    nn::functional::layer_norm(x, {768}, w, b).backward(gout);
  };
}

// Fused bias + activation on a GPT-2 MLP activation [4096, 3072] (the peer runs the
// unfused F.gelu(x + b)): forward, then backward of a fixed upstream gradient into x and b.
// fused = false: accmt's own unfused (x + b).gelu("tanh"), the in-house baseline.
Fn bias_act_step(bool silu, bool fused = true) {
  Generator g(9);
  auto x = randn_f({4096, 3072}, g), gout = randn_f({4096, 3072}, g), b = randn_f({3072}, g);
  for (Tensor* t : {&x, &b}) t->requires_grad_();
  return [x, b, gout, silu, fused] {
    for (const Tensor& t : {x, b}) t.set_grad(Tensor());
    if (fused) (silu ? nn::functional::bias_silu(x, b) : nn::functional::bias_gelu(x, b, "tanh")).backward(gout);
    else (x + b).gelu("tanh").backward(gout);
  };
}

std::vector<Case> all_cases() {
  const double n16 = double(k16M), n4k = 4096.0 * 4096.0;
  std::vector<Case> cs;
  for (int64_t n : {256, 512, 1024, 2048})
    cs.push_back(gemm_case("gemm_" + std::to_string(n), n, n, n, 'n'));
  cs.push_back(gemm_case("gemm_128x784x512", 128, 784, 512, 'n'));
  cs.push_back(gemm_case("gemm_784x128x512_At", 784, 128, 512, 'a'));
  cs.push_back(gemm_case("gemm_128x512x784_Bt", 128, 512, 784, 'b'));
  cs.push_back({"add_16M", Metric::Gbps, 3 * kF * n16, [] {
                  Generator g(4);
                  auto a = randn_f({k16M}, g), b = randn_f({k16M}, g);
                  return Fn([a, b] { (void)(a + b); });
                }});
  cs.push_back(unary_case("mul_scalar_16M", [](const Tensor& a) { return a * 2.5; }));
  // In place: the kernel alone, without a fresh 64 MB output to page in.
  cs.push_back({"add_16M_inplace", Metric::Gbps, 3 * kF * n16, [] {
                  Generator g(4);
                  auto a = randn_f({k16M}, g), b = randn_f({k16M}, g);
                  return Fn([a, b]() mutable { a.add_(b); });
                }});
  cs.push_back({"mul_scalar_16M_inplace", Metric::Gbps, 2 * kF * n16, [] {
                  Generator g(4);
                  auto a = randn_f({k16M}, g);
                  return Fn([a]() mutable { a.mul_(0.999); });
                }});
  cs.push_back({"relu_16M_inplace", Metric::Gbps, 2 * kF * n16, [] {
                  Generator g(4);
                  auto a = randn_f({k16M}, g);
                  return Fn([a]() mutable { a.relu_(); });
                }});
  cs.push_back(unary_case("exp_16M", [](const Tensor& a) { return a.exp(); }));
  cs.push_back(unary_case("tanh_16M", [](const Tensor& a) { return a.tanh(); }));
  cs.push_back(unary_case("gelu_16M", [](const Tensor& a) { return a.gelu(); }));
  cs.push_back(unary_case("relu_16M", [](const Tensor& a) { return a.relu(); }));
  cs.push_back({"sum_all_16M", Metric::Gbps, kF * n16, [] {
                  Generator g(5);
                  auto a = randn_f({k16M}, g);
                  return Fn([a] { (void)a.sum(); });
                }});
  for (int64_t d : {1, 0})
    cs.push_back({"sum_dim" + std::to_string(d) + "_4096x4096", Metric::Gbps, kF * (n4k + 4096), [d] {
                    Generator g(6);
                    auto a = randn_f({4096, 4096}, g);
                    return Fn([a, d] { (void)a.sum({d}); });
                  }});
  cs.push_back({"softmax_rows_4096x4096", Metric::Gbps, 2 * kF * n4k, [] {
                  Generator g(7);
                  auto a = randn_f({4096, 4096}, g);
                  return Fn([a] { (void)a.softmax(1); });
                }});
  cs.push_back({"mlp_step_784-512-512-10_b128_noopt", Metric::Ms, 0, mlp_step});
  cs.push_back({"layer_norm_fwd_bwd_4096x768", Metric::Ms, 0, layer_norm_step});
  cs.push_back({"bias_gelu_fwd_4096x3072", Metric::Gbps, 2 * kF * 4096.0 * 3072, [] {
                  Generator g(9);
                  auto x = randn_f({4096, 3072}, g), b = randn_f({3072}, g);
                  return Fn([x, b] { (void)nn::functional::bias_gelu(x, b, "tanh"); });
                }});
  cs.push_back({"bias_gelu_fwd_bwd_4096x3072", Metric::Ms, 0, [] { return bias_act_step(false); }});
  cs.push_back({"bias_silu_fwd_bwd_4096x3072", Metric::Ms, 0, [] { return bias_act_step(true); }});
  cs.push_back({"bias_gelu_unfused_fwd_bwd_4096x3072", Metric::Ms, 0, [] { return bias_act_step(false, false); }});
  // Issue 3's training steps (nn modules + fused cross-entropy + AdamW).
  cs.push_back({"train_mlp_adamw_784-512-512-10_b128", Metric::Ms, 0,
                [] { return Fn(bench::train_step<bench::Mlp>({128, 784}, 11)); }});
  cs.push_back({"train_cnn_adamw_c32-c64-fc128_b64", Metric::Ms, 0,
                [] { return Fn(bench::train_step<bench::Cnn>({64, 1, 28, 28}, 12)); }});
  return cs;
}

Result run_case(const Case& c, const Options& o) {
  Result r{c.name, "", "", ""};
  r.metric = c.metric == Metric::Gflops ? "gflops" : c.metric == Metric::Gbps ? "gbps" : "ms";
  r.unit = c.metric == Metric::Gflops ? "GFLOP/s" : c.metric == Metric::Gbps ? "GB/s" : "ms/step";
  try {
    Fn fn = c.setup();
    auto reps = time_call(fn, o, r.iters);
    double s = reps[reps.size() / 2];
    r.median_ms = s * 1e3;
    r.min_ms = reps.front() * 1e3;
    r.max_ms = reps.back() * 1e3;
    r.value = c.metric == Metric::Ms ? s * 1e3 : c.work / s * 1e-9;
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

std::string json_str(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\', out += ch;
    else if (ch == '\n') out += "\\n";
    else if (ch == '\t') out += "\\t";
    else if (static_cast<unsigned char>(ch) < 0x20) out += ' ';
    else out += ch;
  }
  return out + "\"";
}

std::string json_num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

void write_json(const std::string& path, const std::vector<Result>& rs, int threads, const Options& o) {
  std::ofstream f(path);
  f << "{\"impl\": \"accmt\", \"threads\": " << threads << ", \"reps\": " << o.reps << ", \"min_rep_ms\": " << o.min_ms
    << ", \"results\": [\n";
  for (size_t i = 0; i < rs.size(); ++i) {
    const auto& r = rs[i];
    f << "  {\"case\": " << json_str(r.name) << ", \"metric\": " << json_str(r.metric) << ", \"value\": "
      << json_num(r.value) << ", \"unit\": " << json_str(r.unit) << ", \"median_ms\": " << json_num(r.median_ms)
      << ", \"min_ms\": " << json_num(r.min_ms) << ", \"max_ms\": " << json_num(r.max_ms)
      << ", \"iters\": " << r.iters;
    if (!r.error.empty()) f << ", \"error\": " << json_str(r.error);
    f << "}" << (i + 1 < rs.size() ? "," : "") << "\n";
  }
  f << "]}\n";
}

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--json FILE] [--filter SUBSTR] [--reps N] [--min-ms MS] [--threads N] [--list]\n",
               argv0);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--list") list = true;
    else if (a == "--json" && (v = next())) o.json = v;
    else if (a == "--filter" && (v = next())) o.filter = v;
    else if (a == "--reps" && (v = next())) o.reps = std::max(1, std::atoi(v));
    else if (a == "--min-ms" && (v = next())) o.min_ms = std::atof(v);
    else if (a == "--threads" && (v = next())) o.threads = std::atoi(v);
    else return usage(argv[0]);
  }
  int threads = 1;
#ifdef _OPENMP
  if (o.threads > 0) omp_set_num_threads(o.threads);
  threads = omp_get_max_threads();
#endif
  std::printf("# accmt_bench_cpu threads=%d reps=%d min_ms=%g\n", threads, o.reps, o.min_ms);
  std::vector<Result> results;
  int failures = 0;
  for (const auto& c : all_cases()) {
    if (!o.filter.empty() && c.name.find(o.filter) == std::string::npos) continue;
    if (list) {
      std::printf("%s\n", c.name.c_str());
      continue;
    }
    Result r = run_case(c, o);
    std::printf("%s\t%s\t%.2f\t%s\n", r.name.c_str(), r.metric.c_str(), r.value, r.unit.c_str());
    if (!r.error.empty()) {
      std::fprintf(stderr, "# %s failed: %s\n", r.name.c_str(), r.error.c_str());
      ++failures;
    }
    std::fflush(stdout);
    results.push_back(r);
  }
  if (!o.json.empty() && !list) write_json(o.json, results, threads, o);
  return failures ? 1 : 0;
}
