#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures of attention (tests/nn/test_attention_reference.cpp).

Regenerate from the repository root:  python3 tests/reference/make_attention_fixtures.py

Output: tests/reference/fixtures/attention.safetensors (format of make_fixtures.py), float64.
    sdpa_<c>.{q,k,v,mask}  inputs; .out output; .gout upstream gradient; .gq/.gk/.gv grads
    mha_<c>.param.<name>   the torch module's state_dict; .query/.key/.value, masks
                           (.key_padding_mask, .attn_mask); .out, .weights; .gout;
                           .gquery/.gkey/.gvalue; .grad.<name> parameter grads
    block.param.<name>     a GPT-2 block written here with HF's names and Conv1D layout
                           (weight [in, out]); .x, .out, .gout, .gx, .grad.<name>
Options are repeated next to the case name in the C++ tests. Seeds: crc32(case name).
"""
import math
import os
import sys
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT_DIR, write_safetensors  # noqa: E402

F64 = torch.float64
T = {}


def seed(name):
    torch.manual_seed(zlib.crc32(name.encode()))


def rn(*s):
    return torch.randn(*s, dtype=F64)


def sdpa_case(name, L, S, E, Ev, mask=None, **kw):
    seed(name)
    q, k, v = rn(2, 2, L, E).requires_grad_(), rn(2, 2, S, E).requires_grad_(), rn(2, 2, S, Ev).requires_grad_()
    if mask == "bool":
        m = torch.rand(L, S) < 0.7
        m[1, :] = False  # a fully masked row: zeros (safe softmax)
    elif mask == "float":
        m = rn(2, 1, L, S)
    else:
        m = None
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=m, **kw)
    gout = rn(*out.shape)
    out.backward(gout)
    T.update({f"{name}.q": q.detach(), f"{name}.k": k.detach(), f"{name}.v": v.detach(), f"{name}.out": out.detach(),
              f"{name}.gout": gout, f"{name}.gq": q.grad, f"{name}.gk": k.grad, f"{name}.gv": v.grad})
    if m is not None:
        T[f"{name}.mask"] = m


def mha_case(name, E, H, L, S, N, bias=True, batch_first=False, self_attn=False, kpm=None, am=None, average=True):
    seed(name)
    mha = nn.MultiheadAttention(E, H, bias=bias, batch_first=batch_first, dtype=F64)
    with torch.no_grad():
        for p in mha.parameters():
            p.copy_(rn(*p.shape) * 0.5)  # biases non-zero too
    shape = lambda n: ((N, n, E) if batch_first else (n, N, E)) if N else (n, E)  # noqa: E731
    query = rn(*shape(L)).requires_grad_()
    if self_attn:
        key = value = query
    else:
        key, value = rn(*shape(S)).requires_grad_(), rn(*shape(S)).requires_grad_()
    masks = {}
    if kpm == "bool":
        masks["key_padding_mask"] = torch.rand(N, S) < 0.3 if N else torch.rand(S) < 0.3
    elif kpm == "float":
        masks["key_padding_mask"] = rn(N, S)
    if am == "bool":
        masks["attn_mask"] = torch.rand(L, S) < 0.3
    elif am == "float3":
        masks["attn_mask"] = rn(N * H, L, S)
    elif am == "causal":
        masks["attn_mask"] = torch.ones(L, S, dtype=torch.bool).triu(1)
    for m in masks.values():
        if m.dtype == torch.bool and m.dim() >= 1:
            m[..., 0] = False  # keep one key visible per row
    out, weights = mha(query, key, value, need_weights=True, average_attn_weights=average, **masks)
    gout = rn(*out.shape)
    out.backward(gout)
    for k_, v_ in mha.state_dict().items():
        T[f"{name}.param.{k_}"] = v_
    for k_, p in mha.named_parameters():
        T[f"{name}.grad.{k_}"] = p.grad
    T.update({f"{name}.query": query.detach(), f"{name}.out": out.detach(), f"{name}.weights": weights.detach(),
              f"{name}.gout": gout, f"{name}.gquery": query.grad})
    if not self_attn:
        T.update({f"{name}.key": key.detach(), f"{name}.value": value.detach(), f"{name}.gkey": key.grad,
                  f"{name}.gvalue": value.grad})
    for k_, m in masks.items():
        T[f"{name}.{k_}"] = m


class Conv1D(nn.Module):
    """HF GPT-2's Conv1D: weight [in, out]."""
    def __init__(self, nx, nf):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(nx, nf, dtype=F64) * 0.3)
        self.bias = nn.Parameter(torch.randn(nf, dtype=F64) * 0.1)

    def forward(self, x):
        return x @ self.weight + self.bias


