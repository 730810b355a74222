#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures that tests/reference/*.cpp compare accmt against.

Regenerate (from the repository root, with PyTorch installed from pip or the OS):

    python3 tests/reference/make_fixtures.py

Output: one safetensors file per op family under tests/reference/fixtures/. For a case
`<c>` a file holds
    <c>.in0, <c>.in1, ...      inputs (what the C++ test feeds the accmt op)
    <c>.out                    the output, or <c>.out0, <c>.out1, ... for several outputs
    <c>.gout / <c>.gout<k>     random upstream gradient of (floating) output k (grad cases)
    <c>.grad<i>                gradient of input i (grad cases; only floating inputs)
A grad case with a scalar output and no .gout means "call backward() with no argument".
Scalar arguments (dims, alpha, exponents, ...) are not stored: the C++ table repeats them
next to the same case name, and the C++ runner checks that every case in a file is tested.

The committed fixtures were generated with PyTorch 2.15.0 (CPU ops), which each file's
__metadata__ also records as "torch_version". Inputs of each case come from torch.manual_seed(crc32(family/case)), so
adding a case does not change the others, and the files are byte-identical on reruns.
Inputs are never all zeros; grad cases use float64 and keep away from kinks and ties unless
the case is about them.
"""
import json
import math
import os
import struct
import zlib

import torch
import torch.nn.functional as F

F64, F32, F16, BF16 = torch.float64, torch.float32, torch.float16, torch.bfloat16
I64, I32, U8, BOOL = torch.int64, torch.int32, torch.uint8, torch.bool
ST_DTYPE = {F64: "F64", F32: "F32", F16: "F16", BF16: "BF16", I64: "I64", I32: "I32", U8: "U8", BOOL: "BOOL"}
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def write_safetensors(path, tensors, metadata):
    """Hand-written safetensors writer: 8-byte LE header size, JSON padded to 8, raw data."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": ST_DTYPE[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


# ---- input makers (called after the per-case seed is set)
def rn(*shape, dtype=F64):
    return torch.randn(shape, dtype=dtype)


def pos(*shape, dtype=F64, lo=0.2, hi=2.5):
    return torch.rand(*shape, dtype=dtype) * (hi - lo) + lo


def uni(lo, hi, *shape, dtype=F64):
    return torch.rand(*shape, dtype=dtype) * (hi - lo) + lo


def away0(*shape, dtype=F64):
    """Values with |x| in [0.3, 2]: safe divisors and reciprocal inputs."""
    return torch.where(torch.rand(*shape) < 0.5, -1.0, 1.0).to(dtype) * pos(*shape, dtype=dtype, lo=0.3, hi=2.0)


def ri(lo, hi, *shape, dtype=I64):
    return torch.randint(lo, hi, shape, dtype=dtype)


def mask(*shape):
    m = torch.rand(*shape) < 0.5
    m.view(-1)[0] = True  # never all False
    m.view(-1)[-1] = False  # never all True
    return m


def perm_rows(rows, n, k):
    """[rows, k] int64 with distinct values in [0, n) per row (scatter needs unique targets)."""
    return torch.stack([torch.randperm(n)[:k] for _ in range(rows)])


class Family:
    def __init__(self, name):
        self.name, self.tensors, self.cases = name, {}, []

    def case(self, name, fn, make_inputs, grad=False, scalar_backward=False):
        assert "." not in name and name not in self.cases, name
        self.cases.append(name)
        torch.manual_seed(zlib.crc32(f"{self.name}/{name}".encode()))
        inputs = list(make_inputs())
        for i, x in enumerate(inputs):
            assert x.numel() == 0 or x.dtype == BOOL or bool((x != 0).any()), f"{name}: all-zero input {i}"
            self.tensors[f"{name}.in{i}"] = x.clone()
        if grad:
            leaves = [x.clone().requires_grad_(x.is_floating_point()) for x in inputs]
            assert all(x.dtype == F64 for x in leaves if x.requires_grad), f"{name}: grad cases use float64"
        else:
            leaves = inputs
        with torch.set_grad_enabled(grad):
            result = fn(*leaves)
        outs = list(result) if isinstance(result, (tuple, list)) else [result]
        single = not isinstance(result, (tuple, list))
        for k, o in enumerate(outs):
            self.tensors[f"{name}.out" if single else f"{name}.out{k}"] = o.detach().clone()
        if not grad:
            return
        wrt = [x for x in leaves if x.requires_grad]
        if scalar_backward:
            assert single and outs[0].numel() == 1
            grads = torch.autograd.grad(outs[0], wrt, allow_unused=True)
        else:
            diff = [(k, o) for k, o in enumerate(outs) if o.requires_grad]
            gouts = []
            for k, o in diff:
                g = torch.randn_like(o)
                self.tensors[f"{name}.gout" if single else f"{name}.gout{k}"] = g
                gouts.append(g)
            grads = torch.autograd.grad([o for _, o in diff], wrt, gouts, allow_unused=True)
        it = iter(grads)
        for i, x in enumerate(leaves):
            if x.requires_grad:
                g = next(it)
                self.tensors[f"{name}.grad{i}"] = torch.zeros_like(x) if g is None else g

    def save(self):
        meta = {"format": "pt", "torch_version": torch.__version__, "family": self.name,
                "cases": ",".join(self.cases), "generator": "tests/reference/make_fixtures.py"}
        path = os.path.join(OUT_DIR, f"{self.name}.safetensors")
        write_safetensors(path, self.tensors, meta)
        return path, len(self.cases)


# ------------------------------------------------------------------------------------------
def unary():
    f = Family("unary")
    # name, function, input maker (shape [3, 4]); each gets a float64 grad case and a float32 value case.
    ops = [
        ("neg", torch.neg, rn), ("abs", torch.abs, rn), ("exp", torch.exp, rn), ("expm1", torch.expm1, rn),
        ("log", torch.log, pos), ("log1p", torch.log1p, lambda *s, dtype=F64: uni(-0.9, 3, *s, dtype=dtype)),
        ("log2", torch.log2, pos), ("log10", torch.log10, pos), ("exp2", torch.exp2, rn),
        ("sqrt", torch.sqrt, pos), ("rsqrt", torch.rsqrt, pos),
        ("sin", torch.sin, rn), ("cos", torch.cos, rn), ("tan", torch.tan, lambda *s, dtype=F64: uni(-1.2, 1.2, *s, dtype=dtype)),
        ("asin", torch.asin, lambda *s, dtype=F64: uni(-0.9, 0.9, *s, dtype=dtype)),
        ("acos", torch.acos, lambda *s, dtype=F64: uni(-0.9, 0.9, *s, dtype=dtype)),
        ("atan", torch.atan, rn), ("sinh", torch.sinh, rn), ("cosh", torch.cosh, rn),
        ("tanh", torch.tanh, rn), ("sigmoid", torch.sigmoid, rn), ("relu", torch.relu, rn),
        ("gelu", F.gelu, rn), ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), rn),
        ("silu", F.silu, rn), ("softplus", F.softplus, rn),
        ("sign", torch.sign, rn), ("reciprocal", torch.reciprocal, away0), ("square", torch.square, rn),
        ("erf", torch.erf, rn),
        ("floor", torch.floor, lambda *s, dtype=F64: rn(*s, dtype=dtype) * 3),
        ("ceil", torch.ceil, lambda *s, dtype=F64: rn(*s, dtype=dtype) * 3),
        ("round", torch.round, lambda *s, dtype=F64: rn(*s, dtype=dtype) * 3),
        ("trunc", torch.trunc, lambda *s, dtype=F64: rn(*s, dtype=dtype) * 3),
        ("pow_2", lambda x: x.pow(2), rn), ("pow_3", lambda x: x.pow(3), rn),
        ("pow_2_5", lambda x: x.pow(2.5), pos), ("pow_m1_5", lambda x: x.pow(-1.5), pos),
        ("pow_0_5", lambda x: x.pow(0.5), pos),
        ("clamp", lambda x: x.clamp(-0.5, 0.5), rn), ("clamp_min", lambda x: x.clamp_min(0.2), rn),
        ("clamp_max", lambda x: x.clamp_max(-0.1), rn),
    ]
    for name, fn, mk in ops:
        f.case(name, fn, lambda mk=mk: [mk(3, 4)], grad=True)
        f.case(name + "_f32", fn, lambda mk=mk: [mk(3, 4, dtype=F32)])
    # tensor exponent and scalar base
    f.case("pow_tensor", torch.pow, lambda: [pos(3, 4), rn(4)], grad=True)
    f.case("pow_scalar_base", lambda e: torch.pow(2.0, e), lambda: [rn(3, 4)], grad=True)
    f.case("logical_not", torch.logical_not, lambda: [torch.tensor([0.0, 1.5, -2.0, 0.0, 3.0])])
    f.case("logical_not_bool", torch.logical_not, lambda: [mask(2, 3)])
    # PyTorch rounds half to even.
    f.case("round_half_even", torch.round, lambda: [torch.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 0.49999999999999994])])
    # softplus switches to the identity above threshold 20.
    f.case("softplus_wide", F.softplus, lambda: [torch.tensor([-30.0, -5.0, 0.5, 19.0, 21.0, 40.0], dtype=F64)], grad=True)
    f.case("sigmoid_wide", torch.sigmoid, lambda: [torch.tensor([-800.0, -40.0, -1.0, 2.0, 40.0, 800.0], dtype=F64)], grad=True)
    f.case("gelu_wide", lambda x: (F.gelu(x), F.gelu(x, approximate="tanh")),
           lambda: [torch.tensor([-12.0, -6.0, -0.5, 0.25, 6.0, 12.0], dtype=F64)])
    f.case("tanh_wide", torch.tanh, lambda: [torch.tensor([-30.0, -10.0, 1e-8, 10.0, 30.0], dtype=F32)])
    # inf and nan propagate like in PyTorch
    special = lambda: [torch.tensor([0.0, -1.0, math.inf, -math.inf, math.nan, 2.0])]
    f.case("log_special", torch.log, special)
    f.case("sqrt_special", torch.sqrt, special)
    f.case("exp_special", torch.exp, lambda: [torch.tensor([-math.inf, math.inf, 100.0, -200.0, math.nan, 1.0])])
    f.case("reciprocal_special", torch.reciprocal, lambda: [torch.tensor([0.0, -0.0, math.inf, 2.0])])
    f.case("sign_special", torch.sign, lambda: [torch.tensor([0.0, -3.0, math.inf, -math.inf, 2.0])])
    f.case("relu_special", torch.relu, lambda: [torch.tensor([-math.inf, -1.0, 0.0, 2.0, math.inf])])
    return f


