// CUDA kernel benchmark: each case runs an accmt op on cuda:0 many times between CUDA
// events and prints one line "case <name> <ms> <amount> <unit>", where amount is GB/s
// (bytes the op must move at least) or TFLOP/s. bench/peer_torch_cuda.py prints the same
// cases for PyTorch; bench/run_cuda.sh runs both and prints the table with ratios and the
// fraction of measured copy bandwidth.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <accmt/accmt.hpp>
#include "bench/gpt2_params.hpp"

using namespace accmt;
namespace F = nn::functional;

namespace {

const Device kCuda("cuda:0");
std::string g_filter;

// Median milliseconds of one call of `fn` over `reps` timed calls (after warm-up).
double time_ms(const std::function<void()>& fn, int reps = 20) {
  for (int i = 0; i < 3; ++i) fn();
  cuda::synchronize();
  std::vector<double> ms;
  cuda::Event start(0, true), stop(0, true);
  for (int r = 0; r < reps; ++r) {
    start.record();
    fn();
    stop.record();
    stop.synchronize();
    ms.push_back(start.elapsed_time(stop));
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

bool wanted(const std::string& name) { return g_filter.empty() || name.find(g_filter) != std::string::npos; }

void report_bw(const std::string& name, double bytes, const std::function<void()>& fn) {
  if (!wanted(name)) return;
  const double ms = time_ms(fn);
  std::printf("case %-28s %9.4f ms %9.1f GB/s\n", name.c_str(), ms, bytes / ms / 1e6);
  std::fflush(stdout);
}

void report_flops(const std::string& name, double flops, const std::function<void()>& fn) {
  if (!wanted(name)) return;
  const double ms = time_ms(fn);
  std::printf("case %-28s %9.4f ms %9.1f TFLOP/s\n", name.c_str(), ms, flops / ms / 1e9);
  std::fflush(stdout);
}

Tensor randn_cuda(const Shape& s, DType dtype = DType::Float32) { return randn(s, {.dtype = dtype, .device = kCuda}); }

void elementwise_cases() {
  const int64_t n = int64_t(1) << 28;  // 1 GiB of float32
  Tensor a = randn_cuda({n}), b = randn_cuda({n}), out = empty({n}, {.device = kCuda});
  const double fb = double(n) * 4;
  report_bw("copy_f32_1G", 2 * fb, [&] { out.copy_(a); });
  report_bw("add_f32_1G", 3 * fb, [&] { (void)a.add(b); });
  report_bw("mul_scalar_inplace_f32_1G", 2 * fb, [&] { out.mul_(1.0001); });
  report_bw("gelu_f32_1G", 2 * fb, [&] { (void)a.gelu(); });
  Tensor h = randn_cuda({n}, DType::BFloat16);
  report_bw("add_bf16_1G", 3 * double(n) * 2, [&] { (void)h.add(h); });
  report_bw("cast_f32_to_bf16", fb + double(n) * 2, [&] { (void)a.to(DType::BFloat16); });
  Tensor m = randn_cuda({8192, 8192});
  report_bw("transpose_copy_8192", 2 * 8192.0 * 8192 * 4, [&] { (void)m.t().contiguous(); });
  report_bw("bias_add_broadcast", 2 * 8192.0 * 8192 * 4, [&] { (void)m.add(m.select(0, 0)); });
  report_bw("neg_inplace_bf16_1G", 2 * double(n) * 2, [&] { h.neg_(); });
  report_bw("clamp_inplace_f32_1G", 2 * fb, [&] { out.clamp_(Scalar(-1.0), Scalar(1.0)); });
  Tensor mask = a.gt(0.0);
  report_bw("where_f32_1G", 3 * fb + double(n), [&] { (void)where(mask, a, b); });
  // Random draws only write their output.
  report_bw("rand_f32_1G", fb, [&] { out.uniform_(); });
  report_bw("randn_f32_1G", fb, [&] { out.normal_(); });
  report_bw("bernoulli_f32_1G", fb, [&] { out.bernoulli_(0.9); });
}

void reduction_cases() {
  Tensor a = randn_cuda({int64_t(1) << 28});
  report_bw("sum_all_f32_1G", double(a.numel()) * 4, [&] { (void)a.sum(); });
  Tensor m = randn_cuda({16384, 16384});
  report_bw("sum_lastdim_16k", double(m.numel()) * 4, [&] { (void)m.sum({1}); });
  report_bw("sum_dim0_16k", double(m.numel()) * 4, [&] { (void)m.sum({0}); });
  report_bw("max_lastdim_16k", double(m.numel()) * 4, [&] { (void)m.amax({1}); });
}

void fused_cases() {
  Tensor x = randn_cuda({16384, 4096});
  const double xb = double(x.numel()) * 4;
  report_bw("softmax_16k_x_4k", 2 * xb, [&] { (void)F::softmax(x, -1); });
  report_bw("log_softmax_16k_x_4k", 2 * xb, [&] { (void)F::log_softmax(x, -1); });
  Tensor ln_x = randn_cuda({16384, 1024});
  Tensor w = randn_cuda({1024}), bias = randn_cuda({1024});
  report_bw("layer_norm_fwd_16k_x_1k", 2 * double(ln_x.numel()) * 4,
            [&] { (void)F::layer_norm(ln_x, {1024}, w, bias); });
  Tensor lx = randn_cuda({16384, 1024}).requires_grad_();
  Tensor lw = randn_cuda({1024}).requires_grad_(), lb = randn_cuda({1024}).requires_grad_();
  Tensor gy = randn_cuda({16384, 1024});
  report_bw("layer_norm_fwd_bwd_16k_x_1k", 5 * double(lx.numel()) * 4, [&] {
    lx.set_grad(Tensor());
    F::layer_norm(lx, {1024}, lw, lb).backward(gy);
  });
  // Fused bias + activation on a GPT-2 style MLP activation [8192, 3072]: at least x read
  // and y written forward, grad_y and x read and grad_x written backward.
  for (DType dt : {DType::Float32, DType::BFloat16}) {
    const std::string tag = dt == DType::Float32 ? "f32" : "bf16";
    Tensor bx = randn_cuda({8192, 3072}, dt).requires_grad_(), bb = randn_cuda({3072}, dt).requires_grad_();
    Tensor bgy = randn_cuda({8192, 3072}, dt);
    const double eb = double(bx.numel()) * double(dtype_size(dt));
    report_bw("bias_gelu_fwd_" + tag + "_8k_x_3k", 2 * eb, [&] {
      autograd::NoGradGuard ng;
      (void)F::bias_gelu(bx, bb, "tanh");
    });
    report_bw("bias_gelu_fwd_bwd_" + tag + "_8k_x_3k", 5 * eb, [&] {
      bx.set_grad(Tensor());
      bb.set_grad(Tensor());
      F::bias_gelu(bx, bb, "tanh").backward(bgy);
    });
    report_bw("bias_silu_fwd_bwd_" + tag + "_8k_x_3k", 5 * eb, [&] {
      bx.set_grad(Tensor());
      bb.set_grad(Tensor());
      F::bias_silu(bx, bb).backward(bgy);
    });
  }
  Tensor logits = randn_cuda({8192, 50304}).requires_grad_();
  Tensor target = randint(0, 50304, {8192}, {.dtype = DType::Int64, .device = kCuda});
  const double lb_bytes = double(logits.numel()) * 4;
  report_bw("cross_entropy_fwd_8k_x_50k", lb_bytes, [&] {
    autograd::NoGradGuard ng;
    (void)F::cross_entropy(logits, target);
  });
  report_bw("cross_entropy_fwd_bwd_8k_x_50k", 3 * lb_bytes, [&] {
    logits.set_grad(Tensor());
    F::cross_entropy(logits, target).backward();
  });
  Tensor table = randn_cuda({50304, 768});
  Tensor idx = randint(0, 50304, {8, 1024}, {.dtype = DType::Int64, .device = kCuda});
  report_bw("embedding_fwd_8x1024x768", 2 * 8.0 * 1024 * 768 * 4, [&] { (void)F::embedding(idx, table); });
}

void adamw_case() {
  const int64_t n = int64_t(1) << 27;  // 128M parameters
  Tensor p = randn_cuda({n}).requires_grad_();
  p.set_grad(randn_cuda({n}));
  optim::AdamW opt({p}, {.lr = 1e-4, .weight_decay = 0.1});
  // param r/w, grad r, exp_avg r/w, exp_avg_sq r/w
  report_bw("adamw_step_128M", 7.0 * double(n) * 4, [&] { opt.step(); });

  // The multi-tensor step over GPT-2 small's 148 tensors (one launch per table of
  // tensors); PyTorch's peers are AdamW(fused=True) and AdamW(foreach=True) on the same list.
  std::vector<Tensor> ps;
  double total = 0;
  for (const Shape& s : bench::gpt2_small_shapes()) {
    Tensor t = randn_cuda(s).requires_grad_();
    t.set_grad(randn_cuda(s));
    total += double(t.numel());
    ps.push_back(t);
  }
  optim::AdamW multi(ps, {.lr = 1e-4, .weight_decay = 0.1});
  multi.step();  // creates the state
  report_bw("adamw_multi_gpt2_124M", 7.0 * total * 4, [&] { multi.step(); });
  report_bw("adamw_foreach_gpt2_124M", 7.0 * total * 4, [&] { multi.step(); });
}

void gemm_cases() {
  const int64_t s = 8192;
  for (DType dt : {DType::Float32, DType::BFloat16, DType::Float16}) {
    Tensor a = randn_cuda({s, s}, dt), b = randn_cuda({s, s}, dt);
    const std::string name = std::string("gemm_") + (dt == DType::Float32 ? "f32" : dt == DType::BFloat16 ? "bf16" : "f16") + "_8192";
    report_flops(name, 2.0 * s * s * s, [&] { (void)a.matmul(b); });
    if (dt == DType::Float32) {
      cuda::set_allow_tf32(true);
      report_flops("gemm_tf32_8192", 2.0 * s * s * s, [&] { (void)a.matmul(b); });
      cuda::set_allow_tf32(false);
    }
  }
  Tensor q = randn_cuda({96, 1024, 64}, DType::BFloat16), k = randn_cuda({96, 64, 1024}, DType::BFloat16);
  report_flops("bmm_bf16_96x1024x64x1024", 2.0 * 96 * 1024 * 1024 * 64, [&] { (void)q.matmul(k); });
}

void conv_cases() {
  Tensor x = randn_cuda({64, 64, 56, 56}), w = randn_cuda({64, 64, 3, 3});
  report_flops("conv3x3_64c_56px_b64", 2.0 * 64 * 64 * 56 * 56 * 64 * 9, [&] { (void)F::conv2d(x, w, {}, {.padding = 1}); });
}

// Fused attention, B=8 H=12 L=S=1024 E=64: forward counts 4*B*H*L*S*E flops (two
// products), halved when causal; backward 2.5 times the forward.
void attention_cases() {
  const double full = 4.0 * 8 * 12 * 1024 * 1024 * 64;
  for (bool causal : {false, true}) {
    Tensor q = randn_cuda({8, 12, 1024, 64}, DType::BFloat16).requires_grad_();
    Tensor k = randn_cuda({8, 12, 1024, 64}, DType::BFloat16).requires_grad_();
    Tensor v = randn_cuda({8, 12, 1024, 64}, DType::BFloat16).requires_grad_();
    Tensor gy = randn_cuda({8, 12, 1024, 64}, DType::BFloat16);
    const double fwd = causal ? full / 2 : full;
    // The fused kernel (opt-in) and the math path, to decide the default on a GPU.
    for (bool fused : {true, false}) {
      cuda::set_fused_attention(fused);
      const std::string tag = std::string(causal ? "sdpa_causal_bf16_8x12x1024x64" : "sdpa_bf16_8x12x1024x64") +
                              (fused ? "" : "_math");
      report_flops(tag + "_fwd", fwd, [&] {
        autograd::NoGradGuard ng;
        (void)F::scaled_dot_product_attention(q, k, v, Tensor(), 0.0, causal);
      });
      report_flops(tag + "_fwd_bwd", fwd * 3.5, [&] {
        q.set_grad(Tensor());
        k.set_grad(Tensor());
        v.set_grad(Tensor());
        F::scaled_dot_product_attention(q, k, v, Tensor(), 0.0, causal).backward(gy);
      });
    }
    cuda::set_fused_attention(false);
  }
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strcmp(argv[i], "--filter") == 0 && i + 1 < argc) g_filter = argv[++i];
  if (!cuda::is_available()) {
    std::printf("no CUDA device: nothing to benchmark\n");
    return 77;
  }
  const auto props = cuda::get_device_properties(0);
  std::printf("device %s sm_%d%d %d SMs %.0f GiB\n", props.name.c_str(), props.major, props.minor,
              props.multiprocessor_count, double(props.total_memory) / double(1 << 30));
  const std::vector<std::pair<const char*, void (*)()>> groups = {
      {"elementwise", elementwise_cases}, {"reduction", reduction_cases}, {"fused", fused_cases},
      {"adamw", adamw_case},             {"gemm", gemm_cases},           {"conv", conv_cases},
      {"attention", attention_cases}};
  int failures = 0;
  for (const auto& [name, fn] : groups) {
    try {
      fn();
    } catch (const std::exception& e) {
      std::printf("group %s failed: %s\n", name, e.what());
      ++failures;
    }
    cuda::empty_cache();
  }
  return failures == 0 ? 0 : 1;
}