class Attn(nn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.c_attn, self.c_proj, self.H = Conv1D(C, 3 * C), Conv1D(C, C), H

    def forward(self, x):
        B, Tn, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        h = lambda t: t.view(B, Tn, self.H, C // self.H).transpose(1, 2)  # noqa: E731
        q, k, v = h(q), h(k), h(v)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.H)
        att = att.masked_fill(torch.ones(Tn, Tn, dtype=torch.bool).tril().logical_not(), float("-inf"))
        y = att.softmax(-1) @ v
        return self.c_proj(y.transpose(1, 2).reshape(B, Tn, C))


class MLP(nn.Module):
    def __init__(self, C):
        super().__init__()
        self.c_fc, self.c_proj = Conv1D(C, 4 * C), Conv1D(4 * C, C)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.ln_1 = nn.LayerNorm(C, eps=1e-5, dtype=F64)
        self.attn = Attn(C, H)
        self.ln_2 = nn.LayerNorm(C, eps=1e-5, dtype=F64)
        self.mlp = MLP(C)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


def block_case():
    seed("block")
    b = Block(8, 2)
    with torch.no_grad():
        for ln in (b.ln_1, b.ln_2):
            ln.weight.copy_(1 + 0.2 * rn(8))
            ln.bias.copy_(0.1 * rn(8))
    x = rn(2, 5, 8).requires_grad_()
    out = b(x)
    gout = rn(*out.shape)
    out.backward(gout)
    for k_, v_ in b.state_dict().items():
        T[f"block.param.{k_}"] = v_
    for k_, p in b.named_parameters():
        T[f"block.grad.{k_}"] = p.grad
    T.update({"block.x": x.detach(), "block.out": out.detach(), "block.gout": gout, "block.gx": x.grad})


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    sdpa_case("sdpa_plain", 4, 5, 4, 3)
    sdpa_case("sdpa_bool", 4, 5, 4, 3, mask="bool")
    sdpa_case("sdpa_float", 4, 5, 4, 3, mask="float")
    sdpa_case("sdpa_causal", 4, 4, 4, 3, is_causal=True)
    sdpa_case("sdpa_causal_rect", 3, 5, 4, 3, is_causal=True)
    sdpa_case("sdpa_scale", 4, 5, 4, 3, scale=0.3)
    mha_case("mha_cross", 8, 2, 4, 5, 2)
    mha_case("mha_masks_per_head", 8, 2, 4, 4, 2, batch_first=True, self_attn=True, kpm="bool", am="bool",
             average=False)
    mha_case("mha_float_masks", 8, 4, 3, 5, 2, kpm="float", am="float3")
    mha_case("mha_unbatched_causal", 8, 2, 4, 4, 0, self_attn=True, am="causal")
    mha_case("mha_nobias", 6, 3, 3, 4, 2, bias=False)
    block_case()
    path = os.path.join(OUT_DIR, "attention.safetensors")
    write_safetensors(path, T, {"format": "pt", "torch_version": torch.__version__, "family": "attention"})
    print(f"{os.path.relpath(path)}: {len(T)} tensors, {os.path.getsize(path)} bytes (torch {torch.__version__})")


if __name__ == "__main__":
    main()