def binary():
    f = Family("binary")
    ab = lambda: [rn(3, 1, 4), rn(2, 4)]  # broadcast to [3, 2, 4]
    ops = [
        ("add", torch.add, ab), ("add_alpha", lambda a, b: torch.add(a, b, alpha=2.5), ab),
        ("sub", torch.sub, ab), ("sub_alpha", lambda a, b: torch.sub(a, b, alpha=0.5), ab),
        ("mul", torch.mul, ab), ("div", torch.div, lambda: [rn(3, 1, 4), away0(2, 4)]),
        ("maximum", torch.maximum, ab), ("minimum", torch.minimum, ab),
        ("remainder", torch.remainder, lambda: [rn(3, 1, 4) * 3, away0(2, 4)]),
        ("atan2", torch.atan2, ab),
        ("add_same", torch.add, lambda: [rn(3, 4), rn(3, 4)]),
        ("mul_row", torch.mul, lambda: [rn(3, 4), rn(4)]),
        ("mul_outer", torch.mul, lambda: [rn(5, 1), rn(1, 6)]),
        ("mul_0d", torch.mul, lambda: [rn(3, 4), rn()]),
        ("div_0d_first", torch.div, lambda: [rn(), away0(2, 3)]),
        ("mul_noncontig", lambda a, b: a.t() * b, lambda: [rn(4, 3), rn(3, 4)]),
        ("sub_expanded", lambda a, b: a.expand(3, 4) - b, lambda: [rn(1, 4), rn(3, 4)]),
    ]
    for name, fn, mk in ops:
        f.case(name, fn, mk, grad=True)
    for name in ["add", "sub", "mul", "div", "maximum", "minimum", "remainder", "atan2"]:
        fn = dict((n, g) for n, g, _ in ops)[name]
        mk = (lambda: [rn(3, 1, 4, dtype=F32), away0(2, 4, dtype=F32)]) if name in ("div", "remainder") else \
             (lambda: [rn(3, 1, 4, dtype=F32), rn(2, 4, dtype=F32)])
        f.case(name + "_f32", fn, mk)
    # floor_divide has no derivative in PyTorch: values only
    f.case("floor_divide", torch.floor_divide, lambda: [rn(3, 4) * 4, away0(4)])
    f.case("floor_divide_f32", torch.floor_divide, lambda: [rn(3, 4, dtype=F32) * 4, away0(4, dtype=F32)])
    # Python semantics for integers: remainder takes the divisor's sign, floor_divide floors.
    ints = lambda: [torch.tensor([7, -7, 7, -7, 9, -1, 0, 5]), torch.tensor([2, 2, -2, -2, 3, 4, 3, -5])]
    f.case("remainder_int", torch.remainder, ints)
    f.case("floor_divide_int", torch.floor_divide, ints)
    f.case("remainder_neg_f64", torch.remainder, lambda: [torch.tensor([5.5, -5.5, 5.5, -5.5]), torch.tensor([2.0, 2.0, -2.0, -2.0])])
    # scalar operands (both sides)
    f.case("add_scalar", lambda x: x + 2.5, lambda: [rn(3, 4)], grad=True)
    f.case("sub_scalar", lambda x: x - 1.25, lambda: [rn(3, 4)], grad=True)
    f.case("rsub_scalar", lambda x: 3.0 - x, lambda: [rn(3, 4)], grad=True)
    f.case("mul_scalar", lambda x: x * -1.5, lambda: [rn(3, 4)], grad=True)
    f.case("div_scalar", lambda x: x / 4.0, lambda: [rn(3, 4)], grad=True)
    f.case("rdiv_scalar", lambda x: 2.0 / x, lambda: [away0(3, 4)], grad=True)
    f.case("neg_operator", lambda x: -x, lambda: [rn(3, 4)], grad=True)
    f.case("add_scalar_f32", lambda x: x + 2.5, lambda: [rn(3, 4, dtype=F32)])
    return f


