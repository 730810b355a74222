#!/usr/bin/env bash
# The GPU-machine check (docs/device.md). Runs on the lent H200 machine, from the
# repository root, with the folder .device/ carried (tools/device-prepare.sh fills it here):
#
#   device run:  bash tools/device-check.sh      carry [".device"]   timeout_s ~480
#
# It records the machine (nvidia-smi, nvcc, python, torch), unpacks the carried binaries,
# checks that they load there, falls back to building there from the carried source kit
# when they do not (or when ACCMT_DEVICE_FORCE_BUILD=1), runs the CUDA tests, the CPU
# tests, the MLP example, a PyTorch GPU sanity line and the CUDA benchmarks when any were
# built, and ends with a table: step | status | seconds | key numbers. Each step has its
# own timeout inside an overall budget, so the whole script ends inside ~7 minutes.
#
# Full logs go to $OUT (the device tool's output folder) when set, else ./device-out:
# summary.txt, env.log, build.log, cuda_tests.log, cpu_tests.log, mlp.log, bench.log
# (the device tool returns at most 8 files). Exit status 0 when no step failed.
#
# Settings (environment; none is needed on the device):
#   ACCMT_DEVICE_BUDGET_S     seconds for all steps together (default 420)
#   ACCMT_DEVICE_FORCE_BUILD  1: build from the kit even if the carried binaries load
#   ACCMT_DEVICE_JOBS         parallel compile jobs of that build (default 16)
#   ACCMT_DEVICE_BUILD_S      most seconds for each of its two build phases (default 300)
#   ACCMT_DEVICE_CMAKE_ARGS   extra CMake arguments for that build (split on spaces)
#   ACCMT_DEVICE_DIR          where the bundle is unpacked (default build-device-run)
#   ACCMT_DEVICE_BUILD_DIR    where that build goes (default build-device-fallback)
set -u

cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
OUT_DIR=${OUT:-$ROOT/device-out}
BUDGET=${ACCMT_DEVICE_BUDGET_S:-420}
FORCE_BUILD=${ACCMT_DEVICE_FORCE_BUILD:-0}
JOBS=${ACCMT_DEVICE_JOBS:-16}
BUILD_CAP=${ACCMT_DEVICE_BUILD_S:-300}
RUN_DIR=${ACCMT_DEVICE_DIR:-$ROOT/build-device-run}
FB_DIR=${ACCMT_DEVICE_BUILD_DIR:-$ROOT/build-device-fallback}
BUNDLE=$ROOT/.device/bundle.tar.gz
KIT=$RUN_DIR/kit
RESERVE=10  # seconds kept back for the table
START=$SECONDS

mkdir -p "$OUT_DIR" || { echo "device-check: cannot create $OUT_DIR" >&2; exit 1; }
ENV_LOG=$OUT_DIR/env.log
BUILD_LOG=$OUT_DIR/build.log
CUDA_LOG=$OUT_DIR/cuda_tests.log
CPU_LOG=$OUT_DIR/cpu_tests.log
MLP_LOG=$OUT_DIR/mlp.log
BENCH_LOG=$OUT_DIR/bench.log
SUMMARY=$OUT_DIR/summary.txt
: >"$ENV_LOG"
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT

say() { printf '[device-check %4ds] %s\n' "$((SECONDS - START))" "$*"; }

# ------------------------------------------------------------------ the table
ROW_STEP=() ROW_STATUS=() ROW_SECS=() ROW_NOTES=()
record() {  # record STEP STATUS SECONDS NOTES
  ROW_STEP+=("$1") ROW_STATUS+=("$2") ROW_SECS+=("$3") ROW_NOTES+=("$4")
  say "$1: $2 ($3 s) $4"
}

# The seconds a step may take: its cap, or what is left of the budget if that is less.
step_limit() {
  local left=$((BUDGET - (SECONDS - START) - RESERVE))
  if [ "$left" -lt "$1" ]; then echo "$left"; else echo "$1"; fi
}

# A cap of at most MAX seconds that still leaves KEEP seconds of the budget to later steps.
cap_keeping() {
  local left=$((BUDGET - (SECONDS - START) - RESERVE - $1))
  if [ "$left" -lt "$2" ]; then echo "$left"; else echo "$2"; fi
}

