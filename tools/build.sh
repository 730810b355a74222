#!/usr/bin/env bash
# Configures (Release, Ninja) and builds accmt into build/ (BUILD_DIR overrides).
# Extra arguments go to CMake's configure step, e.g. tools/build.sh -DACCMT_CUDA=OFF.
# JOBS sets the parallel compile jobs (default 2: compiling the CUDA and test files
# takes over 1 GB of memory per job).
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-2}

# The CUDA toolkit installs nvcc outside PATH; put it there so check_language(CUDA) finds it.
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH=/usr/local/cuda/bin:$PATH
fi

# An existing build folder keeps the generator it was made with.
generator=()
[ -f "$BUILD_DIR/CMakeCache.txt" ] || generator=(-G Ninja)

cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$BUILD_DIR" -j "$JOBS"