def compare():
    f = Family("compare")
    small = lambda: [ri(-2, 3, 3, 4).double(), ri(-2, 3, 4).double()]  # integer-valued: ties happen
    for name, fn in [("eq", torch.eq), ("ne", torch.ne), ("lt", torch.lt), ("le", torch.le), ("gt", torch.gt), ("ge", torch.ge)]:
        f.case(name, fn, small)
    for name, fn in [("eq_scalar", lambda x: x == 1), ("ne_scalar", lambda x: x != 0), ("lt_scalar", lambda x: x < 0.5),
                     ("le_scalar", lambda x: x <= -1), ("gt_scalar", lambda x: x > 0), ("ge_scalar", lambda x: x >= 1.5)]:
        f.case(name, fn, lambda: [ri(-2, 3, 3, 4).double()])
    f.case("lt_mixed", torch.lt, lambda: [ri(-3, 3, 3, 4), rn(4, dtype=F32)])
    f.case("eq_int", torch.eq, lambda: [ri(0, 3, 3, 4, dtype=I32), ri(0, 3, 3, 4, dtype=I32)])
    f.case("gt_f32", torch.gt, lambda: [rn(2, 3, dtype=F32), rn(2, 1, dtype=F32)])
    for name, fn in [("logical_and", torch.logical_and), ("logical_or", torch.logical_or), ("logical_xor", torch.logical_xor)]:
        f.case(name, fn, lambda: [mask(3, 4), mask(4)])
        f.case(name + "_float", fn, lambda: [ri(0, 2, 3, 4).double(), ri(-1, 2, 3, 4).float()])
    f.case("where", torch.where, lambda: [mask(3, 1), rn(3, 4), rn(4)], grad=True)
    f.case("where_scalar_b", lambda c, a: torch.where(c, a, 0.5), lambda: [mask(3, 4), rn(3, 4)], grad=True)
    f.case("where_scalar_a", lambda c, b: torch.where(c, -1.0, b), lambda: [mask(3, 4), rn(3, 4)], grad=True)
    f.case("where_f32", torch.where, lambda: [mask(2, 3), rn(2, 3, dtype=F32), rn(2, 3, dtype=F32)])
    f.case("masked_fill", lambda x, m: x.masked_fill(m, -2.5), lambda: [rn(3, 4), mask(1, 4)], grad=True)
    f.case("masked_fill_same", lambda x, m: x.masked_fill(m, 7.0), lambda: [rn(3, 4), mask(3, 4)], grad=True)
    f.case("masked_fill_int", lambda x, m: x.masked_fill(m, 9), lambda: [ri(-5, 5, 3, 4), mask(3, 4)])
    return f


