#!/usr/bin/env python3
"""Peer side of the CPU benchmark: the cases of bench/cpu_bench.cpp in PyTorch (CPU),
and the GEMM cases also in NumPy (its BLAS, OpenBLAS in the pip wheel).

Same method as accmt: a warm-up, an iteration count giving repetitions of at least
--min-ms, the median of --reps repetitions. Prints "case<TAB>metric<TAB>value<TAB>unit
<TAB>peer=torch|numpy" lines; --json FILE writes them with the BLAS each library uses.

OpenBLAS reads OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE when NumPy is imported; to measure
current NumPy at full speed run this with both unset (bench/run_cpu.sh does).
"""
import argparse
import json
import math
import os
import statistics
import sys
import time


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=int(os.environ.get("OMP_NUM_THREADS", 0)) or os.cpu_count())
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--min-ms", type=float, default=25.0)
    p.add_argument("--filter", default="")
    p.add_argument("--json", default="")
    p.add_argument("--no-numpy", action="store_true")
    p.add_argument("--no-torch", action="store_true")
    return p.parse_args()


ARGS = parse_args()
# OpenBLAS sizes its thread pool when loaded: set it before importing numpy.
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(ARGS.threads))

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(ARGS.threads)
F32 = 4.0
N16M = 1 << 24


def time_call(fn):
    """Seconds per call of each repetition (sorted), and the iterations per repetition."""
    def run(n):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return time.perf_counter() - t0

    # Warm-up (page faults, thread start, lazy init): at least 3 calls and min_ms. The
    # fastest call sets the iteration count, so a slow outlier cannot shorten repetitions.
    target = ARGS.min_ms * 1e-3
    times = []
    while len(times) < 3 or sum(times) < target:
        times.append(run(1))
    iters = max(1, math.ceil(target / max(min(times), 1e-9)))
    return sorted(run(iters) / iters for _ in range(ARGS.reps)), iters


# ---- cases: name -> (metric, work, setup returning the timed call)

def gemm_setup(lib, m, k, n, form):
    def setup():
        g = np.random.default_rng(1)
        shape_a = (k, m) if form == "a" else (m, k)
        shape_b = (n, k) if form == "b" else (k, n)
        a = g.standard_normal(shape_a, dtype=np.float32)
        b = g.standard_normal(shape_b, dtype=np.float32)
        if lib == "torch":
            a, b = torch.from_numpy(a), torch.from_numpy(b)
        if form == "a":
            return lambda: a.T @ b
        if form == "b":
            return lambda: a @ b.T
        return lambda: a @ b
    return setup


def gemm_cases(lib):
    cases = {}
    for n in (256, 512, 1024, 2048):
        cases[f"gemm_{n}"] = ("gflops", 2.0 * n ** 3, gemm_setup(lib, n, n, n, "n"))
    fl = 2.0 * 128 * 784 * 512
    cases["gemm_128x784x512"] = ("gflops", fl, gemm_setup(lib, 128, 784, 512, "n"))
    cases["gemm_784x128x512_At"] = ("gflops", fl, gemm_setup(lib, 784, 128, 512, "a"))
    cases["gemm_128x512x784_Bt"] = ("gflops", fl, gemm_setup(lib, 128, 512, 784, "b"))
    return cases


def randn(*shape):
    g = torch.Generator().manual_seed(2)
    return torch.randn(*shape, generator=g)


def unary(op):
    def setup():
        a = randn(N16M)
        return lambda: op(a)
    return ("gbps", 2 * F32 * N16M, setup)


def binary_add():
    a, b = randn(N16M), randn(N16M)
    return lambda: a + b


def add_inplace():
    a, b = randn(N16M), randn(N16M)
    return lambda: a.add_(b)


def tensor_setup(shape, fn):
    def setup():
        a = randn(*shape)
        return lambda: fn(a)
    return setup


def mlp_step():
    """784-512-512-10, batch 128, Linear layout; CE = -log_softmax.gather.mean; no optimizer."""
    g = torch.Generator().manual_seed(3)
    x = torch.randn(128, 784, generator=g)
    y = torch.randint(0, 10, (128, 1), generator=g)

    def weight(out, inp):
        return (torch.randn(out, inp, generator=g) / math.sqrt(inp)).requires_grad_()

    p = [weight(512, 784), torch.zeros(512, requires_grad=True), weight(512, 512),
         torch.zeros(512, requires_grad=True), weight(10, 512), torch.zeros(10, requires_grad=True)]

    def step():
        for t in p:
            t.grad = None
        h = (x @ p[0].t() + p[1]).relu()
        h = (h @ p[2].t() + p[3]).relu()
        logits = h @ p[4].t() + p[5]
        loss = -logits.log_softmax(1).gather(1, y).mean()
        loss.backward()
    return step


