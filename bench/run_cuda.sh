#!/usr/bin/env bash
# Runs accmt_bench_cuda and its PyTorch peer (bench/peer_torch_cuda.py) on cuda:0 and
# prints one Markdown table: per case accmt and PyTorch figures, accmt/PyTorch, and for
# memory-bound cases the fraction of the copy bandwidth accmt measured in the same run.
#
# usage: bench/run_cuda.sh [BUILD_DIR] [--filter S]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
[[ $# -gt 0 ]] && shift
bin=$build/bench/accmt_bench_cuda
[[ -x $bin ]] || { echo "error: $bin not found (build the accmt_bench_cuda target)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" "$@" | tee "$tmp/accmt.txt"
rc_accmt=${PIPESTATUS[0]}
# The optimizer-step bandwidth check, when built (its own report format).
if [[ -x $build/bench/accmt_bench_cuda_optim ]]; then
  "$build/bench/accmt_bench_cuda_optim" || rc_accmt=1
fi
rc_peer=0
if python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
  python3 "$here/peer_torch_cuda.py" "$@" | tee "$tmp/torch.txt"
  rc_peer=${PIPESTATUS[0]}
else
  echo "PyTorch with CUDA not available: no peer column" | tee "$tmp/torch.txt"
fi
python3 - "$tmp/accmt.txt" "$tmp/torch.txt" <<'PY'
import sys
def load(path):
    rows = {}
    for line in open(path):
        p = line.split()
        if len(p) == 6 and p[0] == "case":
            rows[p[1]] = (float(p[2]), float(p[4]), p[5])
    return rows
a, t = load(sys.argv[1]), load(sys.argv[2])
copy = a.get("copy_f32_1G", (0, 0, ""))[1]
print("\n| case | accmt | PyTorch | accmt/PyTorch | % of copy BW |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, (ms, amount, unit) in a.items():
    peer = t.get(name)
    ratio = "%.2fx" % (amount / peer[1]) if peer and peer[1] > 0 else "-"
    frac = "%.0f%%" % (100 * amount / copy) if unit == "GB/s" and copy > 0 else "-"
    print("| %s | %.1f %s | %s | %s | %s |" % (name, amount, unit, "%.1f %s" % (peer[1], unit) if peer else "-", ratio, frac))
missing = [n for n in t if n not in a]
if missing:
    print("\ncases PyTorch ran that accmt did not finish: " + ", ".join(missing))
PY
[[ $rc_accmt -eq 0 && $rc_peer -eq 0 ]]
