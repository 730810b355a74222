#!/usr/bin/env python3
"""Writes the LR-scheduler reference curves that tests/optim/test_sched_*.cpp compare against.

Regenerate (from the repository root, with PyTorch and HuggingFace transformers from pip):

    python3 tests/reference/make_sched_fixtures.py

Output: tests/reference/fixtures/sched.safetensors. For a case `<c>`:
    <c>.lr        float64 [steps + 1, 2]: row 0 is get_last_lr() right after construction,
                  row i is get_last_lr() after the i-th scheduler.step()
    <c>.momentum  float64 [steps + 1, 2]: the groups' momentum (or beta1) alongside, for the
                  cycling schedulers
Every case uses two parameter groups with different learning rates (0.1 and 0.02) and an
optimizer whose default lr (0.05) differs from both. The HuggingFace cases call the real
transformers schedule functions. The C++ tests repeat each case's arguments next to its name.
"""
import json
import os
import struct

import torch
import transformers
from torch.optim import SGD, Adam, Adagrad
from torch.optim import lr_scheduler as S
from transformers import optimization as H

STEPS = 120
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "sched.safetensors")


def write_safetensors(path, tensors, metadata):
    """8-byte LE header size, JSON padded to 8 with spaces, raw little-endian data."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def groups():
    return [{"params": [torch.zeros(2, requires_grad=True)], "lr": 0.1},
            {"params": [torch.zeros(3, requires_grad=True)], "lr": 0.02}]


def sgd():
    return SGD(groups(), lr=0.05, momentum=0.9)


def adam():
    return Adam(groups(), lr=0.05, betas=(0.9, 0.999))


def adagrad():
    return Adagrad(groups(), lr=0.05)


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum", 0.0) for g in opt.param_groups]


def run(make_opt, make_sched, momentum=False, steps=STEPS):
    opt = make_opt()
    sched = make_sched(opt)
    lrs, moms = [list(sched.get_last_lr())], [momenta(opt)]
    for _ in range(steps):
        opt.step()
        sched.step()
        lrs.append(list(sched.get_last_lr()))
        moms.append(momenta(opt))
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
    out = {"lr": torch.tensor(lrs, dtype=torch.float64)}
    if momentum:
        out["momentum"] = torch.tensor(moms, dtype=torch.float64)
    return out


CASES = {
    # PyTorch
    "step": (sgd, lambda o: S.StepLR(o, step_size=7, gamma=0.5)),
    "linear": (sgd, lambda o: S.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=40)),
    "linear_default": (sgd, lambda o: S.LinearLR(o)),
    "exponential": (sgd, lambda o: S.ExponentialLR(o, gamma=0.97)),
    "cosine": (sgd, lambda o: S.CosineAnnealingLR(o, T_max=30, eta_min=0.001)),
    "warm_restarts": (sgd, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2, eta_min=0.001)),
    "warm_restarts_t1": (sgd, lambda o: S.CosineAnnealingWarmRestarts(o, T_0=7)),
    "lambda": (sgd, lambda o: S.LambdaLR(o, lambda e: 0.97**e)),
    "lambda_groups": (sgd, lambda o: S.LambdaLR(o, [lambda e: 1.0 / (e + 1), lambda e: 1.0 + 0.01 * e])),
    "cyclic_triangular": (sgd, lambda o: S.CyclicLR(o, base_lr=[0.01, 0.002], max_lr=[0.1, 0.05], step_size_up=10,
                                                   step_size_down=15), True),
    "cyclic_triangular2": (adam, lambda o: S.CyclicLR(o, base_lr=0.001, max_lr=[0.1, 0.04], step_size_up=8,
                                                     mode="triangular2", base_momentum=0.85, max_momentum=0.95), True),
    "cyclic_exp_range": (sgd, lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=12, mode="exp_range",
                                                   gamma=0.98), True),
    "cyclic_no_momentum": (adagrad, lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=9,
                                                         cycle_momentum=False), True),
    "onecycle_cos": (sgd, lambda o: S.OneCycleLR(o, max_lr=[0.1, 0.04], total_steps=STEPS), True),
    "onecycle_linear3": (adam, lambda o: S.OneCycleLR(o, max_lr=0.2, epochs=10, steps_per_epoch=12, pct_start=0.25,
                                                      anneal_strategy="linear", three_phase=True, div_factor=10.0,
                                                      final_div_factor=100.0, base_momentum=[0.8, 0.82],
                                                      max_momentum=0.9), True),
    "onecycle_cos3": (sgd, lambda o: S.OneCycleLR(o, max_lr=[0.1, 0.3], total_steps=STEPS, three_phase=True,
                                                  pct_start=0.4), True),
    # Chaining
    "chained": (sgd, lambda o: S.ChainedScheduler([S.LinearLR(o, start_factor=0.5, total_iters=10),
                                                  S.ExponentialLR(o, gamma=0.97)])),
    "chained_cosine_step": (sgd, lambda o: S.ChainedScheduler([S.CosineAnnealingLR(o, T_max=25),
                                                              S.StepLR(o, step_size=30, gamma=0.5)])),
    "sequential": (sgd, lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=10),
                                                    S.CosineAnnealingLR(o, T_max=90, eta_min=0.0005)],
                                                 milestones=[10])),
    "sequential3": (sgd, lambda o: S.SequentialLR(o, [S.ExponentialLR(o, gamma=0.9), S.LambdaLR(o, lambda e: 1.0 / (e + 1)),
                                                     S.StepLR(o, step_size=5, gamma=0.8)], milestones=[20, 60])),
    "sequential_restarts": (sgd, lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.5, total_iters=5),
                                                             S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2)],
                                                          milestones=[5])),
    # HuggingFace transformers
    "hf_constant": (sgd, lambda o: H.get_constant_schedule(o)),
    "hf_constant_warmup": (sgd, lambda o: H.get_constant_schedule_with_warmup(o, num_warmup_steps=10)),
    "hf_linear_warmup": (sgd, lambda o: H.get_linear_schedule_with_warmup(o, 10, 100)),
    "hf_cosine_warmup": (sgd, lambda o: H.get_cosine_schedule_with_warmup(o, 10, 100)),
    "hf_cosine_warmup_1_5": (sgd, lambda o: H.get_cosine_schedule_with_warmup(o, 10, 100, num_cycles=1.5)),
    "hf_hard_restarts": (sgd, lambda o: H.get_cosine_with_hard_restarts_schedule_with_warmup(o, 10, 100, num_cycles=3)),
    "hf_polynomial": (sgd, lambda o: H.get_polynomial_decay_schedule_with_warmup(o, 10, 100, lr_end=1e-4, power=2.0)),
    "hf_polynomial_default": (sgd, lambda o: H.get_polynomial_decay_schedule_with_warmup(o, 5, 110)),
    "hf_inverse_sqrt": (sgd, lambda o: H.get_inverse_sqrt_schedule(o, num_warmup_steps=10)),
    "hf_inverse_sqrt_timescale": (sgd, lambda o: H.get_inverse_sqrt_schedule(o, num_warmup_steps=10, timescale=25)),
    "hf_inverse_sqrt_nowarmup": (sgd, lambda o: H.get_inverse_sqrt_schedule(o, num_warmup_steps=0)),
}


def main():
    tensors = {}
    for name, spec in CASES.items():
        make_opt, make_sched = spec[0], spec[1]
        momentum = len(spec) > 2 and spec[2]
        for key, value in run(make_opt, make_sched, momentum).items():
            tensors[f"{name}.{key}"] = value
    meta = {"format": "pt", "torch_version": torch.__version__.split("+")[0],
            "transformers_version": transformers.__version__, "steps": str(STEPS)}
    write_safetensors(OUT, tensors, meta)
    print(f"wrote {len(tensors)} tensors to {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