def reductions():
    f = Family("reductions")
    x = lambda: [rn(3, 4, 5)]
    g = dict(grad=True)
    f.case("sum_all", lambda x: x.sum(), x, **g)
    f.case("sum_d1", lambda x: x.sum(1), x, **g)
    f.case("sum_d02_keep", lambda x: x.sum((0, 2), keepdim=True), x, **g)
    f.case("sum_dm1_keep", lambda x: x.sum(-1, keepdim=True), x, **g)
    f.case("sum_d012", lambda x: x.sum((0, 1, 2)), x, **g)
    f.case("mean_all", lambda x: x.mean(), x, **g)
    f.case("mean_d1", lambda x: x.mean(1), x, **g)
    f.case("mean_d02_keep", lambda x: x.mean((0, 2), keepdim=True), x, **g)
    near1 = lambda: [pos(3, 4, lo=0.5, hi=1.5)]
    f.case("prod_all", lambda x: x.prod(), near1, **g)
    f.case("prod_d1_keep", lambda x: x.prod(1, keepdim=True), near1, **g)

    def one_zero():
        t = pos(3, 4, lo=0.5, hi=1.5)
        t[1, 2] = 0.0
        return [t]
    f.case("prod_zero", lambda x: x.prod(), one_zero, **g)
    f.case("prod_d1_zero", lambda x: x.prod(1), one_zero, **g)
    f.case("max_all", lambda x: x.max(), x, **g)
    f.case("min_all", lambda x: x.min(), x, **g)
    f.case("max_d1", lambda x: tuple(x.max(1)), x, **g)
    f.case("min_d2_keep", lambda x: tuple(x.min(2, keepdim=True)), x, **g)
    f.case("amax_d02_keep", lambda x: x.amax((0, 2), keepdim=True), x, **g)
    f.case("amin_d1", lambda x: x.amin(1), x, **g)
    ties = lambda: [torch.tensor([[1.0, 3.0, 3.0, 2.0], [0.5, -1.0, 0.5, -1.0]], dtype=F64)]
    # amax/amin and the full max()/min() share the gradient evenly among tied extremes.
    f.case("amax_ties", lambda x: x.amax(1), ties, **g)
    f.case("amin_ties", lambda x: x.amin(1), ties, **g)
    f.case("max_all_ties", lambda x: x.max(), ties, **g)
    # argmax/argmin and max(dim) return the first of tied extremes.
    f.case("argmax_ties", lambda x: x.argmax(1), ties)
    f.case("argmin_ties", lambda x: x.argmin(1), ties)
    f.case("max_d1_ties", lambda x: tuple(x.max(1)), ties)
    f.case("argmax_all", lambda x: x.argmax(), x)
    f.case("argmax_d1", lambda x: x.argmax(1), x)
    f.case("argmax_d2_keep", lambda x: x.argmax(2, keepdim=True), x)
    f.case("argmin_all", lambda x: x.argmin(), x)
    f.case("argmin_d0", lambda x: x.argmin(0), x)
    f.case("var_all", lambda x: x.var(), x, **g)
    f.case("var_all_c0", lambda x: x.var(correction=0), x, **g)
    f.case("var_d1_c0", lambda x: x.var(1, correction=0), x, **g)
    f.case("var_d02_keep", lambda x: x.var((0, 2), correction=1, keepdim=True), x, **g)
    f.case("std_all", lambda x: x.std(), x, **g)
    f.case("std_d1_c0_keep", lambda x: x.std(1, correction=0, keepdim=True), x, **g)
    f.case("std_d02", lambda x: x.std((0, 2)), x, **g)
    f.case("norm2_all", lambda x: x.norm(), x, **g)
    f.case("norm1_all", lambda x: x.norm(1), x, **g)
    f.case("norminf_all", lambda x: x.norm(math.inf), x, **g)
    f.case("norm2_d1", lambda x: x.norm(2, dim=1), x, **g)
    f.case("norm1_d02_keep", lambda x: x.norm(1, dim=(0, 2), keepdim=True), x, **g)
    f.case("norminf_d2", lambda x: x.norm(math.inf, dim=2), x, **g)
    f.case("norm3_d1", lambda x: x.norm(3, dim=1), x, **g)
    f.case("logsumexp_d1", lambda x: x.logsumexp(1), x, **g)
    f.case("logsumexp_d02_keep", lambda x: x.logsumexp((0, 2), keepdim=True), x, **g)
    f.case("logsumexp_large", lambda x: x.logsumexp(1), lambda: [rn(2, 5) + torch.tensor([[1000.0], [-1000.0]])], **g)
    f.case("any_all", lambda m: m.any(), lambda: [mask(3, 4)])
    f.case("any_d1", lambda m: m.any(1), lambda: [torch.tensor([[False, False, False], [False, True, False]])])
    f.case("all_all", lambda m: m.all(), lambda: [torch.tensor([[True, True], [True, True]])])
    f.case("all_d0_keep", lambda m: m.all(0, keepdim=True), lambda: [torch.tensor([[True, False, True], [True, True, False]])])
    f.case("any_float", lambda x: x.any(1), lambda: [torch.tensor([[0.0, 0.0], [0.0, -2.0]])])
    f.case("all_float", lambda x: x.all(), lambda: [torch.tensor([1.0, -0.5, 0.0])])
    # float32 values: longer sums test the accumulation
    f.case("sum_all_f32", lambda x: x.sum(), lambda: [rn(1000, dtype=F32)])
    f.case("sum_d0_f32", lambda x: x.sum(0), lambda: [rn(50, 7, dtype=F32)])
    f.case("mean_d1_f32", lambda x: x.mean(1), lambda: [rn(7, 50, dtype=F32)])
    f.case("var_d1_f32", lambda x: x.var(1), lambda: [rn(4, 30, dtype=F32) + 100])
    f.case("norm2_all_f32", lambda x: x.norm(), lambda: [rn(200, dtype=F32)])
    f.case("logsumexp_d1_f32", lambda x: x.logsumexp(1), lambda: [rn(3, 10, dtype=F32) * 50])
    f.case("sum_dtype_f64", lambda x: x.sum(dtype=F64), lambda: [rn(3, 4, dtype=F32)])
    # softmax family
    f.case("softmax_d1", lambda x: x.softmax(1), x, **g)
    f.case("softmax_dm1", lambda x: x.softmax(-1), x, **g)
    f.case("log_softmax_d0", lambda x: x.log_softmax(0), x, **g)
    f.case("log_softmax_dm1", lambda x: x.log_softmax(-1), x, **g)
    f.case("softmax_noncontig", lambda x: x.transpose(0, 2).softmax(1), x, **g)
    big = lambda: [rn(3, 6, dtype=F32) * 10 + torch.tensor([[1000.0], [-1000.0], [0.0]])]
    f.case("softmax_large_f32", lambda x: x.softmax(1), big)
    f.case("log_softmax_large_f32", lambda x: x.log_softmax(1), big)
    return f