def layer_norm_step():
    """LayerNorm over the last dim of [4096, 768] with weight and bias: forward + backward."""
    g = torch.Generator().manual_seed(8)
    x, gout = torch.randn(4096, 768, generator=g), torch.randn(4096, 768, generator=g)
    w, b = torch.randn(768, generator=g), torch.randn(768, generator=g)
    for t in (x, w, b):
        t.requires_grad_()

    def step():
        for t in (x, w, b):
            t.grad = None
        torch.nn.functional.layer_norm(x, (768,), w, b).backward(gout)
    return step


def bias_act_step(act):
    """act(x + b) on [4096, 3072] unfused (accmt runs its fused op): forward + backward into x and b."""
    g = torch.Generator().manual_seed(9)
    x, gout, b = torch.randn(4096, 3072, generator=g), torch.randn(4096, 3072, generator=g), torch.randn(3072, generator=g)
    for t in (x, b):
        t.requires_grad_()

    def step():
        x.grad, b.grad = None, None
        act(x + b).backward(gout)
    return step


def bias_gelu_fwd():
    g = torch.Generator().manual_seed(9)
    x, b = torch.randn(4096, 3072, generator=g), torch.randn(3072, generator=g)
    return lambda: torch.nn.functional.gelu(x + b, approximate="tanh")


class Mlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2, self.fc3 = torch.nn.Linear(784, 512), torch.nn.Linear(512, 512), torch.nn.Linear(512, 10)

    def forward(self, x):
        return self.fc3(self.fc2(self.fc1(x).relu()).relu())


class Cnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(32, 64, 3, padding=1)
        self.fc1, self.fc2 = torch.nn.Linear(64 * 7 * 7, 128), torch.nn.Linear(128, 10)

    def forward(self, x):
        F = torch.nn.functional
        h = F.max_pool2d(self.conv1(x).relu(), 2)
        h = F.max_pool2d(self.conv2(h).relu(), 2)
        return self.fc2(self.fc1(h.flatten(1)).relu())


def train_step(model_cls, shape, seed):
    """One optimizer step as bench/train_models.hpp: zero_grad, forward, CE, backward, AdamW
    (PyTorch's default AdamW implementation for CPU tensors)."""
    torch.manual_seed(seed)
    model = model_cls()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    x = torch.randn(*shape)
    y = torch.randint(0, 10, (shape[0],))

    def step():
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def torch_cases():
    n4k = 4096.0 * 4096.0
    cases = gemm_cases("torch")
    cases["add_16M"] = ("gbps", 3 * F32 * N16M, binary_add)
    cases["mul_scalar_16M"] = unary(lambda a: a * 2.5)
    # In place: the kernel alone, without a fresh 64 MB output to page in.
    cases["add_16M_inplace"] = ("gbps", 3 * F32 * N16M, add_inplace)
    cases["mul_scalar_16M_inplace"] = ("gbps", 2 * F32 * N16M, tensor_setup((N16M,), lambda a: a.mul_(0.999)))
    cases["relu_16M_inplace"] = ("gbps", 2 * F32 * N16M, tensor_setup((N16M,), torch.relu_))
    cases["exp_16M"] = unary(torch.exp)
    cases["tanh_16M"] = unary(torch.tanh)
    cases["gelu_16M"] = unary(torch.nn.functional.gelu)
    cases["relu_16M"] = unary(torch.relu)
    cases["sum_all_16M"] = ("gbps", F32 * N16M, tensor_setup((N16M,), lambda a: a.sum()))
    for d in (1, 0):
        cases[f"sum_dim{d}_4096x4096"] = ("gbps", F32 * (n4k + 4096),
                                          tensor_setup((4096, 4096), lambda a, d=d: a.sum(d)))
    cases["softmax_rows_4096x4096"] = ("gbps", 2 * F32 * n4k, tensor_setup((4096, 4096), lambda a: a.softmax(1)))
    cases["mlp_step_784-512-512-10_b128_noopt"] = ("ms", 0.0, mlp_step)
    cases["train_mlp_adamw_784-512-512-10_b128"] = ("ms", 0.0, lambda: train_step(Mlp, (128, 784), 11))
    cases["train_cnn_adamw_c32-c64-fc128_b64"] = ("ms", 0.0, lambda: train_step(Cnn, (64, 1, 28, 28), 12))
    cases["layer_norm_fwd_bwd_4096x768"] = ("ms", 0.0, layer_norm_step)
    gelu_tanh = lambda t: torch.nn.functional.gelu(t, approximate="tanh")
    cases["bias_gelu_fwd_4096x3072"] = ("gbps", 2 * F32 * 4096.0 * 3072, bias_gelu_fwd)
    cases["bias_gelu_fwd_bwd_4096x3072"] = ("ms", 0.0, lambda: bias_act_step(gelu_tanh))
    cases["bias_silu_fwd_bwd_4096x3072"] = ("ms", 0.0, lambda: bias_act_step(torch.nn.functional.silu))
    # accmt's unfused composition; PyTorch runs the same (unfused) code as in the fused row.
    cases["bias_gelu_unfused_fwd_bwd_4096x3072"] = ("ms", 0.0, lambda: bias_act_step(gelu_tanh))
    return cases