# run_in LOG CAP CMD...: runs CMD under timeout, its output into $TMP/last and appended
# to LOG; sets RC (124 = timed out, 125 = no time left to start it) and SECS.
RC=0 SECS=0
run_in() {
  local log=$1 cap=$2 limit t0
  shift 2
  limit=$(step_limit "$cap")
  t0=$SECONDS
  printf '\n$ %s   (limit %ss)\n' "$*" "$limit" >>"$log"
  if [ "$limit" -lt 5 ]; then
    echo "not started: the time budget (${BUDGET}s) is spent" | tee "$TMP/last" >>"$log"
    RC=125 SECS=0
    return
  fi
  timeout -k 10 "$limit" "$@" >"$TMP/last" 2>&1
  RC=$?
  SECS=$((SECONDS - t0))
  cat "$TMP/last" >>"$log"
  [ "$RC" -eq 124 ] && echo "TIMED OUT after ${limit}s" >>"$log"
}

# True when the last run could not start the program: loader errors, not executable.
loader_failed() {
  [ "$RC" -eq 126 ] || [ "$RC" -eq 127 ] && return 0
  grep -qE "error while loading shared libraries|version \`(GLIBC|GLIBCXX|CXXABI)_[0-9.]+' not found|cannot execute binary file|Exec format error" "$TMP/last"
}

# doctest's summary lines as "cases P/N passed, F failed, S skipped; A assertions".
doctest_numbers() {
  awk -F'|' '
    /^\[doctest\] test cases:/ { split($1, a, ":"); n = a[2] + 0; p = $2 + 0; f = $3 + 0; s = $4 + 0 }
    /^\[doctest\] assertions:/ { split($1, a, ":"); asserts = a[2] + 0; af = $3 + 0 }
    END {
      if (n == "" && p == "") exit
      printf "cases %d/%d passed, %d failed, %d skipped; %d assertions (%d failed)", p, n, f, s, asserts, af
    }' "$1"
}

# Records STEP as failed and returns 0 when its last run timed out or never started.
unfinished() {
  case $RC in
    124) show_tail "$1" 20; record "$1" fail "$SECS" "timed out after ${SECS}s (the step's limit)" ;;
    125) record "$1" fail 0 "not run: the time budget (${BUDGET}s) is spent" ;;
    *) return 1 ;;
  esac
}

# Prints the last lines of a failed step's output, so that the device tool's reply shows it.
show_tail() {
  echo "----- last lines of $1 -----"
  tail -n "${2:-40}" "$TMP/last"
  echo "-----"
}

# ------------------------------------------------------------------ 1. the machine
say "logs under $OUT_DIR; budget ${BUDGET}s"
t0=$SECONDS
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH=/usr/local/cuda/bin:$PATH
fi
HAVE_GPU=0
gpu_note="no GPU (nvidia-smi failed or is absent)"
{
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')  host: $(hostname)  user: $(id -un)"
  echo "kernel: $(uname -srm)"
  echo "cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores;" \
    "flags: $(grep -o -w -E 'avx2|avx512f|avx512_bf16|amx_tile' /proc/cpuinfo 2>/dev/null | sort -u | tr '\n' ' ')"
  echo "memory: $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "glibc: $(ldd --version 2>&1 | head -1)"
  for tool in nvcc cmake ninja g++ python3; do
    if command -v "$tool" >/dev/null 2>&1; then
      if [ "$tool" = nvcc ]; then version=$(nvcc --version 2>&1 | tail -1); else version=$("$tool" --version 2>&1 | head -1); fi
      echo "$tool: $(command -v "$tool"): $version"
    else
      echo "$tool: not found"
    fi
  done
  if [ -f "$ROOT/.device/MANIFEST.txt" ]; then
    echo "--- .device/MANIFEST.txt"
    cat "$ROOT/.device/MANIFEST.txt"
  fi
} >>"$ENV_LOG" 2>&1
if command -v nvidia-smi >/dev/null 2>&1; then
  run_in "$ENV_LOG" 30 nvidia-smi
  run_in "$ENV_LOG" 30 nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,clocks.sm,clocks.mem,clocks.max.sm,power.draw,temperature.gpu --format=csv
  if [ "$RC" -eq 0 ] && [ "$(wc -l <"$TMP/last")" -ge 2 ]; then
    HAVE_GPU=1
    gpu_note=$(sed -n 2p "$TMP/last" | cut -d, -f1-3 | tr -s ' ')
  fi
fi