def linalg():
    f = Family("linalg")
    shapes = [
        ("matmul_1d_1d", (4,), (4,)), ("matmul_1d_2d", (3,), (3, 4)), ("matmul_2d_1d", (3, 4), (4,)),
        ("matmul_2d_2d", (3, 4), (4, 5)), ("matmul_3d_2d", (2, 3, 4), (4, 5)), ("matmul_2d_3d", (3, 4), (2, 4, 5)),
        ("matmul_3d_1d", (2, 3, 4), (4,)), ("matmul_1d_3d", (4,), (2, 4, 5)),
        ("matmul_bcast", (2, 1, 3, 4), (3, 4, 5)), ("matmul_4d", (2, 3, 3, 4), (2, 3, 4, 2)),
        ("matmul_bcast_1", (1, 3, 4), (2, 4, 2)),
    ]
    for name, sa, sb in shapes:
        f.case(name, torch.matmul, lambda sa=sa, sb=sb: [rn(*sa), rn(*sb)], grad=True)
    f.case("matmul_transposed", lambda a, b: a.t() @ b.t(), lambda: [rn(4, 3), rn(5, 4)], grad=True)
    f.case("mm", torch.mm, lambda: [rn(3, 4), rn(4, 2)], grad=True)
    f.case("bmm", torch.bmm, lambda: [rn(2, 3, 4), rn(2, 4, 5)], grad=True)
    f.case("addmm", lambda c, a, b: torch.addmm(c, a, b, beta=0.5, alpha=2.0), lambda: [rn(5), rn(3, 4), rn(4, 5)], grad=True)
    f.case("addmm_full", torch.addmm, lambda: [rn(3, 5), rn(3, 4), rn(4, 5)], grad=True)
    f.case("matmul_f32", torch.matmul, lambda: [rn(17, 33, dtype=F32), rn(33, 19, dtype=F32)])
    f.case("bmm_f32", torch.bmm, lambda: [rn(3, 9, 20, dtype=F32), rn(3, 20, 6, dtype=F32)])
    f.case("matmul_f32_noncontig", lambda a, b: a.t() @ b, lambda: [rn(20, 8, dtype=F32), rn(20, 5, dtype=F32)])
    return f


def indexing():
    f = Family("indexing")
    g = dict(grad=True)
    f.case("gather_d0", lambda x, i: x.gather(0, i), lambda: [rn(3, 4), ri(0, 3, 2, 4)], **g)
    f.case("gather_d1", lambda x, i: x.gather(1, i), lambda: [rn(3, 5), ri(0, 5, 3, 4)], **g)
    f.case("gather_3d_dm1", lambda x, i: x.gather(-1, i), lambda: [rn(2, 3, 4), ri(0, 4, 2, 3, 2)], **g)
    f.case("scatter_d1", lambda x, i, s: x.scatter(1, i, s), lambda: [rn(3, 5), perm_rows(3, 5, 2), rn(3, 2)], **g)
    f.case("scatter_d0", lambda x, i, s: x.scatter(0, i, s), lambda: [rn(4, 3), perm_rows(3, 4, 2).t().contiguous(), rn(2, 3)], **g)
    f.case("scatter_value", lambda x, i: x.scatter(1, i, -1.5), lambda: [rn(3, 5), perm_rows(3, 5, 2)], **g)
    f.case("scatter_add_d0", lambda x, i, s: x.scatter_add(0, i, s), lambda: [rn(3, 4), ri(0, 3, 5, 4), rn(5, 4)], **g)
    f.case("scatter_add_d1", lambda x, i, s: x.scatter_add(1, i, s), lambda: [rn(2, 3), ri(0, 3, 2, 6), rn(2, 6)], **g)
    f.case("index_select_d0", lambda x, i: x.index_select(0, i), lambda: [rn(4, 3), torch.tensor([3, 0, 3, 1, 2])], **g)
    f.case("index_select_d1", lambda x, i: x.index_select(1, i), lambda: [rn(2, 5, 3), torch.tensor([4, 4, 0])], **g)
    f.case("index_add_d0", lambda x, i, s: x.index_add(0, i, s), lambda: [rn(4, 3), torch.tensor([1, 3, 1, 0, 1]), rn(5, 3)], **g)
    f.case("index_add_d1_alpha", lambda x, i, s: x.index_add(1, i, s, alpha=2.0),
           lambda: [rn(2, 4), torch.tensor([2, 2, 0]), rn(2, 3)], **g)
    f.case("embedding", lambda w, i: F.embedding(i, w), lambda: [rn(6, 3), torch.tensor([[0, 5, 2, 5], [1, 1, 4, 0]])], **g)
    f.case("embedding_1d", lambda w, i: F.embedding(i, w), lambda: [rn(4, 2), torch.tensor([3, 3, 0])], **g)
    f.case("one_hot", lambda i: F.one_hot(i), lambda: [torch.tensor([2, 0, 3, 1, 3])])
    f.case("one_hot_n", lambda i: F.one_hot(i, 6), lambda: [torch.tensor([[5, 0, 2], [1, 1, 4]])])
    for name, fn in [("tril_0", lambda x: x.tril()), ("tril_m1", lambda x: x.tril(-1)), ("tril_p1", lambda x: x.tril(1)),
                     ("triu_0", lambda x: x.triu()), ("triu_p2", lambda x: x.triu(2)), ("triu_m1", lambda x: x.triu(-1))]:
        f.case(name, fn, lambda: [rn(4, 5)], **g)
    f.case("tril_batched_p1", lambda x: x.tril(1), lambda: [rn(2, 3, 4)], **g)
    f.case("triu_tall_m2", lambda x: x.triu(-2), lambda: [rn(5, 3)], **g)
    f.case("triu_int", lambda x: x.triu(), lambda: [ri(1, 9, 3, 3)])
    f.case("topk_largest", lambda x: tuple(x.topk(3)), lambda: [rn(3, 6)], **g)
    f.case("topk_smallest", lambda x: tuple(x.topk(2, largest=False)), lambda: [rn(3, 6)], **g)
    f.case("topk_d0", lambda x: tuple(x.topk(2, dim=0)), lambda: [rn(4, 3)], **g)
    f.case("topk_f32", lambda x: tuple(x.topk(5)), lambda: [rn(2, 40, dtype=F32)])
    f.case("sort_asc", lambda x: tuple(x.sort()), lambda: [rn(3, 6)], **g)
    f.case("sort_desc_d0", lambda x: tuple(x.sort(dim=0, descending=True)), lambda: [rn(4, 3)], **g)
    ties = lambda: [torch.tensor([[2.0, 1.0, 2.0, 0.0, 1.0, 2.0], [5.0, 5.0, -1.0, 5.0, -1.0, 0.0]], dtype=F64)]
    f.case("sort_stable_ties", lambda x: tuple(x.sort(stable=True)), ties, **g)
    f.case("sort_stable_desc_ties", lambda x: tuple(x.sort(descending=True, stable=True)), ties, **g)
    f.case("argsort_stable_ties", lambda x: x.argsort(stable=True), ties)
    f.case("argsort_desc_stable", lambda x: x.argsort(dim=0, descending=True, stable=True), ties)
    f.case("sort_int", lambda x: tuple(x.sort(stable=True)), lambda: [ri(-5, 5, 2, 7)])
    return f


