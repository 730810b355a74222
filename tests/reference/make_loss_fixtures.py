#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures of the losses (tests/nn/test_loss_reference.cpp).

Regenerate from the repository root:  python3 tests/reference/make_loss_fixtures.py

Output: tests/reference/fixtures/loss.safetensors (safetensors format of make_fixtures.py).
For a case <c>:
    <c>.input, <c>.target          what the C++ test feeds the loss
    <c>.weight, <c>.pos_weight     optional weights
    <c>.out                        the loss
    <c>.gout                       upstream gradient (reduction "none" cases only)
    <c>.grad_input, <c>.grad_target  gradients (grad_target only where the target is floating)
Options (reduction, ignore_index, ...) are repeated next to the case name in the C++ table.
Inputs come from torch.manual_seed(crc32(case)); float64 unless the case name ends in _f32.
"""
import os
import sys
import zlib

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT_DIR, write_safetensors  # noqa: E402

F64 = torch.float64
T = {}


def seed(name):
    torch.manual_seed(zlib.crc32(name.encode()))


def case(name, fn, inputs, target_grad=False, reduction_none=False):
    """inputs: dict with input, target and optional weight/pos_weight (already seeded)."""
    x = inputs["input"].clone().requires_grad_()
    t = inputs["target"].clone()
    if target_grad:
        t.requires_grad_()
    extra = {k: v for k, v in inputs.items() if k not in ("input", "target")}
    out = fn(x, t, **extra)
    for k, v in inputs.items():
        T[f"{name}.{k}"] = v
    T[f"{name}.out"] = out.detach()
    if reduction_none:
        gout = torch.randn(out.shape, dtype=out.dtype)
        T[f"{name}.gout"] = gout
        out.backward(gout)
    else:
        out.backward()
    T[f"{name}.grad_input"] = x.grad
    if target_grad:
        T[f"{name}.grad_target"] = t.grad


def rn(*s, dtype=F64):
    return torch.randn(*s, dtype=dtype)


def targets(n, c, *rest, ignore=None, count=0):
    t = torch.randint(0, c, (n, *rest))
    if ignore is not None:
        flat = t.view(-1)
        flat[torch.randperm(flat.numel())[:count]] = ignore
    return t


def probs(*s):
    return torch.softmax(torch.randn(*s, dtype=F64), dim=1)


def cross_entropy_cases():
    def ce(**kw):
        return lambda x, t, weight=None: F.cross_entropy(x, t, weight=weight, **kw)
    seed("ce_mean"); case("ce_mean", ce(), {"input": rn(5, 7), "target": targets(5, 7)})
    seed("ce_sum"); case("ce_sum", ce(reduction="sum"), {"input": rn(5, 7), "target": targets(5, 7)})
    seed("ce_none"); case("ce_none", ce(reduction="none"), {"input": rn(5, 7), "target": targets(5, 7)},
                          reduction_none=True)
    seed("ce_weight"); case("ce_weight", ce(), {"input": rn(6, 4), "target": targets(6, 4), "weight": rn(4).abs() + 0.2})
    seed("ce_ignore"); case("ce_ignore", ce(ignore_index=2),
                            {"input": rn(8, 5), "target": targets(8, 5), "weight": rn(5).abs() + 0.2})
    seed("ce_ignore_default"); case("ce_ignore_default", ce(),
                                    {"input": rn(8, 5), "target": targets(8, 5, ignore=-100, count=3)})
    seed("ce_smooth"); case("ce_smooth", ce(label_smoothing=0.15, ignore_index=1),
                            {"input": rn(9, 6), "target": targets(9, 6), "weight": rn(6).abs() + 0.2})
    seed("ce_smooth_none"); case("ce_smooth_none", ce(label_smoothing=0.3, reduction="none"),
                                 {"input": rn(4, 6), "target": targets(4, 6, ignore=-100, count=1)}, reduction_none=True)
    seed("ce_smooth_sum"); case("ce_smooth_sum", ce(label_smoothing=0.2, reduction="sum"),
                                {"input": rn(4, 6), "target": targets(4, 6), "weight": rn(6).abs() + 0.2})
    seed("ce_prob"); case("ce_prob", ce(), {"input": rn(5, 4), "target": probs(5, 4)}, target_grad=True)
    seed("ce_prob_smooth_weight"); case("ce_prob_smooth_weight", ce(label_smoothing=0.1, reduction="sum"),
                                        {"input": rn(5, 4), "target": probs(5, 4), "weight": rn(4).abs() + 0.2},
                                        target_grad=True)
    seed("ce_nd"); case("ce_nd", ce(label_smoothing=0.05, ignore_index=0),
                        {"input": rn(2, 4, 3, 2), "target": targets(2, 4, 3, 2), "weight": rn(4).abs() + 0.2})
    seed("ce_nd_none"); case("ce_nd_none", ce(reduction="none"), {"input": rn(2, 3, 4), "target": targets(2, 3, 4)},
                             reduction_none=True)
    seed("ce_nd_prob"); case("ce_nd_prob", ce(reduction="none"), {"input": rn(2, 3, 4), "target": probs(2, 3, 4)},
                             target_grad=True, reduction_none=True)
    seed("ce_1d"); case("ce_1d", ce(), {"input": rn(6), "target": torch.tensor(4)})
    seed("ce_large"); case("ce_large", ce(), {"input": rn(3, 5) * 300, "target": targets(3, 5)})
    seed("ce_f32"); case("ce_f32", ce(label_smoothing=0.1), {"input": rn(6, 10, dtype=torch.float32),
                                                            "target": targets(6, 10)})


def nll_cases():
    def nll(**kw):
        return lambda x, t, weight=None: F.nll_loss(x, t, weight=weight, **kw)
    seed("nll_mean"); case("nll_mean", nll(), {"input": rn(5, 4), "target": targets(5, 4)})
    seed("nll_weight_ignore"); case("nll_weight_ignore", nll(ignore_index=3),
                                    {"input": rn(7, 4), "target": targets(7, 4), "weight": rn(4).abs() + 0.2})
    seed("nll_nd_none"); case("nll_nd_none", nll(reduction="none"), {"input": rn(2, 3, 2, 2), "target": targets(2, 3, 2, 2)},
                              reduction_none=True)
    seed("nll_sum"); case("nll_sum", nll(reduction="sum", ignore_index=-100),
                          {"input": rn(6, 3), "target": targets(6, 3, ignore=-100, count=2), "weight": rn(3).abs()})


def regression_cases():
    def pair(*s):
        return {"input": rn(*s), "target": rn(*s)}
    for red in ["mean", "sum", "none"]:
        n = f"mse_{red}"; seed(n); case(n, lambda x, t, r=red: F.mse_loss(x, t, reduction=r), pair(3, 4), True, red == "none")
        n = f"l1_{red}"; seed(n); case(n, lambda x, t, r=red: F.l1_loss(x, t, reduction=r), pair(3, 4), True, red == "none")
    for red, beta in [("mean", 1.0), ("none", 0.5), ("sum", 0.0), ("mean", 2.0)]:
        n = f"smooth_l1_{red}_{str(beta).replace('.', 'p')}"; seed(n)
        case(n, lambda x, t, r=red, b=beta: F.smooth_l1_loss(x, t, reduction=r, beta=b), pair(4, 5), True, red == "none")
    for red, delta in [("mean", 1.0), ("none", 0.7), ("sum", 2.5)]:
        n = f"huber_{red}_{str(delta).replace('.', 'p')}"; seed(n)
        case(n, lambda x, t, r=red, d=delta: F.huber_loss(x, t, reduction=r, delta=d), pair(4, 5), True, red == "none")


def bce_cases():
    def bce(red):
        return lambda x, t, weight=None: F.binary_cross_entropy(x, t, weight=weight, reduction=red)
    def pr(*s):
        return torch.rand(*s, dtype=F64) * 0.9 + 0.05
    seed("bce_mean"); case("bce_mean", bce("mean"), {"input": pr(3, 4), "target": torch.rand(3, 4, dtype=F64)}, True)
    seed("bce_weight_none"); case("bce_weight_none", bce("none"), {"input": pr(3, 4), "target": torch.rand(3, 4, dtype=F64),
                                                                   "weight": rn(4).abs()}, True, True)
    seed("bce_sum"); case("bce_sum", bce("sum"), {"input": pr(5), "target": (torch.rand(5) < 0.5).to(F64)}, True)
    seed("bce_clamp"); case("bce_clamp", bce("none"), {"input": torch.tensor([0.0, 1.0, 0.0, 1.0, 0.5], dtype=F64),
                                                       "target": torch.tensor([0.0, 1.0, 1.0, 0.0, 0.3], dtype=F64)},
                            False, True)

    def bcel(red):
        return lambda x, t, weight=None, pos_weight=None: F.binary_cross_entropy_with_logits(
            x, t, weight=weight, pos_weight=pos_weight, reduction=red)
    seed("bcel_mean"); case("bcel_mean", bcel("mean"), {"input": rn(3, 4) * 3, "target": torch.rand(3, 4, dtype=F64)}, True)
    seed("bcel_weights_none"); case("bcel_weights_none", bcel("none"),
                                    {"input": rn(3, 4) * 3, "target": torch.rand(3, 4, dtype=F64), "weight": rn(3, 1).abs(),
                                     "pos_weight": rn(4).abs() + 0.5}, True, True)
    seed("bcel_pos_sum"); case("bcel_pos_sum", bcel("sum"),
                               {"input": torch.tensor([[-60.0, 45.0, 0.0], [3.0, -2.0, 80.0]], dtype=F64),
                                "target": torch.tensor([[1.0, 0.0, 0.5], [0.0, 1.0, 1.0]], dtype=F64),
                                "pos_weight": torch.tensor([2.0, 0.5, 3.0], dtype=F64)}, True)


def kl_cases():
    def kl(red, lt=False):
        return lambda x, t: F.kl_div(x, t, reduction=red, log_target=lt)
    def logp(*s):
        return torch.log_softmax(rn(*s), dim=-1)
    def p_with_zero(*s):
        p = probs(*s)
        p[0, 1] = 0.0
        return p
    for red in ["mean", "batchmean", "sum", "none"]:
        n = f"kl_{red}"; seed(n)
        # PyTorch's target gradient at t = 0 is NaN (xlogy); ours is finite, so the
        # zero-target cases check the input gradient only.
        case(n, kl(red), {"input": logp(3, 4), "target": p_with_zero(3, 4)}, False, red == "none")
    seed("kl_target_grad"); case("kl_target_grad", kl("sum"), {"input": logp(3, 4), "target": probs(3, 4)}, True)
    seed("kl_log_target"); case("kl_log_target", kl("batchmean", True), {"input": logp(3, 4), "target": logp(3, 4)}, True)


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    for make in [cross_entropy_cases, nll_cases, regression_cases, bce_cases, kl_cases]:
        make()
    path = os.path.join(OUT_DIR, "loss.safetensors")
    write_safetensors(path, T, {"format": "pt", "torch_version": torch.__version__, "family": "loss"})
    print(f"{os.path.relpath(path)}: {len(T)} tensors, {os.path.getsize(path)} bytes (torch {torch.__version__})")


if __name__ == "__main__":
    main()
