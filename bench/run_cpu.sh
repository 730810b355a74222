#!/usr/bin/env bash
# Runs accmt_bench_cpu and the PyTorch/NumPy peers back to back on the same thread
# count, ROUNDS times in alternating order, and prints machine info and a combined
# Markdown table (per case, the best round of each side). Builds nothing.
#
# usage: bench/run_cpu.sh [BUILD_DIR] [ARGS...]
#   BUILD_DIR  where accmt_bench_cpu was built (default: build)
#   ARGS       passed to both sides, e.g. --filter gemm, --reps 5, --min-ms 50
#   env THREADS (default: nproc), ROUNDS (default: 2),
#       BENCH_OUT (folder for the JSON; default: a temp dir)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
[[ $# -gt 0 ]] && shift
bin=$build/bench/accmt_bench_cpu
if [[ ! -x $bin ]]; then
  echo "error: $bin not found: build it first (cmake --build $build --target accmt_bench_cpu)" >&2
  exit 1
fi
threads=${THREADS:-$(nproc)}
rounds=${ROUNDS:-2}
out=${BENCH_OUT:-$(mktemp -d)}
mkdir -p "$out"
rm -f "$out"/accmt-*.json "$out"/peer-*.json

# Percent of CPU time not idle over one second (other work skews the figures).
cpu_busy() {
  local a b
  read -r -a a < /proc/stat; sleep 1; read -r -a b < /proc/stat
  local total=0 idle=$(( b[4] + b[5] - a[4] - a[5] ))
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  echo $(( 100 - 100 * idle / (total > 0 ? total : 1) ))
}

echo "## Machine"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores online," \
  "$(lscpu | grep -o -w -E 'avx512f|avx2' | sort -u | tr '\n' ' ')"
echo "- memory: $(free -g | awk '/^Mem:/ {print $2 " GiB"}'); kernel $(uname -r); threads: $threads; rounds: $rounds"
echo "- CPU busy just before the run: $(cpu_busy)%"
echo

run_accmt() {
  OMP_NUM_THREADS=$threads "$bin" --threads "$threads" --json "$out/accmt-$1.json" "${@:2}" || accmt_rc=$?
}
run_peer() {
  # Current OpenBLAS picks its own kernel only with these two unset (see docs/benchmarks.md).
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS="$threads" \
    python3 "$here/peer_torch.py" --threads "$threads" --json "$out/peer-$1.json" "${@:2}" || peer_rc=$?
}

echo "## Raw results"
accmt_rc=0
peer_rc=0
for ((r = 1; r <= rounds; ++r)); do
  echo "# round $r"
  if ((r % 2)); then run_accmt "$r" "$@"; run_peer "$r" "$@"; else run_peer "$r" "$@"; run_accmt "$r" "$@"; fi
done
echo

echo "## Table"
python3 "$here/report.py" "$out"
echo
echo "JSON: $out"
[[ $accmt_rc -eq 0 && $peer_rc -eq 0 ]] || { echo "some cases failed (accmt rc=$accmt_rc, peer rc=$peer_rc)" >&2; exit 1; }