def shape():
    f = Family("shape")
    g = dict(grad=True)
    f.case("cat_d0", lambda a, b, c: torch.cat([a, b, c], 0), lambda: [rn(2, 3), rn(1, 3), rn(3, 3)], **g)
    f.case("cat_d1", lambda a, b: torch.cat([a, b], 1), lambda: [rn(2, 3), rn(2, 1)], **g)
    f.case("cat_dm1_3d", lambda a, b: torch.cat([a, b], -1), lambda: [rn(2, 3, 2), rn(2, 3, 4)], **g)
    f.case("cat_noncontig", lambda a, b: torch.cat([a.t(), b], 0), lambda: [rn(3, 2), rn(1, 3)], **g)
    f.case("stack_d0", lambda a, b, c: torch.stack([a, b, c]), lambda: [rn(2, 3), rn(2, 3), rn(2, 3)], **g)
    f.case("stack_d1", lambda a, b: torch.stack([a, b], 1), lambda: [rn(2, 3), rn(2, 3)], **g)
    f.case("stack_dm1", lambda a, b: torch.stack([a, b], -1), lambda: [rn(2, 3), rn(2, 3)], **g)
    f.case("split_2_d1", lambda x: tuple(x.split(2, 1)), lambda: [rn(3, 5)], **g)
    f.case("split_sizes", lambda x: tuple(x.split([1, 3, 1], 1)), lambda: [rn(2, 5)], **g)
    f.case("chunk_3_d0", lambda x: tuple(x.chunk(3, 0)), lambda: [rn(7, 2)], **g)
    f.case("chunk_4_d1", lambda x: tuple(x.chunk(4, 1)), lambda: [rn(2, 6)], **g)
    f.case("unbind_d1", lambda x: tuple(x.unbind(1)), lambda: [rn(2, 3)], **g)
    # views composed with math and reductions: gradients flow back through the views
    x = lambda: [rn(3, 4, 5)]
    f.case("view_permute", lambda x: x.permute(2, 0, 1).pow(2).sum(1), x, **g)
    f.case("view_transpose", lambda x: x.transpose(0, 2).exp().sum(0), x, **g)
    f.case("view_t", lambda x, w: (x.t() * w).sum(1), lambda: [rn(4, 3), rn(3, 4)], **g)
    f.case("view_mT", lambda x: x.mT.sin().mean(0), x, **g)
    f.case("view_slice_step", lambda x: x[:, 1::2, ::3].sin().sum(0), x, **g)
    f.case("view_slice_range", lambda x: x[1:3, :, 2:].square().sum((0, 2)), x, **g)
    f.case("view_select", lambda x: x.select(1, 2).square().mean(), x, **g)
    f.case("view_select_neg", lambda x: x[-1].cos().sum(-1), x, **g)
    f.case("view_narrow", lambda x: x.narrow(2, 1, 3).tanh().sum(2), x, **g)
    f.case("view_expand", lambda y, x: (y.expand(3, 4, 5) * x).sum(1), lambda: [rn(3, 1, 5), rn(3, 4, 5)], **g)
    f.case("view_expand_m1", lambda y: y.expand(-1, 4, 5).exp().sum(), lambda: [rn(3, 1, 5)], **g)
    f.case("view_expand_new_dims", lambda y: y.expand(2, 3, 4).sin(), lambda: [rn(4)], **g)
    f.case("view_squeeze_unsqueeze", lambda y: y.squeeze(1).unsqueeze(0).square().sum(1), lambda: [rn(3, 1, 5)], **g)
    f.case("view_squeeze_all", lambda y: y.squeeze().exp(), lambda: [rn(1, 3, 1, 2)], **g)
    f.case("view_flatten", lambda x, w: x.flatten(1) @ w, lambda: [rn(3, 4, 5), rn(20, 2)], **g)
    f.case("view_flatten_mid", lambda x: x.flatten(0, 1).pow(3).sum(0), x, **g)
    f.case("view_unflatten", lambda x: x.flatten().unflatten(0, (6, 10)).sin().sum(1), x, **g)
    f.case("view_view_m1", lambda x: x.view(-1, 5).square().sum(0), x, **g)
    f.case("view_reshape_copy", lambda x: x.transpose(0, 1).reshape(20, 3).exp().sum(0), x, **g)
    f.case("view_contiguous", lambda x: x.permute(1, 2, 0).contiguous().view(4, 15).sin().sum(1), x, **g)
    f.case("view_index_tensor", lambda x, i: x[:, i].square().sum(-1), lambda: [rn(3, 4, 5), torch.tensor([3, 0, 3])], **g)
    f.case("view_index_mixed", lambda x: x[1, ..., None, 1:3].exp(), x, **g)
    f.case("view_chain", lambda x: x.transpose(1, 2)[:, ::2].unsqueeze(1).flatten(2).square().sum(-1), x, **g)
    f.case("clone", lambda x: x.clone().square(), lambda: [rn(3, 4)], **g)
    # in-place ops on non-leaf tensors and on views of them
    def inplace_chain(a, b):
        y = a.clone()
        y.mul_(b)
        y.add_(2.0)
        y.exp_()
        return y

    def inplace_view(a, b):
        y = a * 1.0
        y.narrow(1, 0, 2).mul_(3.0)
        y[:, 2:].add_(b)
        return y.sin()

    def inplace_clamp_pow_sigmoid(a):
        y = a + 0.0
        y.clamp_(-0.8, 0.8)
        y.pow_(3)
        y.sigmoid_()
        return y
    f.case("inplace_chain", inplace_chain, lambda: [rn(3, 4), rn(4)], **g)
    f.case("inplace_view", inplace_view, lambda: [rn(3, 4), rn(3, 2)], **g)
    f.case("inplace_clamp_pow_sigmoid", inplace_clamp_pow_sigmoid, lambda: [rn(3, 4)], **g)
    f.case("to_f32_f64", lambda x: x.to(F32).to(F64).square(), lambda: [rn(2, 3)], **g)
    return f


