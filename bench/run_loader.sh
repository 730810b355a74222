#!/usr/bin/env bash
# Runs the DataLoader throughput bench (accmt) and its PyTorch peer back to back on the
# same machine and prints machine info and both results. Builds nothing.
# usage: bench/run_loader.sh [BUILD_DIR] [--reps N] [--examples N]
#   env THREADS (default: nproc), PYTHON (default: python3; one that imports torch)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
[[ $# -gt 0 ]] && shift
bin=$build/bench/accmt_bench_loader
[[ -x $bin ]] || { echo "error: $bin not found: cmake --build $build --target accmt_bench_loader" >&2; exit 1; }
threads=${THREADS:-$(nproc)}
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores online; caller threads: $threads"
OMP_NUM_THREADS=$threads "$bin" "$@"
OMP_NUM_THREADS=$threads "${PYTHON:-python3}" "$here/loader_peer_torch.py" "$@"
