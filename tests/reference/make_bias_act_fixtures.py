#!/usr/bin/env python3
"""Writes tests/reference/fixtures/bias_act.safetensors: PyTorch reference values for the
fused bias + activation (tests/nn/test_bias_act_reference.cpp), computed the unfused way
PyTorch users write it: act(x + b).

Regenerate from the repository root: python3 tests/reference/make_bias_act_fixtures.py
(the committed file was made with Debian's python3-torch 1.13.1; the file's __metadata__
records the version).

For a case <c>:
    <c>.x, <c>.b     input [..., N] and bias [N]
    <c>.out          act(x + b)
    <c>.gout         random upstream gradient
    <c>.gx, <c>.gb   gradients of x and b
The C++ test repeats each case's activation next to its name. Inputs come from
torch.manual_seed(crc32("bias_act/<case>")), so files are identical on reruns.
"""
import os
import sys
import zlib

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT_DIR, write_safetensors  # noqa: E402

F64, F32, BF16, F16 = torch.float64, torch.float32, torch.bfloat16, torch.float16
ACTS = {
    "gelu": lambda t: F.gelu(t),
    "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"),
    "silu": F.silu,
    "relu": F.relu,
}
T = {}


def case(name, act, shape, dtype=F64):
    torch.manual_seed(zlib.crc32(f"bias_act/{name}".encode()))
    x = (torch.randn(shape, dtype=F64) * 2).to(dtype).requires_grad_(True)
    b = torch.randn(shape[-1], dtype=F64).to(dtype).requires_grad_(True)
    out = ACTS[act](x + b)
    gout = torch.randn(shape, dtype=F64).to(dtype)
    out.backward(gout)
    T[f"{name}.x"], T[f"{name}.b"], T[f"{name}.out"] = x, b, out
    T[f"{name}.gout"], T[f"{name}.gx"], T[f"{name}.gb"] = gout, x.grad, b.grad


def main():
    for act in ACTS:
        case(f"{act}_f64_2d", act, (3, 7))
        case(f"{act}_f64_3d", act, (2, 3, 5))
        case(f"{act}_f32", act, (4, 37), F32)
        case(f"{act}_bf16", act, (5, 16), BF16)
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, "bias_act.safetensors")
    write_safetensors(path, T, {"format": "pt", "torch_version": torch.__version__, "family": "bias_act"})
    print(f"{os.path.relpath(path)}: {len(T)} tensors, {os.path.getsize(path)} bytes (torch {torch.__version__})")


if __name__ == "__main__":
    main()