def creation():
    f = Family("creation")
    f.case("arange_int", lambda: torch.arange(5), lambda: [])
    f.case("arange_start_step", lambda: torch.arange(2, 11, 3), lambda: [])
    f.case("arange_neg_step", lambda: torch.arange(5, -3, -2), lambda: [])
    f.case("arange_float", lambda: torch.arange(0.0, 1.0, 0.1), lambda: [])
    f.case("arange_f64", lambda: torch.arange(-1.0, 1.0, 0.25, dtype=F64), lambda: [])
    f.case("linspace", lambda: torch.linspace(-1.0, 1.0, 7), lambda: [])
    f.case("linspace_f64", lambda: torch.linspace(0.0, 1.0, 11, dtype=F64), lambda: [])
    f.case("linspace_1", lambda: torch.linspace(3.0, 5.0, 1), lambda: [])
    f.case("eye_3", lambda: torch.eye(3), lambda: [])
    f.case("eye_2x4", lambda: torch.eye(2, 4), lambda: [])
    f.case("full", lambda: torch.full((2, 3), 1.5), lambda: [])
    f.case("full_int", lambda: torch.full((2, 2), 7, dtype=I64), lambda: [])
    f.case("zeros_like_ones_like", lambda x: (torch.zeros_like(x), torch.ones_like(x)), lambda: [ri(1, 5, 2, 3, dtype=I32)])
    return f


