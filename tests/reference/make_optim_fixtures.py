#!/usr/bin/env python3
"""Writes the optimizer trajectory fixtures that tests/optim/test_trajectories.cpp reads.

Regenerate (from the repository root; needs PyTorch and HuggingFace transformers):

    python3 tests/reference/make_optim_fixtures.py

A small MLP (4 -> 5 -> tanh -> 3) is trained for 20 steps on fixed inputs with the loss
mean((mlp(x) - y)^2), computed the same way on the C++ side. For every case <c> and
dtype <d> (f64, and f32 for a subset) the file holds
    <c>.<d>.step<k>.<i>    parameter i (w1, b1, w2, b2) after step k, k in STEPS
plus the shared inputs x, y and initial parameters init.<i> (float64; the float32 runs
cast them). Float64 runs use torch.set_default_dtype(float64) so that optimizer scalar
state (NAdam's mu_product, ASGD's eta and mu) is float64 too, as accmt keeps it in the
parameter's dtype. The C++ table repeats each case's hyper-parameters next to its name.
Adafactor is transformers.optimization.Adafactor.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import write_safetensors  # noqa: E402

import transformers  # noqa: E402
from transformers.optimization import Adafactor  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "optim_trajectories.safetensors")
STEPS = [1, 2, 10, 20]
O = torch.optim

# (name, class, kwargs, per-group overrides for [w1, b1] and [w2, b2] or None, also float32)
CASES = [
    ("sgd_plain", O.SGD, dict(lr=0.1), None, True),
    ("sgd_momentum_wd", O.SGD, dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01), None, True),
    ("sgd_nesterov_max", O.SGD, dict(lr=0.05, momentum=0.8, nesterov=True, maximize=True), None, False),
    ("sgd_groups", O.SGD, dict(lr=0.1, momentum=0.5), ({}, dict(lr=0.02, weight_decay=0.1)), False),
    ("adam", O.Adam, dict(lr=0.01), None, True),
    ("adam_wd_amsgrad", O.Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.05, amsgrad=True), None, True),
    ("adam_maximize", O.Adam, dict(lr=0.01, maximize=True), None, False),
    ("adam_decoupled", O.Adam, dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True), None, False),
    ("adam_groups", O.Adam, dict(lr=0.01), (dict(lr=0.03), dict(betas=(0.5, 0.9), eps=1e-6)), False),
    ("adamw", O.AdamW, dict(lr=0.01), None, True),
    ("adamw_amsgrad_groups", O.AdamW, dict(lr=0.01, amsgrad=True), ({}, dict(lr=0.02, weight_decay=0.2)), False),
    ("adamax", O.Adamax, dict(lr=0.02, weight_decay=0.01), None, True),
    ("nadam", O.NAdam, dict(lr=0.01, weight_decay=0.01), None, True),
    ("nadam_decoupled", O.NAdam, dict(lr=0.01, weight_decay=0.05, decoupled_weight_decay=True, maximize=True), None, False),
    ("radam", O.RAdam, dict(lr=0.01, weight_decay=0.01), None, True),
    ("radam_decoupled", O.RAdam, dict(lr=0.01, betas=(0.9, 0.8), weight_decay=0.05, decoupled_weight_decay=True), None, False),
    ("adagrad", O.Adagrad, dict(lr=0.05, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1), None, True),
    ("adadelta", O.Adadelta, dict(lr=1.0, rho=0.8, weight_decay=0.01), None, True),
    ("rmsprop", O.RMSprop, dict(lr=0.01), None, True),
    ("rmsprop_centered_momentum", O.RMSprop, dict(lr=0.01, alpha=0.9, centered=True, momentum=0.5, weight_decay=0.01), None, True),
    ("rmsprop_groups", O.RMSprop, dict(lr=0.01), ({}, dict(momentum=0.9, centered=True)), False),
    ("rprop", O.Rprop, dict(lr=0.01, etas=(0.4, 1.3), step_sizes=(1e-4, 0.05)), None, True),
    ("asgd", O.ASGD, dict(lr=0.05, lambd=1e-3, alpha=0.7, t0=5, weight_decay=0.01), None, True),
    ("adafactor", Adafactor, dict(), None, True),
    ("adafactor_warmup", Adafactor, dict(warmup_init=True), None, False),
    ("adafactor_manual", Adafactor, dict(lr=0.01, relative_step=False, scale_parameter=False, beta1=0.9,
                                         weight_decay=0.01, clip_threshold=0.5), None, True),
]


def mlp(params, x):
    w1, b1, w2, b2 = params
    return torch.tanh(x @ w1.t() + b1) @ w2.t() + b2


def run(cls, kwargs, groups, init, x, y, dtype):
    params = [t.to(dtype).clone().requires_grad_(True) for t in init]
    if groups is None:
        opt = cls(params, **kwargs)
    else:
        opt = cls([dict(params=params[:2], **groups[0]), dict(params=params[2:], **groups[1])], **kwargs)
    out = {}
    for k in range(1, max(STEPS) + 1):
        opt.zero_grad()
        loss = (mlp(params, x.to(dtype)) - y.to(dtype)).square().mean()
        loss.backward()
        opt.step()
        if k in STEPS:
            for i, p in enumerate(params):
                out[f"step{k}.{i}"] = p.detach().clone()
    return out


def main():
    torch.manual_seed(1234)
    x, y = torch.randn(8, 4, dtype=torch.float64), torch.randn(8, 3, dtype=torch.float64)
    init = [torch.randn(5, 4, dtype=torch.float64) * 0.5, torch.randn(5, dtype=torch.float64) * 0.1,
            torch.randn(3, 5, dtype=torch.float64) * 0.5, torch.randn(3, dtype=torch.float64) * 0.1]
    tensors = {"x": x, "y": y}
    tensors.update({f"init.{i}": t for i, t in enumerate(init)})
    for name, cls, kwargs, groups, with_f32 in CASES:
        for dtype, tag in [(torch.float64, "f64"), (torch.float32, "f32")]:
            if dtype == torch.float32 and not with_f32:
                continue
            torch.set_default_dtype(dtype)
            for key, t in run(cls, kwargs, groups, init, x, y, dtype).items():
                tensors[f"{name}.{tag}.{key}"] = t
    torch.set_default_dtype(torch.float32)
    meta = {"torch_version": torch.__version__, "transformers_version": transformers.__version__}
    write_safetensors(OUT, tensors, meta)
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes, {len(tensors)} tensors)")


if __name__ == "__main__":
    main()
