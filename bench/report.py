#!/usr/bin/env python3
"""Merges the JSON of accmt_bench_cpu (accmt-N.json) and peer_torch.py (peer-N.json)
from bench/run_cpu.sh's output folder into one Markdown table.

usage: report.py OUT_DIR
Each side's figure is its best round (highest throughput, lowest ms). The ratio column
is a speed ratio (>1: accmt faster): throughput accmt/peer, or time peer/accmt for ms
cases. The peer is PyTorch; GEMM rows also give the ratio against NumPy/OpenBLAS.
"""
import glob
import json
import os
import sys


def best_by_case(runs):
    """case -> the best result over runs (errors only where no run succeeded)."""
    best = {}
    for results in runs:
        for r in results:
            old = best.get(r["case"])
            if r.get("value") is None:
                best.setdefault(r["case"], r)
                continue
            better = old is None or old.get("value") is None or (
                r["value"] < old["value"] if r["metric"] == "ms" else r["value"] > old["value"])
            if better:
                best[r["case"]] = r
    return best


def fmt(r):
    if r is None:
        return "-"
    if r.get("value") is None:
        return "error"
    return f"{r['value']:.1f}" if r["value"] >= 10 else f"{r['value']:.2f}"


def speed_ratio(a, p):
    if not a or not p or not a.get("value") or not p.get("value"):
        return None
    return p["value"] / a["value"] if a["metric"] == "ms" else a["value"] / p["value"]


def load(pattern):
    return [json.load(open(f)) for f in sorted(glob.glob(pattern))]


def main(out_dir):
    accmt_runs = load(os.path.join(out_dir, "accmt-*.json"))
    peer_runs = load(os.path.join(out_dir, "peer-*.json"))
    if not accmt_runs or not peer_runs:
        sys.exit(f"report.py: no accmt-*.json or peer-*.json in {out_dir}")
    accmt = best_by_case(run["results"] for run in accmt_runs)
    torch_r = best_by_case(run["results"].get("torch", []) for run in peer_runs)
    numpy_r = best_by_case(run["results"].get("numpy", []) for run in peer_runs)
    info = peer_runs[0]["info"]
    print(f"accmt threads: {accmt_runs[0]['threads']}; PyTorch {info['torch']} threads: {info['torch_threads']} "
          f"(BLAS {info['torch_blas']}, {info['torch_cpu_capability']}); NumPy {info['numpy']}; "
          f"best of {len(accmt_runs)} rounds, each the median of {accmt_runs[0]['reps']} repetitions")
    for tp in info.get("threadpools") or []:
        if tp["user_api"] == "blas":
            print(f"NumPy BLAS: {tp['internal_api']} {tp['version']}, kernel {tp['architecture']}, "
                  f"{tp['num_threads']} threads")
    env = ", ".join(f"{k}={v}" for k, v in info["env"].items() if k.startswith("OPENBLAS_"))
    print(f"peer env: {env}")
    print()
    print("| case | accmt | PyTorch | NumPy/OpenBLAS | unit | accmt/peer (speed) |")
    print("|---|---:|---:|---:|---|---:|")
    for name, a in accmt.items():
        t, n = torch_r.get(name), numpy_r.get(name)
        ratios = []
        for label, p in (("PT", t), ("OB", n)):
            r = speed_ratio(a, p)
            if r is not None:
                ratios.append(f"{r:.2f} vs {label}" if n else f"{r:.2f}")
        print(f"| {name} | {fmt(a)} | {fmt(t)} | {fmt(n)} | {a['unit']} | {'; '.join(ratios) or '-'} |")
    for a in accmt.values():
        if a.get("error"):
            print(f"\naccmt error in {a['case']}: {a['error']}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
