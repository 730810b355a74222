#!/usr/bin/env python3
"""PyTorch side of bench/conv_bench.cpp: the same two conv layers, forward + backward,
same timing method (warm-up, median of --reps repetitions of at least --min-ms)."""
import argparse
import statistics
import time

import torch

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--reps", type=int, default=7)
p.add_argument("--min-ms", type=float, default=200.0)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
c1, c2 = torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.Conv2d(32, 64, 3, padding=1)
x = torch.randn(64, 1, 28, 28)


def step():
    c1.zero_grad(set_to_none=True)
    c2.zero_grad(set_to_none=True)
    c2(c1(x)).sum().backward()


step()
iters = 1
while True:
    t0 = time.perf_counter()
    for _ in range(iters):
        step()
    if (time.perf_counter() - t0) * 1e3 >= a.min_ms:
        break
    iters *= 2
times = []
for _ in range(a.reps):
    t0 = time.perf_counter()
    for _ in range(iters):
        step()
    times.append((time.perf_counter() - t0) * 1e3 / iters)
print(f"torch {torch.__version__} conv 1->32->64 fwd+bwd [64,1,28,28] threads={a.threads}: "
      f"{statistics.median(times):.3f} ms/step (mkldnn {torch.backends.mkldnn.is_available()})")
