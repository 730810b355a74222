#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures for accmt's nn core (tests/nn/*.cpp): Linear,
Embedding, the activation functions and a small nested model built from containers.

Regenerate (from the repository root, with PyTorch installed):

    python3 tests/reference/make_nncore_fixtures.py

Output: tests/reference/fixtures/nncore_layers.safetensors and nncore_model.safetensors.
Layer cases (float64 unless the name ends in _f32) store for a case <c>:
    <c>.x / <c>.idx      input (floating, or int64 indices)
    <c>.weight, <c>.bias the layer's parameters (loaded into the accmt layer)
    <c>.out              output
    <c>.gout             random upstream gradient
    <c>.gx, <c>.gweight, <c>.gbias   input and parameter gradients for <c>.gout
Activations share act.x / act.gout and store act.<name>.out and act.<name>.gx.
The model file holds the state_dict of `Net` below as sd.<key> (float64), its input,
output, upstream gradient and parameter gradients as grad.<key>; its __metadata__ holds
print(model) as "repr", the state_dict key order as "state_dict_keys", the named_parameters
order as "parameter_names", and "num_parameters".
Each case seeds torch with crc32 of its name, so the files are byte-identical on reruns.
"""
import os
import sys
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT_DIR, write_safetensors  # noqa: E402

F64 = torch.float64


def seed(name):
    torch.manual_seed(zlib.crc32(name.encode()))


def grads(out, inputs):
    gout = torch.randn_like(out)
    return gout, torch.autograd.grad(out, inputs, gout)


def layers():
    t = {}

    def linear_case(name, x_shape, in_f, out_f, bias, dtype=F64):
        seed(name)
        layer = nn.Linear(in_f, out_f, bias=bias, dtype=dtype)
        x = torch.randn(*x_shape, dtype=dtype, requires_grad=True)
        out = layer(x)
        params = [x, layer.weight] + ([layer.bias] if bias else [])
        gout, g = grads(out, params)
        t.update({f"{name}.x": x, f"{name}.weight": layer.weight, f"{name}.out": out, f"{name}.gout": gout,
                  f"{name}.gx": g[0], f"{name}.gweight": g[1]})
        if bias:
            t.update({f"{name}.bias": layer.bias, f"{name}.gbias": g[2]})

    linear_case("linear", (2, 3, 5), 5, 3, True)
    linear_case("linear_2d_nobias", (4, 5), 5, 3, False)
    linear_case("linear_1d", (5,), 5, 3, True)
    linear_case("linear_f32", (6, 16), 16, 8, True, torch.float32)

    seed("embedding")
    emb = nn.Embedding(7, 4, padding_idx=-5, dtype=F64)  # normalised to 2
    idx = torch.tensor([[2, 0, 6, 2, 1], [3, 2, 5, 4, 0], [6, 6, 1, 2, 3]])
    out = emb(idx)
    gout, (gw,) = grads(out, [emb.weight])
    t.update({"embedding.weight": emb.weight, "embedding.idx": idx, "embedding.out": out, "embedding.gout": gout,
              "embedding.gweight": gw})

    seed("act")
    x = torch.randn(4, 6, dtype=F64)
    x[0, 0] = 0.0  # the tie: relu and leaky_relu take their x <= 0 branch's gradient
    gout = torch.randn(4, 6, dtype=F64)
    t.update({"act.x": x, "act.gout": gout})
    acts = {
        "relu": F.relu, "gelu": F.gelu, "gelu_tanh": lambda v: F.gelu(v, approximate="tanh"), "silu": F.silu,
        "tanh": torch.tanh, "sigmoid": torch.sigmoid, "leaky_relu": lambda v: F.leaky_relu(v, 0.2),
        "leaky_relu_default": F.leaky_relu, "softmax_d1": lambda v: F.softmax(v, 1),
        "softmax_d0": lambda v: F.softmax(v, 0), "log_softmax_d1": lambda v: F.log_softmax(v, 1),
        "log_softmax_dm2": lambda v: F.log_softmax(v, -2),
    }
    for name, fn in acts.items():
        xi = x.clone().requires_grad_(True)
        out = fn(xi)
        (gx,) = torch.autograd.grad(out, [xi], gout)
        t.update({f"act.{name}.out": out, f"act.{name}.gx": gx})
    return t, {}


class Net(nn.Module):
    """Mirrored by the C++ Net in tests/nn/test_model_reference.cpp."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 4, padding_idx=0)
        self.layers = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(0.1), nn.Linear(8, 8, bias=False), nn.GELU("tanh"),
                                    nn.Dropout(0.25))
        self.blocks = nn.ModuleList([nn.Linear(8, 8), nn.Linear(8, 8), nn.SiLU(), nn.Identity()])
        self.heads = nn.ModuleDict({"cls": nn.Linear(8, 3), "act": nn.Softmax(dim=-1)})
        self.flat = nn.Flatten()
        self.register_buffer("scale", torch.linspace(0.5, 2.0, 15))

    def forward(self, idx):
        h = self.layers(self.embed(idx))
        for block in self.blocks:
            h = block(h)
        return self.flat(self.heads["act"](self.heads["cls"](h))) * self.scale


def model():
    seed("model")
    net = Net().double().eval()
    idx = torch.tensor([[1, 4, 0, 9, 3], [0, 2, 2, 7, 8]])
    out = net(idx)
    names = [n for n, _ in net.named_parameters()]
    gout, g = grads(out, [p for _, p in net.named_parameters()])
    t = {"idx": idx, "out": out, "gout": gout}
    for key, value in net.state_dict().items():
        t[f"sd.{key}"] = value
    for name, gi in zip(names, g):
        t[f"grad.{name}"] = gi
    meta = {"repr": repr(net), "state_dict_keys": ",".join(net.state_dict().keys()),
            "parameter_names": ",".join(names), "num_parameters": str(sum(p.numel() for p in net.parameters()))}
    return t, meta


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.set_default_dtype(torch.float32)
    total = 0
    for name, make in [("nncore_layers", layers), ("nncore_model", model)]:
        tensors, extra = make()
        meta = {"format": "pt", "torch_version": torch.__version__,
                "generator": "tests/reference/make_nncore_fixtures.py", **extra}
        path = os.path.join(OUT_DIR, f"{name}.safetensors")
        write_safetensors(path, {k: v.detach() for k, v in tensors.items()}, meta)
        size = os.path.getsize(path)
        total += size
        print(f"{os.path.relpath(path)}: {len(tensors)} tensors, {size} bytes")
    print(f"total: {total} bytes (torch {torch.__version__})")


if __name__ == "__main__":
    main()
