#!/usr/bin/env python3
"""Peer of bench/optim_step.cpp: torch.optim.AdamW (for-loop, foreach, fused) over the same
parameter lists (the MLP 784-512-512-10 and 300 small tensors), 2 threads, minimum over
31 runs of 10 steps."""
import time, torch
torch.set_num_threads(2)
lists = {
    "mlp": [(512, 784), (512,), (512, 512), (512,), (10, 512), (10,)],
    "300-small": [(100 + (i * 53) % 1197,) for i in range(300)],
}
for name, shapes in lists.items():
    for mode in ["for-loop", "foreach", "fused"]:
        ps = [torch.randn(s, requires_grad=True) for s in shapes]
        for p in ps: p.grad = torch.randn_like(p)
        kw = {"foreach": mode == "foreach"}
        if mode == "fused":
            kw["fused"] = True  # torch >= 2.4 on CPU; older versions report it unavailable
        try:
            opt = torch.optim.AdamW(ps, lr=1e-3, weight_decay=0.01, **kw)
            for _ in range(20): opt.step()
        except Exception as e:
            print(name, mode, "unavailable:", e); continue
        ts = []
        for _ in range(31):
            a = time.perf_counter()
            for _ in range(10): opt.step()
            ts.append((time.perf_counter() - a) / 10)
        ts.sort()
        print(f"torch AdamW {name:10s} {mode}: {ts[0]*1e6:.1f} us")
