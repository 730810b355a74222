"""Reads safetensors files accmt wrote (a single file, or a sharded model folder with its
index) with the real `safetensors` and `torch` packages, and writes back, with
safetensors.torch.save_file, every tensor plus a derived one (floats and ints doubled,
bools negated) so the C++ side can check that PyTorch read the values, not just bytes.

usage: check_safetensors_interop.py IN (file or folder) OUT_FILE
Exit 3 when torch or safetensors is missing (the caller decides whether that is a skip).
"""
import json
import os
import sys

try:
    import torch
    from safetensors.torch import load_file, save_file
except Exception as e:  # the test decides whether a missing package is fatal
    print("missing python packages:", e)
    sys.exit(3)


def load(path):
    if os.path.isdir(path):
        index = os.path.join(path, "model.safetensors.index.json")
        if not os.path.exists(index):
            return load_file(os.path.join(path, "model.safetensors"))
        with open(index) as f:
            weight_map = json.load(f)["weight_map"]
        tensors = {}
        for shard in sorted(set(weight_map.values())):
            for name, t in load_file(os.path.join(path, shard)).items():
                assert weight_map[name] == shard, (name, shard)
                tensors[name] = t
        assert set(tensors) == set(weight_map), "index and shards disagree"
        return tensors
    return load_file(path)


def derived(t):
    if t.dtype == torch.bool:
        return ~t
    return t * 2


tensors = load(sys.argv[1])
out = {}
for name, t in tensors.items():
    out[name] = t.contiguous()
    out[name + ".derived"] = derived(t).contiguous()
save_file(out, sys.argv[2], metadata={"format": "pt", "writer": "torch " + torch.__version__})
print("read %d tensors with torch %s" % (len(tensors), torch.__version__))
