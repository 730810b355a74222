"""PyTorch peer of bench/cuda_bench.cpp: the same cases on cuda:0, timed the same way
(median of 20 calls between CUDA events after 3 warm-up calls), printed in the same
"case <name> <ms> ms <amount> <unit>" lines. Usage: python3 bench/peer_torch_cuda.py [--filter S]
"""
import sys

import torch
import torch.nn.functional as F

FILTER = sys.argv[sys.argv.index("--filter") + 1] if "--filter" in sys.argv else ""
dev = torch.device("cuda:0")


def time_ms(fn, reps=20):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    ms = []
    for _ in range(reps):
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        ms.append(start.elapsed_time(stop))
    ms.sort()
    return ms[len(ms) // 2]


def bw(name, nbytes, fn):
    if FILTER in name:
        ms = time_ms(fn)
        print("case %-28s %9.4f ms %9.1f GB/s" % (name, ms, nbytes / ms / 1e6), flush=True)


def flops(name, n, fn):
    if FILTER in name:
        ms = time_ms(fn)
        print("case %-28s %9.4f ms %9.1f TFLOP/s" % (name, ms, n / ms / 1e9), flush=True)


def randn(*shape, dtype=torch.float32):
    return torch.randn(*shape, device=dev, dtype=dtype)


def elementwise():
    n = 1 << 28
    a, b, out = randn(n), randn(n), torch.empty(n, device=dev)
    fb = n * 4.0
    bw("copy_f32_1G", 2 * fb, lambda: out.copy_(a))
    bw("add_f32_1G", 3 * fb, lambda: a.add(b))
    bw("mul_scalar_inplace_f32_1G", 2 * fb, lambda: out.mul_(1.0001))
    bw("gelu_f32_1G", 2 * fb, lambda: F.gelu(a))
    h = randn(n, dtype=torch.bfloat16)
    bw("add_bf16_1G", 3 * n * 2.0, lambda: h.add(h))
    bw("cast_f32_to_bf16", fb + n * 2.0, lambda: a.to(torch.bfloat16))
    m = randn(8192, 8192)
    bw("transpose_copy_8192", 2 * 8192.0 * 8192 * 4, lambda: m.t().contiguous())
    bw("bias_add_broadcast", 2 * 8192.0 * 8192 * 4, lambda: m.add(m[0]))
    bw("neg_inplace_bf16_1G", 2 * n * 2.0, lambda: h.neg_())
    bw("clamp_inplace_f32_1G", 2 * fb, lambda: out.clamp_(-1.0, 1.0))
    mask = a > 0
    bw("where_f32_1G", 3 * fb + n, lambda: torch.where(mask, a, b))
    bw("rand_f32_1G", fb, lambda: out.uniform_())
    bw("randn_f32_1G", fb, lambda: out.normal_())
    bw("bernoulli_f32_1G", fb, lambda: out.bernoulli_(0.9))


def reduction():
    a = randn(1 << 28)
    bw("sum_all_f32_1G", a.numel() * 4.0, lambda: a.sum())
    m = randn(16384, 16384)
    bw("sum_lastdim_16k", m.numel() * 4.0, lambda: m.sum(1))
    bw("sum_dim0_16k", m.numel() * 4.0, lambda: m.sum(0))
    bw("max_lastdim_16k", m.numel() * 4.0, lambda: m.amax(1))


def fused():
    x = randn(16384, 4096)
    xb = x.numel() * 4.0
    bw("softmax_16k_x_4k", 2 * xb, lambda: F.softmax(x, -1))
    bw("log_softmax_16k_x_4k", 2 * xb, lambda: F.log_softmax(x, -1))
    ln_x, w, bias = randn(16384, 1024), randn(1024), randn(1024)
    bw("layer_norm_fwd_16k_x_1k", 2 * ln_x.numel() * 4.0, lambda: F.layer_norm(ln_x, (1024,), w, bias))
    lx = randn(16384, 1024).requires_grad_()
    lw, lb = randn(1024).requires_grad_(), randn(1024).requires_grad_()
    gy = randn(16384, 1024)

    def ln_fb():
        lx.grad = None
        F.layer_norm(lx, (1024,), lw, lb).backward(gy)

    bw("layer_norm_fwd_bwd_16k_x_1k", 5 * lx.numel() * 4.0, ln_fb)
    # Unfused peer of the fused bias + activation: F.gelu(x + b) / F.silu(x + b).
    for dt, tag in ((torch.float32, "f32"), (torch.bfloat16, "bf16")):
        bx, bb = randn(8192, 3072, dtype=dt).requires_grad_(), randn(3072, dtype=dt).requires_grad_()
        bgy = randn(8192, 3072, dtype=dt)
        eb = bx.numel() * float(bx.element_size())

        def ba_f():
            with torch.no_grad():
                F.gelu(bx + bb, approximate="tanh")

        def ba_fb(act):
            def run():
                bx.grad, bb.grad = None, None
                act(bx + bb).backward(bgy)
            return run

        bw("bias_gelu_fwd_%s_8k_x_3k" % tag, 2 * eb, ba_f)
        bw("bias_gelu_fwd_bwd_%s_8k_x_3k" % tag, 5 * eb, ba_fb(lambda t: F.gelu(t, approximate="tanh")))
        bw("bias_silu_fwd_bwd_%s_8k_x_3k" % tag, 5 * eb, ba_fb(F.silu))
    logits = randn(8192, 50304).requires_grad_()
    target = torch.randint(0, 50304, (8192,), device=dev)
    lbytes = logits.numel() * 4.0

    def ce_f():
        with torch.no_grad():
            F.cross_entropy(logits, target)

    def ce_fb():
        logits.grad = None
        F.cross_entropy(logits, target).backward()

    bw("cross_entropy_fwd_8k_x_50k", lbytes, ce_f)
    bw("cross_entropy_fwd_bwd_8k_x_50k", 3 * lbytes, ce_fb)
    table = randn(50304, 768)
    idx = torch.randint(0, 50304, (8, 1024), device=dev)
    bw("embedding_fwd_8x1024x768", 2 * 8.0 * 1024 * 768 * 4, lambda: F.embedding(idx, table))


def adamw():
    n = 1 << 27
    p = randn(n).requires_grad_()
    p.grad = randn(n)
    opt = torch.optim.AdamW([p], lr=1e-4, weight_decay=0.1, fused=True)
    bw("adamw_step_128M", 7.0 * n * 4, opt.step)
    del p, opt
    # GPT-2 small's 148 parameter tensors (124M), as in bench/gpt2_params.hpp.
    d, vocab, ctx = 768, 50257, 1024
    shapes = [(vocab, d), (ctx, d)]
    for _ in range(12):
        shapes += [(d,), (d,), (d, 3 * d), (3 * d,), (d, d), (d,), (d,), (d,), (d, 4 * d), (4 * d,), (4 * d, d), (d,)]
    shapes += [(d,), (d,)]
    total = sum(torch.Size(s).numel() for s in shapes)
    for tag, kw in (("multi", {"fused": True}), ("foreach", {"foreach": True})):
        ps = [randn(*s).requires_grad_() for s in shapes]
        for q in ps:
            q.grad = randn(*q.shape)
        opt = torch.optim.AdamW(ps, lr=1e-4, weight_decay=0.1, **kw)
        opt.step()
        bw("adamw_%s_gpt2_124M" % tag, 7.0 * total * 4, opt.step)
        del ps, opt


def gemm():
    s = 8192
    for dt, tag in ((torch.float32, "f32"), (torch.bfloat16, "bf16"), (torch.float16, "f16")):
        a, b = randn(s, s, dtype=dt), randn(s, s, dtype=dt)
        flops("gemm_%s_8192" % tag, 2.0 * s ** 3, lambda: a @ b)
        if dt == torch.float32:
            torch.backends.cuda.matmul.allow_tf32 = True
            flops("gemm_tf32_8192", 2.0 * s ** 3, lambda: a @ b)
            torch.backends.cuda.matmul.allow_tf32 = False
    q, k = randn(96, 1024, 64, dtype=torch.bfloat16), randn(96, 64, 1024, dtype=torch.bfloat16)
    flops("bmm_bf16_96x1024x64x1024", 2.0 * 96 * 1024 * 1024 * 64, lambda: q @ k)


def conv():
    x, w = randn(64, 64, 56, 56), randn(64, 64, 3, 3)
    torch.backends.cudnn.allow_tf32 = False
    flops("conv3x3_64c_56px_b64", 2.0 * 64 * 64 * 56 * 56 * 64 * 9, lambda: F.conv2d(x, w, padding=1))


def attention():
    # B=8 H=12 L=S=1024 E=64: forward 4*B*H*L*S*E flops (halved when causal), backward 2.5x.
    full = 4.0 * 8 * 12 * 1024 * 1024 * 64
    for causal in (False, True):
        q, k, v = (randn(8, 12, 1024, 64, dtype=torch.bfloat16).requires_grad_() for _ in range(3))
        gy = randn(8, 12, 1024, 64, dtype=torch.bfloat16)
        fwd = full / 2 if causal else full
        tag = "sdpa_causal_bf16_8x12x1024x64" if causal else "sdpa_bf16_8x12x1024x64"

        def f():
            with torch.no_grad():
                F.scaled_dot_product_attention(q, k, v, is_causal=causal)

        def fb():
            q.grad = k.grad = v.grad = None
            F.scaled_dot_product_attention(q, k, v, is_causal=causal).backward(gy)

        flops(tag + "_fwd", fwd, f)
        flops(tag + "_fwd_bwd", fwd * 3.5, fb)


if __name__ == "__main__":
    p = torch.cuda.get_device_properties(0)
    print("device %s sm_%d%d %d SMs torch %s" % (p.name, p.major, p.minor, p.multi_processor_count, torch.__version__))
    for group in (elementwise, reduction, fused, adamw, gemm, conv, attention):
        try:
            group()
        except Exception as e:  # report and go on: one failing group must not hide the rest
            print("group %s failed: %s" % (group.__name__, e))
        torch.cuda.empty_cache()