# pip's CUDA libraries (cuBLAS, cuDNN, NCCL, ...): nvidia/<name>/lib under site-packages.
NV_PREFIXES=""
if command -v python3 >/dev/null 2>&1; then
  NV_PREFIXES=$(timeout 60 python3 - 2>>"$ENV_LOG" <<'EOF'
import os
try:
    import nvidia
except Exception:
    raise SystemExit(0)
seen = []
for root in list(getattr(nvidia, "__path__", [])):
    for name in sorted(os.listdir(root)):
        d = os.path.join(root, name)
        if os.path.isdir(os.path.join(d, "lib")) and d not in seen:
            seen.append(d)
print(":".join(seen))
EOF
  ) || NV_PREFIXES=""
fi
nv_libs=""
IFS=: read -r -a nv_list <<<"$NV_PREFIXES"
for d in "${nv_list[@]}"; do
  [ -n "$d" ] && nv_libs=${nv_libs:+$nv_libs:}$d/lib
done
export LD_LIBRARY_PATH=${nv_libs}${LD_LIBRARY_PATH:+${nv_libs:+:}$LD_LIBRARY_PATH}
# The carried libraries (libgomp) go first for accmt's programs only, not for python3.
BIN_LD_PATH=$RUN_DIR/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH" >>"$ENV_LOG"
echo "for accmt's programs: LD_LIBRARY_PATH=$BIN_LD_PATH" >>"$ENV_LOG"
record env pass $((SECONDS - t0)) "$gpu_note; pip nvidia libs: ${#nv_list[@]} dirs"

# ------------------------------------------------------------------ 2. the carried bundle
t0=$SECONDS
if [ -f "$BUNDLE" ]; then
  rm -rf "$RUN_DIR" && mkdir -p "$RUN_DIR"
  if tar -xzf "$BUNDLE" -C "$RUN_DIR" >>"$ENV_LOG" 2>&1; then
    # The binaries match this tree only if the sources are as they were when prepared.
    prepared=$(sed -n 's/^commit: //p' "$RUN_DIR/MANIFEST.txt" 2>/dev/null)
    if [ ! -s "$RUN_DIR/sources.sha256" ]; then
      record bundle warn $((SECONDS - t0)) "no sources.sha256 in the bundle: cannot tell whether the binaries match"
    elif changed=$(sha256sum --quiet -c "$RUN_DIR/sources.sha256" 2>/dev/null); then
      record bundle pass $((SECONDS - t0)) "binaries match the sources (commit $prepared)"
    else
      printf 'source files changed since tools/device-prepare.sh:\n%s\n' "$changed" >>"$ENV_LOG"
      record bundle warn $((SECONDS - t0)) "binaries are OLDER than this tree: $(grep -c . <<<"$changed") source file(s) changed since tools/device-prepare.sh, e.g. $(head -1 <<<"$changed" | cut -d: -f1) (env.log)"
    fi
  else
    record bundle fail $((SECONDS - t0)) "cannot unpack .device/bundle.tar.gz (see env.log)"
  fi
else
  record bundle fail 0 "no .device/bundle.tar.gz: run tools/device-prepare.sh, then carry .device"
fi

BIN_CUDA=$RUN_DIR/bin/accmt_cuda_tests
BIN_CPU=$RUN_DIR/bin/accmt_tests
BIN_MLP=$RUN_DIR/bin/mlp_example
BENCH_BINS=()
for b in "$RUN_DIR"/bin/accmt_bench_cuda*; do
  [ -x "$b" ] && BENCH_BINS+=("$b")
done

# ------------------------------------------------------------------ 3. do they load here?
t0=$SECONDS
NEED_BUILD=0
probe_note=""
for b in "$BIN_CUDA" "$BIN_CPU" "$BIN_MLP" "${BENCH_BINS[@]}"; do
  if [ ! -x "$b" ]; then
    NEED_BUILD=1 probe_note="$probe_note $(basename "$b"): missing;"
    continue
  fi
  # The loader lists the libraries and stops before main (what ldd does); env sets the
  # variable after timeout has loaded, so that the trace is the binary's own.
  out=$(timeout 20 env LD_LIBRARY_PATH="$BIN_LD_PATH" LD_TRACE_LOADED_OBJECTS=1 "$b" 2>&1)
  rc=$?
  printf '\n$ LD_TRACE_LOADED_OBJECTS=1 %s  (rc %s)\n%s\n' "$b" "$rc" "$out" >>"$ENV_LOG"
  if [ "$rc" -ne 0 ] || grep -qE "not found|error while loading" <<<"$out"; then
    NEED_BUILD=1
    probe_note="$probe_note $(basename "$b"): $(grep -m1 -E "not found|error" <<<"$out" | tr -s ' \t' ' ')$([ "$rc" -ne 0 ] && echo " rc $rc");"
  fi