def dtypes():
    f = Family("dtypes")
    # PyTorch type promotion (result dtype is part of the check)
    f.case("i64_plus_f32", torch.add, lambda: [ri(-5, 5, 3, 4), rn(3, 4, dtype=F32)])
    f.case("i32_plus_f64_0d", torch.add, lambda: [ri(-5, 5, 3, 4, dtype=I32), torch.tensor(1.5, dtype=F64)])
    f.case("f32_plus_f64_0d", torch.add, lambda: [rn(3, dtype=F32), torch.tensor(0.25, dtype=F64)])
    f.case("i32_plus_i64_0d", torch.add, lambda: [ri(-5, 5, 4, dtype=I32), torch.tensor(3)])
    f.case("i32_plus_i64", torch.add, lambda: [ri(-5, 5, 4, dtype=I32), ri(-5, 5, 4)])
    f.case("bool_plus_i64", torch.add, lambda: [mask(2, 3), ri(-3, 3, 2, 3)])
    f.case("bool_plus_f32", torch.add, lambda: [mask(2, 3), rn(2, 3, dtype=F32)])
    f.case("u8_mul_scalar", lambda x: x * 3, lambda: [torch.tensor([1, 50, 100, 200, 255], dtype=U8)])  # wraps
    f.case("u8_mul_float_scalar", lambda x: x * 2.5, lambda: [torch.tensor([1, 50, 100, 200, 255], dtype=U8)])
    f.case("u8_plus_i32", torch.add, lambda: [torch.tensor([250, 3], dtype=U8), torch.tensor([10, -4], dtype=I32)])
    f.case("i64_plus_float_scalar", lambda x: x + 2.5, lambda: [ri(-5, 5, 4)])
    f.case("i64_div_i64", torch.div, lambda: [ri(-9, 9, 5), torch.tensor([2, -3, 4, 7, -1])])
    f.case("f16_plus_f32", torch.add, lambda: [rn(4, dtype=F16), rn(4, dtype=F32)])
    f.case("bf16_plus_f16", torch.add, lambda: [rn(4, dtype=BF16), rn(4, dtype=F16)])
    f.case("bf16_plus_float_scalar", lambda x: x * 1.5, lambda: [rn(4, dtype=BF16)])
    f.case("f16_plus_i64", torch.add, lambda: [rn(4, dtype=F16), ri(-3, 3, 4)])
    f.case("cat_promote", lambda a, b: torch.cat([a, b]), lambda: [ri(-3, 3, 2), rn(3, dtype=F32)])
    f.case("where_promote", torch.where, lambda: [mask(4), ri(-3, 3, 4, dtype=I32), rn(4, dtype=F64)])
    f.case("sum_i32", lambda x: x.sum(), lambda: [ri(-100, 100, 3, 4, dtype=I32)])
    f.case("sum_bool", lambda x: x.sum(), lambda: [mask(3, 4)])
    f.case("sum_u8_d0", lambda x: x.sum(0), lambda: [ri(100, 255, 3, 2, dtype=U8)])
    f.case("prod_i64", lambda x: x.prod(), lambda: [torch.tensor([3, -2, 5, 7, -1])])
    # integer and 16-bit values
    f.case("int_arith", lambda a, b: (a * b + a - b, -a, a.abs()), lambda: [ri(-50, 50, 3, 4), ri(-50, 50, 4)])
    f.case("int32_arith", lambda a, b: (a * b, a - b, a.maximum(b)), lambda: [ri(-50, 50, 3, 4, dtype=I32), ri(-50, 50, 3, 4, dtype=I32)])
    f.case("int_max_argmax", lambda x: (x.max(), x.argmax(1), x.amin(0)), lambda: [ri(-100, 100, 3, 5)])
    f.case("int_sort", lambda x: tuple(x.sort(stable=True)), lambda: [ri(-9, 9, 2, 6, dtype=I32)])
    for name, dt in [("f16", F16), ("bf16", BF16)]:
        f.case(f"add_{name}", torch.add, lambda dt=dt: [rn(3, 4, dtype=dt), rn(4, dtype=dt)])
        f.case(f"mul_{name}", torch.mul, lambda dt=dt: [rn(3, 4, dtype=dt), rn(3, 4, dtype=dt)])
        f.case(f"div_{name}", torch.div, lambda dt=dt: [rn(3, 4, dtype=dt), away0(3, 4, dtype=dt)])
        f.case(f"exp_{name}", torch.exp, lambda dt=dt: [rn(3, 4, dtype=dt)])
        f.case(f"tanh_{name}", torch.tanh, lambda dt=dt: [rn(3, 4, dtype=dt)])
        f.case(f"sigmoid_{name}", torch.sigmoid, lambda dt=dt: [rn(3, 4, dtype=dt)])
        f.case(f"gelu_{name}", F.gelu, lambda dt=dt: [rn(3, 4, dtype=dt)])
        f.case(f"sum_{name}", lambda x: x.sum(1), lambda dt=dt: [rn(3, 64, dtype=dt)])
        f.case(f"mean_{name}", lambda x: x.mean(), lambda dt=dt: [rn(3, 16, dtype=dt)])
        f.case(f"max_{name}", lambda x: x.amax(0), lambda dt=dt: [rn(5, 4, dtype=dt)])
        f.case(f"softmax_{name}", lambda x: x.softmax(-1), lambda dt=dt: [rn(3, 8, dtype=dt)])
        f.case(f"matmul_{name}", torch.matmul, lambda dt=dt: [rn(4, 16, dtype=dt), rn(16, 3, dtype=dt)])
    # conversions (exact): rounding to nearest even in 16-bit, truncation toward zero to ints
    f.case("to_f16", lambda x: x.to(F16), lambda: [torch.tensor([1.0, 1.00048828125, 1.0009765625 + 2 ** -11, 65519.0, 65520.0, 1e-7, -3.3, 6e-5], dtype=F32)])
    f.case("to_bf16", lambda x: x.to(BF16), lambda: [torch.tensor([1.0, 1.00390625, 1.01171875, 3.0e38, -7.7, 1e-40, 123456.0], dtype=F32)])
    f.case("to_i64", lambda x: x.to(I64), lambda: [torch.tensor([-2.7, -0.5, 0.5, 2.7, 100.99])])
    f.case("to_i32_from_f64", lambda x: x.to(I32), lambda: [torch.tensor([-3.9, 3.9, 1e6 + 0.5], dtype=F64)])
    f.case("to_bool", lambda x: x.to(BOOL), lambda: [torch.tensor([0.0, -0.0, 1e-30, -2.0, math.nan])])
    f.case("to_f32_from_i64", lambda x: x.to(F32), lambda: [torch.tensor([-(2 ** 40) - 1, 3, 2 ** 24 + 1])])
    f.case("to_u8_from_i64", lambda x: x.to(U8), lambda: [torch.tensor([0, 255, 256, 300])])
    f.case("bool_to_f32", lambda x: x.to(F32), lambda: [mask(5)])
    return f


def mlp():
    f = Family("mlp")

    def net(x, w1, b1, w2, b2, y):
        h = torch.relu(x @ w1.t() + b1)
        logits = torch.addmm(b2, torch.tanh(h), w2.t())
        return -(logits.log_softmax(1).gather(1, y.unsqueeze(1))).mean()
    f.case("mlp_nll", net, lambda: [rn(8, 4), rn(16, 4) * 0.5, rn(16) * 0.1, rn(3, 16) * 0.3, rn(3) * 0.1, ri(0, 3, 8)],
           grad=True, scalar_backward=True)

    def mse(x, w1, b1, w2, b2, t):
        h = F.gelu(x @ w1.t() + b1)
        return ((h @ w2.t() + b2 - t) ** 2).mean()
    f.case("mlp_mse", mse, lambda: [rn(6, 3), rn(8, 3) * 0.5, rn(8) * 0.1, rn(2, 8) * 0.3, rn(2) * 0.1, rn(6, 2)],
           grad=True, scalar_backward=True)
    return f


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    torch.set_default_dtype(torch.float32)
    total_cases, total_bytes = 0, 0
    for make in [unary, binary, compare, reductions, linalg, indexing, shape, creation, dtypes, mlp]:
        path, n = make().save()
        size = os.path.getsize(path)
        total_cases, total_bytes = total_cases + n, total_bytes + size
        print(f"{os.path.relpath(path)}: {n} cases, {size} bytes")
    print(f"total: {total_cases} cases, {total_bytes} bytes (torch {torch.__version__})")


if __name__ == "__main__":
    main()
