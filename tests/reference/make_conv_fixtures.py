#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures for convolution and pooling
(tests/nn/test_conv_reference.cpp and tests/nn/test_pool_reference.cpp (conv_pool2d) read them).

Regenerate from the repository root:

    python3 tests/reference/make_conv_fixtures.py

Same format and seeding as make_fixtures.py (whose writer and Family it reuses): for case
<c>, <c>.in0.. are the inputs (input, weight, bias), <c>.out / <c>.out0.. the outputs,
<c>.gout the upstream gradient and <c>.grad<i> the input gradients. The layer arguments
(stride, padding, ...) are not stored: the C++ tables repeat them next to the case names.
Grad cases run in float64; a few float32 cases check the float path.
"""
import os
import warnings
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402

F64, F32 = torch.float64, torch.float32


class ConvFamily(mf.Family):
    def save(self):
        meta = {"format": "pt", "torch_version": torch.__version__, "family": self.name,
                "cases": ",".join(self.cases), "generator": "tests/reference/make_conv_fixtures.py"}
        path = os.path.join(mf.OUT_DIR, f"{self.name}.safetensors")
        mf.write_safetensors(path, self.tensors, meta)
        return path, len(self.cases)


def rn(*shape, dtype=F64):
    return torch.randn(shape, dtype=dtype)


def conv2d_cases():
    f = ConvFamily("conv2d")

    def c(name, x, w, bias, dtype=F64, **kw):
        def make():
            ins = [rn(*x, dtype=dtype), rn(*w, dtype=dtype)]
            if bias:
                ins.append(rn(w[0], dtype=dtype))
            return ins
        f.case(name, lambda *t: F.conv2d(*t, **kw), make, grad=dtype == F64)

    c("basic", [1, 3, 6, 5], [4, 3, 3, 3], True)
    c("stride2_pad1", [1, 3, 7, 6], [4, 3, 3, 3], True, stride=2, padding=1)
    c("rect", [1, 2, 8, 9], [3, 2, 3, 2], True, stride=(2, 1), padding=(1, 0), dilation=(1, 2))
    c("dilation2", [1, 2, 7, 7], [2, 2, 3, 3], True, dilation=2, padding=2)
    c("groups2", [1, 4, 5, 5], [6, 2, 3, 3], True, groups=2, padding=1)
    c("depthwise", [2, 4, 5, 5], [4, 1, 3, 3], True, groups=4, stride=2, padding=1)
    c("same_even", [1, 2, 6, 7], [3, 2, 4, 2], True, padding="same", dilation=(1, 2))
    c("same_odd", [1, 3, 5, 5], [2, 3, 3, 3], True, padding="same")
    c("valid_nobias", [1, 2, 5, 6], [2, 2, 2, 3], False, padding="valid")
    c("pointwise_nobias", [2, 3, 4, 5], [6, 3, 1, 1], False)
    c("pointwise_stride2", [1, 2, 5, 5], [3, 2, 1, 1], True, stride=2)
    c("stride_gt_kernel", [1, 2, 10, 10], [2, 2, 2, 2], True, stride=3)
    c("unbatched", [3, 6, 6], [2, 3, 3, 3], True, padding=1)
    c("f32", [2, 3, 6, 6], [4, 3, 3, 3], True, dtype=F32, padding=1)
    return f


def conv1d_cases():
    f = ConvFamily("conv1d")

    def c(name, x, w, bias, **kw):
        def make():
            ins = [rn(*x), rn(*w)]
            if bias:
                ins.append(rn(w[0]))
            return ins
        f.case(name, lambda *t: F.conv1d(*t, **kw), make, grad=True)

    c("stride2_pad1", [2, 3, 10], [4, 3, 3], True, stride=2, padding=1)
    c("groups_dilation", [2, 4, 11], [4, 2, 3], False, groups=2, dilation=2)
    c("same_even", [1, 2, 9], [3, 2, 4], True, padding="same")
    return f


def conv_transpose2d_cases():
    f = ConvFamily("conv_transpose2d")

    def c(name, x, w, bias, **kw):
        def make():
            ins = [rn(*x), rn(*w)]
            if bias:
                ins.append(rn(w[1] * kw.get("groups", 1)))
            return ins
        f.case(name, lambda *t: F.conv_transpose2d(*t, **kw), make, grad=True)

    c("stride2_outpad", [2, 3, 4, 4], [3, 2, 3, 3], True, stride=2, padding=1, output_padding=1)
    c("groups_rect", [1, 4, 3, 5], [4, 3, 2, 3], True, groups=2, stride=(2, 1), padding=(0, 1), dilation=(1, 2))
    c("nobias", [2, 2, 3, 3], [2, 3, 3, 3], False)
    c("outpad_dilation", [1, 2, 4, 4], [2, 2, 3, 3], True, dilation=2, output_padding=1)
    return f


def pool_cases():
    f = ConvFamily("conv_pool2d")

    def mx(name, x, k, **kw):
        f.case("max_" + name, lambda t: F.max_pool2d(t, k, return_indices=True, **kw), lambda: [rn(*x)], grad=True)

    mx("k2", [1, 3, 6, 6], 2)
    mx("k3s2p1", [1, 2, 9, 7], 3, stride=2, padding=1)
    mx("ceil", [1, 2, 7, 7], 2, stride=2, ceil_mode=True)
    mx("ceil_pad", [1, 1, 8, 8], 3, stride=2, padding=1, ceil_mode=True)
    mx("dilation", [1, 2, 9, 9], (3, 2), stride=(1, 2), dilation=2)
    mx("rect", [1, 2, 6, 7], (2, 3), stride=(1, 2), padding=(1, 1))

    def av(name, x, k, **kw):
        f.case("avg_" + name, lambda t: F.avg_pool2d(t, k, **kw), lambda: [rn(*x)], grad=True)

    av("k2", [1, 3, 6, 6], 2)
    av("k3s2p1", [1, 2, 9, 7], 3, stride=2, padding=1)
    av("k3s2p1_nopad", [1, 2, 9, 7], 3, stride=2, padding=1, count_include_pad=False)
    av("ceil_nopad", [1, 2, 7, 7], 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
    av("ceil_pad", [1, 2, 6, 6], 3, stride=2, padding=1, ceil_mode=True)
    av("divisor", [1, 2, 7, 6], 3, stride=2, padding=1, divisor_override=5)
    av("rect", [1, 2, 6, 7], (2, 3), stride=(1, 2), padding=(1, 1))

    def ad(name, x, size):
        f.case("adaptive_" + name, lambda t: F.adaptive_avg_pool2d(t, size), lambda: [rn(*x)], grad=True)

    ad("7to3", [1, 2, 7, 7], 3)
    ad("10x9to4x5", [1, 2, 10, 9], (4, 5))
    ad("5to7", [1, 1, 5, 5], 7)
    ad("6to1", [1, 3, 6, 6], 1)
    ad("8to4", [1, 2, 8, 8], 4)
    return f


def main():
    warnings.filterwarnings("ignore", message="Using padding='same'")
    os.makedirs(mf.OUT_DIR, exist_ok=True)
    torch.set_default_dtype(torch.float32)
    total = 0
    for make in [conv2d_cases, conv1d_cases, conv_transpose2d_cases, pool_cases]:
        path, n = make().save()
        size = os.path.getsize(path)
        total += size
        print(f"{os.path.relpath(path)}: {n} cases, {size} bytes")
    print(f"total: {total} bytes (torch {torch.__version__})")


if __name__ == "__main__":
    main()