done
if [ "$NEED_BUILD" -eq 1 ]; then
  record load fail $((SECONDS - t0)) "carried binaries do not load:$probe_note building here instead"
elif [ "$FORCE_BUILD" = 1 ]; then
  record load pass $((SECONDS - t0)) "carried binaries load; ACCMT_DEVICE_FORCE_BUILD=1: building here anyway"
else
  record load pass $((SECONDS - t0)) "carried binaries load (libraries resolved)"
fi

# ------------------------------------------------------------------ 4. fallback build
BUILT=0
fallback_build() {
  [ "$BUILT" = 0 ] || return 0
  BUILT=1
  local t0=$SECONDS args=() prefix=$KIT targets extra
  : >"$BUILD_LOG"
  if ! command -v cmake >/dev/null 2>&1 || ! command -v ninja >/dev/null 2>&1; then
    record build fail 0 "cmake or ninja not found here"
    return 1
  fi
  if [ -d "$KIT" ]; then
    args+=(-DEigen3_DIR="$KIT/lib/cmake/Eigen3" -Ddoctest_DIR="$KIT/lib/cmake/doctest"
      -Dyaml-cpp_DIR="$KIT/lib/cmake/yaml-cpp" -DZLIB_INCLUDE_DIR="$KIT/include"
      -DZLIB_LIBRARY="$KIT/lib/libz.a")
  else
    echo "no kit at $KIT: relying on the machine's own Eigen, doctest, yaml-cpp and zlib" >>"$BUILD_LOG"
    prefix=""
  fi
  for d in "${nv_list[@]}"; do
    [ -n "$d" ] && prefix=${prefix:+$prefix;}$d
  done
  [ -n "$prefix" ] && args+=("-DCMAKE_PREFIX_PATH=$prefix")
  read -r -a extra <<<"${ACCMT_DEVICE_CMAKE_ARGS:-}"
  rm -rf "$FB_DIR"
  run_in "$BUILD_LOG" 90 cmake -S "$ROOT" -B "$FB_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DACCMT_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DACCMT_NATIVE_ISA=OFF "${args[@]}" "${extra[@]}"
  if [ "$RC" -ne 0 ]; then
    show_tail "cmake (configure)" 30
    record build fail $((SECONDS - t0)) "configure failed (rc $RC; build.log)"
    return 1
  fi
  # What the GPU steps need first; the CPU tests only if time is left. -k 0: one target
  # failing does not stop the others.
  targets=(accmt_cuda_tests mlp_example)
  grep -q '^build bench/accmt_bench_cuda' "$FB_DIR/build.ninja" 2>/dev/null && targets+=(accmt_bench_cuda)
  # Time is kept back for the steps after the build: 90 s for the GPU steps, 150 s once
  # the CPU tests are built too.
  run_in "$BUILD_LOG" "$(cap_keeping 90 "$BUILD_CAP")" cmake --build "$FB_DIR" -j "$JOBS" --target "${targets[@]}" -- -k 0
  local rc_gpu=$RC rc_cpu=0
  [ "$rc_gpu" -ne 0 ] && show_tail "the build (${targets[*]})" 40
  if [ "$(cap_keeping 150 "$BUILD_CAP")" -ge 30 ]; then
    run_in "$BUILD_LOG" "$(cap_keeping 150 "$BUILD_CAP")" cmake --build "$FB_DIR" -j "$JOBS" --target accmt_tests -- -k 0
    rc_cpu=$RC
    [ "$rc_cpu" -ne 0 ] && show_tail "the build (accmt_tests)" 40
  else
    echo "accmt_tests not built: too little of the time budget left" | tee -a "$BUILD_LOG"
    rc_cpu=125
  fi
  # Use whatever was built.
  [ -x "$FB_DIR/tests/accmt_cuda_tests" ] && BIN_CUDA=$FB_DIR/tests/accmt_cuda_tests
  [ -x "$FB_DIR/tests/accmt_tests" ] && BIN_CPU=$FB_DIR/tests/accmt_tests
  [ -x "$FB_DIR/examples/mlp/mlp_example" ] && BIN_MLP=$FB_DIR/examples/mlp/mlp_example
  if [ -x "$FB_DIR/bench/accmt_bench_cuda" ]; then BENCH_BINS=("$FB_DIR/bench/accmt_bench_cuda"); fi
  if [ "$rc_gpu" -eq 0 ] && [ "$rc_cpu" -eq 0 ]; then
    record build pass $((SECONDS - t0)) "built here with -j$JOBS: ${targets[*]} accmt_tests"
  else
    record build fail $((SECONDS - t0)) "rc $rc_gpu (${targets[*]}), rc $rc_cpu (accmt_tests); see build.log"
  fi
}
if [ "$NEED_BUILD" -eq 1 ] || [ "$FORCE_BUILD" = 1 ]; then
  say "building here from the carried kit into $FB_DIR (-j$JOBS)"
  fallback_build
