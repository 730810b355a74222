#!/usr/bin/env bash
# The readers of untrusted input (safetensors files, checkpoints, data files, option
# strings) under AddressSanitizer + UndefinedBehaviorSanitizer, in build-asan/ (CPU only).
# CI runs it after the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH=/usr/local/cuda/bin:$PATH; fi
generator=()
[ -f build-asan/CMakeCache.txt ] || generator=(-G Ninja)
# -O1: sanitizer builds compile much faster than -O3 and still run these tests quickly.
cmake -S . -B build-asan "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
  -DACCMT_SANITIZE=ON -DACCMT_CUDA=OFF -DACCMT_NATIVE_ISA=ON -DACCMT_BUILD_BENCH=OFF -DACCMT_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-asan -j "${JOBS:-2}" --target accmt_untrusted_input_tests
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ./build-asan/tests/accmt_untrusted_input_tests --no-intro=true
