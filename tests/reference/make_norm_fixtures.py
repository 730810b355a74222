#!/usr/bin/env python3
"""Writes tests/reference/fixtures/norm.safetensors: PyTorch reference values for the
normalisation layers (tests/nn/test_normalization_reference.cpp).

Regenerate from the repository root: python3 tests/reference/make_norm_fixtures.py

For a LayerNorm / RMSNorm / GroupNorm case <c>:
    <c>.x, <c>.w, <c>.b     input, weight and bias (w/b only when the case has them)
    <c>.out                 forward output
    <c>.gout                random upstream gradient
    <c>.gx, <c>.gw, <c>.gb  gradients of x, w, b
For a BatchNorm case <c> (a module run for 3 training steps, then evaluated):
    <c>.w, <c>.b            affine parameters (random, when affine)
    <c>.x0..x2, <c>.out0..out2   training inputs and outputs
    <c>.gout, <c>.gx, <c>.gw, <c>.gb   backward of step 2's output
    <c>.running_mean, <c>.running_var, <c>.num_batches_tracked   buffers after step 2
    <c>.xe, <c>.oute        an input and the output in eval mode
The C++ test repeats each case's arguments next to its name. Inputs come from
torch.manual_seed(crc32("norm/<case>")), so files are identical on reruns.
"""
import os
import sys
import zlib

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT_DIR, write_safetensors  # noqa: E402

F64, F32 = torch.float64, torch.float32
T = {}


def seed(name):
    torch.manual_seed(zlib.crc32(f"norm/{name}".encode()))


def grads_case(name, fn, x, params):
    """Runs fn(x, *params), stores inputs, output, a random gout and all gradients."""
    x = x.clone().requires_grad_(True)
    ps = [p.clone().requires_grad_(True) if p is not None else None for p in params]
    out = fn(x, *ps)
    gout = torch.randn_like(out)
    out.backward(gout)
    T[f"{name}.x"], T[f"{name}.out"], T[f"{name}.gout"], T[f"{name}.gx"] = x, out, gout, x.grad
    for key, p in zip(["w", "b"], ps):
        if p is not None:
            T[f"{name}.{key}"], T[f"{name}.g{key}"] = p, p.grad


def layer_norm(name, shape, ns, weight=True, bias=True, dtype=F64, eps=1e-5, offset=0.0):
    seed(name)
    x = torch.randn(shape, dtype=dtype) * 1.5 + offset
    w = torch.randn(ns, dtype=dtype) if weight else None
    b = torch.randn(ns, dtype=dtype) if bias else None
    grads_case(name, lambda x, w, b: torch.nn.functional.layer_norm(x, ns, w, b, eps), x, [w, b])


def rms_norm(name, shape, ns, weight=True, dtype=F64, eps=None):
    seed(name)
    x = torch.randn(shape, dtype=dtype) * 1.5
    w = torch.randn(ns, dtype=dtype) if weight else None
    grads_case(name, lambda x, w: torch.nn.functional.rms_norm(x, ns, w, eps), x, [w])


def group_norm(name, shape, groups, affine=True, dtype=F64, eps=1e-5):
    seed(name)
    x = torch.randn(shape, dtype=dtype) * 2 + 0.5
    c = shape[1]
    w = torch.randn(c, dtype=dtype) if affine else None
    b = torch.randn(c, dtype=dtype) if affine else None
    grads_case(name, lambda x, w, b: torch.nn.functional.group_norm(x, groups, w, b, eps), x, [w, b])


def batch_norm(name, module, shape):
    seed(name)
    m = module.to(F64)
    if m.affine:
        with torch.no_grad():
            m.weight.copy_(torch.randn_like(m.weight))
            m.bias.copy_(torch.randn_like(m.bias))
        T[f"{name}.w"], T[f"{name}.b"] = m.weight.detach().clone(), m.bias.detach().clone()
    m.train()
    for step in range(3):
        x = (torch.randn(shape, dtype=F64) * (1 + step) + step).requires_grad_(True)
        out = m(x)
        T[f"{name}.x{step}"], T[f"{name}.out{step}"] = x, out
    gout = torch.randn_like(out)
    out.backward(gout)
    T[f"{name}.gout"], T[f"{name}.gx"] = gout, x.grad
    if m.affine:
        T[f"{name}.gw"], T[f"{name}.gb"] = m.weight.grad, m.bias.grad
    if m.track_running_stats:
        T[f"{name}.running_mean"], T[f"{name}.running_var"] = m.running_mean, m.running_var
        T[f"{name}.num_batches_tracked"] = m.num_batches_tracked
    m.eval()
    xe = torch.randn(shape, dtype=F64) + 0.5
    T[f"{name}.xe"], T[f"{name}.oute"] = xe, m(xe)


def main():
    nn = torch.nn
    layer_norm("ln_3d_1", (2, 3, 5), [5])
    layer_norm("ln_3d_2", (2, 3, 4), [3, 4])
    layer_norm("ln_4d_2", (2, 2, 3, 4), [3, 4])
    layer_norm("ln_noaffine", (4, 6), [6], weight=False, bias=False)
    layer_norm("ln_nobias", (2, 3, 5), [5], bias=False)
    layer_norm("ln_eps", (3, 8), [8], eps=0.1)
    layer_norm("ln_f32_offset", (3, 37), [37], dtype=F32, offset=100.0)
    rms_norm("rms_3d_1", (2, 3, 5), [5])
    rms_norm("rms_3d_2", (2, 3, 4), [3, 4], eps=1e-6)
    rms_norm("rms_noaffine", (4, 6), [6], weight=False)
    rms_norm("rms_f32", (3, 37), [37], dtype=F32)
    group_norm("gn_3d", (2, 6, 4), 3)
    group_norm("gn_4d", (2, 4, 3, 3), 2)
    group_norm("gn_instance", (3, 6, 5), 6, affine=False)
    group_norm("gn_one_group", (2, 4, 2, 2), 1, eps=1e-3)
    group_norm("gn_2d", (3, 6), 2)
    batch_norm("bn2d", nn.BatchNorm2d(3), (4, 3, 2, 2))
    batch_norm("bn1d_cma", nn.BatchNorm1d(4, momentum=None), (5, 4))
    batch_norm("bn1d_3d_noaffine", nn.BatchNorm1d(3, affine=False, momentum=0.3, eps=1e-3), (2, 3, 4))
    batch_norm("bn2d_notrack", nn.BatchNorm2d(2, track_running_stats=False), (3, 2, 2, 3))
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, "norm.safetensors")
    write_safetensors(path, T, {"format": "pt", "torch_version": torch.__version__, "family": "norm"})
    print(f"{os.path.relpath(path)}: {len(T)} tensors, {os.path.getsize(path)} bytes (torch {torch.__version__})")


if __name__ == "__main__":
    main()