fi

# run_binary LOG CAP BIN ARGS...: like run_in, but when the program cannot start, builds
# here (once) and runs the freshly built program instead. BIN names a variable.
run_binary() {
  local log=$1 cap=$2 var=$3 prog
  shift 3
  prog=${!var}
  run_in "$log" "$cap" env LD_LIBRARY_PATH="$BIN_LD_PATH" ACCMT_SOURCE_DIR="$ROOT" "$prog" "$@"
  if loader_failed && [ "$BUILT" = 0 ]; then
    say "$(basename "$prog") cannot start here (rc $RC): building from the kit"
    fallback_build
    prog=${!var}
    run_in "$log" "$cap" env LD_LIBRARY_PATH="$BIN_LD_PATH" ACCMT_SOURCE_DIR="$ROOT" "$prog" "$@"
  fi
}

# ------------------------------------------------------------------ 5. CUDA tests
: >"$CUDA_LOG"
if [ -x "$BIN_CUDA" ]; then
  run_binary "$CUDA_LOG" 200 BIN_CUDA
  nums=$(doctest_numbers "$TMP/last")
  if unfinished cuda_tests; then
    :
  elif [ "$RC" -eq 77 ]; then
    if [ "$HAVE_GPU" = 1 ]; then
      record cuda_tests fail "$SECS" "exit 77 (no usable CUDA device) although nvidia-smi sees a GPU"
    else
      record cuda_tests skip "$SECS" "exit 77: no usable CUDA device"
    fi
  elif [ "$RC" -eq 0 ]; then
    record cuda_tests pass "$SECS" "$nums"
  else
    show_tail "accmt_cuda_tests"
    record cuda_tests fail "$SECS" "rc $RC${nums:+; $nums}"
  fi
else
  record cuda_tests fail 0 "no accmt_cuda_tests binary"
fi

# ------------------------------------------------------------------ 6. CPU tests
: >"$CPU_LOG"
if [ -x "$BIN_CPU" ]; then
  run_binary "$CPU_LOG" 120 BIN_CPU
  nums=$(doctest_numbers "$TMP/last")
  if unfinished cpu_tests; then
    :
  elif [ "$RC" -eq 0 ]; then
    record cpu_tests pass "$SECS" "$nums"
  else
    show_tail "accmt_tests" 30
    record cpu_tests fail "$SECS" "rc $RC${nums:+; $nums}"
  fi
else
  record cpu_tests fail 0 "no accmt_tests binary"
fi

# ------------------------------------------------------------------ 7. MLP example
: >"$MLP_LOG"
if [ -x "$BIN_MLP" ]; then
  run_binary "$MLP_LOG" 60 BIN_MLP
  acc=$(sed -n 's/^validation accuracy \([0-9.]*\).*/\1/p' "$TMP/last" | tail -1)
  first=$(sed -n 's/^before training *train loss \([0-9.]*\).*/\1/p' "$TMP/last" | tail -1)
  last=$(sed -n 's/^epoch *[0-9]* *train loss \([0-9.]*\).*/\1/p' "$TMP/last" | tail -1)
  if unfinished mlp; then
    :
  elif [ "$RC" -eq 0 ]; then
    record mlp pass "$SECS" "train loss ${first:-?} -> ${last:-?}, validation accuracy ${acc:-?}"
  else
    show_tail "mlp_example" 20
    record mlp fail "$SECS" "rc $RC"
  fi
else
  record mlp fail 0 "no mlp_example binary"
fi

# ------------------------------------------------------------------ 8. PyTorch on the GPU
: >"$BENCH_LOG"
if command -v python3 >/dev/null 2>&1; then
  run_in "$BENCH_LOG" 90 python3 -c '