UNITS = {"gflops": "GFLOP/s", "gbps": "GB/s", "ms": "ms/step"}


def run(peer, cases):
    out = []
    for name, (metric, work, setup) in cases.items():
        if ARGS.filter and ARGS.filter not in name:
            continue
        r = {"case": name, "metric": metric, "unit": UNITS[metric], "value": None, "median_ms": None}
        try:
            with torch.no_grad() if metric != "ms" else torch.enable_grad():
                reps, r["iters"] = time_call(setup())
            s = statistics.median(reps)
            r["median_ms"], r["min_ms"], r["max_ms"] = s * 1e3, reps[0] * 1e3, reps[-1] * 1e3
            r["value"] = s * 1e3 if metric == "ms" else work / s * 1e-9
        except Exception as e:  # report and go on
            r["error"] = f"{type(e).__name__}: {e}"
            print(f"# {peer} {name} failed: {r['error']}", file=sys.stderr)
        value = "nan" if r["value"] is None else f"{r['value']:.2f}"
        print(f"{name}\t{metric}\t{value}\t{r['unit']}\tpeer={peer}", flush=True)
        out.append(r)
    return out


def blas_info():
    """Which BLAS NumPy and PyTorch call, with threads and core type."""
    info = {"numpy": np.__version__, "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                    "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}}
    try:
        from threadpoolctl import threadpool_info
        info["threadpools"] = [{k: d.get(k) for k in ("user_api", "internal_api", "version",
                                                       "num_threads", "architecture", "filepath")}
                               for d in threadpool_info()]
    except ImportError:
        info["threadpools"] = None
    cfg = torch.__config__.show()
    info["torch_blas"] = next((part.split("=", 1)[1] for part in cfg.replace(",", "\n").split()
                               if part.startswith("BLAS_INFO=")), "unknown")
    # torch.backends.cpu is new in PyTorch 2.0; the OS package (python3-torch) may be older.
    backends_cpu = getattr(torch.backends, "cpu", None)
    info["torch_cpu_capability"] = backends_cpu.get_cpu_capability() if backends_cpu else "unknown"
    return info


def main():
    info = blas_info()
    print(f"# peer_torch threads={ARGS.threads} torch={info['torch']} (BLAS {info['torch_blas']}, "
          f"{info['torch_cpu_capability']}) numpy={info['numpy']}")
    for tp in info["threadpools"] or []:
        print(f"# threadpool {tp['internal_api']} {tp['version']} arch={tp['architecture']} "
              f"threads={tp['num_threads']} {os.path.basename(tp['filepath'] or '')}")
    if info["threadpools"] is None:
        print("# threadpoolctl not installed: BLAS details from torch.__config__ only")
    results = {}
    # NumPy first, then torch, so each library's idle threads settle before the other runs.
    if not ARGS.no_numpy:
        results["numpy"] = run("numpy", gemm_cases("numpy"))
        time.sleep(1.0)  # OpenBLAS's idle threads spin a while: let them park before torch runs
    if not ARGS.no_torch:
        results["torch"] = run("torch", torch_cases())
    if ARGS.json:
        with open(ARGS.json, "w") as f:
            json.dump({"threads": ARGS.threads, "reps": ARGS.reps, "min_rep_ms": ARGS.min_ms,
                       "info": info, "results": results}, f, indent=1)
    return 1 if any("error" in r for rs in results.values() for r in rs) else 0


if __name__ == "__main__":
    sys.exit(main())