import sys
try:
    import torch
except Exception as e:
    print("torch import failed:", e); sys.exit(3)
ok = torch.cuda.is_available()
name = torch.cuda.get_device_name(0) if ok else "-"
s = float((torch.ones(1024, 1024, device="cuda") @ torch.ones(1024, 1024, device="cuda")).sum()) if ok else 0.0
print("torch %s (CUDA %s) cuda.is_available=%s device=%s matmul-check=%s" % (torch.__version__, torch.version.cuda, ok, name, s == 1024.0 ** 3))
sys.exit(0 if ok and s == 1024.0 ** 3 else 4)'
  line=$(grep -E '^torch ' "$TMP/last" | tail -1)
  if unfinished torch; then
    :
  elif [ "$RC" -eq 0 ]; then
    record torch pass "$SECS" "${line#torch }"
  elif [ "$RC" -eq 3 ]; then
    record torch skip "$SECS" "no torch in python3"
  elif [ "$RC" -eq 4 ] && [ "$HAVE_GPU" = 0 ]; then
    record torch skip "$SECS" "no GPU: ${line#torch }"
  else
    show_tail "python3 torch check" 15
    record torch fail "$SECS" "rc $RC ${line#torch }"
  fi
else
  record torch skip 0 "python3 not found"
fi

# ------------------------------------------------------------------ 9. CUDA benchmarks
# A CUDA benchmark, once it exists, is built as accmt_bench_cuda*. If bench/run_cuda.sh
# exists it is called like bench/run_cpu.sh, with a build folder holding
# bench/<binary>; else each binary runs alone, then bench/peer_torch_cuda.py if present.
if [ ${#BENCH_BINS[@]} -eq 0 ]; then
  record bench_cuda skip 0 "no accmt_bench_cuda binary yet"
elif [ "$HAVE_GPU" = 0 ]; then
  record bench_cuda skip 0 "no GPU"
else
  t0=$SECONDS
  bench_rc=0
  if [ -f "$ROOT/bench/run_cuda.sh" ]; then
    mkdir -p "$TMP/build/bench"
    for b in "${BENCH_BINS[@]}"; do ln -sf "$b" "$TMP/build/bench/$(basename "$b")"; done
    run_in "$BENCH_LOG" 200 env LD_LIBRARY_PATH="$BIN_LD_PATH" ACCMT_SOURCE_DIR="$ROOT" \
      bash "$ROOT/bench/run_cuda.sh" "$TMP/build"
    bench_rc=$RC
  else
    for b in "${BENCH_BINS[@]}"; do
      run_binary "$BENCH_LOG" 150 b
      [ "$RC" -ne 0 ] && bench_rc=$RC
    done
    if [ -f "$ROOT/bench/peer_torch_cuda.py" ]; then
      run_in "$BENCH_LOG" 120 python3 "$ROOT/bench/peer_torch_cuda.py"
      [ "$RC" -ne 0 ] && bench_rc=$RC
    fi
  fi
  if [ "$bench_rc" -eq 0 ]; then
    record bench_cuda pass $((SECONDS - t0)) "last line: $(grep -v '^[[:space:]]*$' "$TMP/last" | tail -1 | cut -c1-90); all in bench.log"
  else
    show_tail "the CUDA benchmark" 30
    record bench_cuda fail $((SECONDS - t0)) "rc $bench_rc; see bench.log"
  fi
fi

# ------------------------------------------------------------------ the table
failed=0
for st in "${ROW_STATUS[@]}"; do
  [ "$st" = fail ] && failed=$((failed + 1))
done
{
  echo
  echo "accmt device check: $(date -u '+%Y-%m-%d %H:%M UTC'), $((SECONDS - START)) s in all, logs in $OUT_DIR"
  printf '%-11s| %-7s| %5s | %s\n' step status sec "key numbers"
  printf -- '-----------+--------+-------+------------------------------------------\n'
  for i in "${!ROW_STEP[@]}"; do
    printf '%-11s| %-7s| %5s | %s\n' "${ROW_STEP[$i]}" "${ROW_STATUS[$i]}" "${ROW_SECS[$i]}" "${ROW_NOTES[$i]}"
  done
  if [ "$failed" -eq 0 ]; then echo "result: no step failed"; else echo "result: $failed step(s) failed"; fi
} >"$SUMMARY"
cat "$SUMMARY"
[ "$failed" -eq 0 ]
