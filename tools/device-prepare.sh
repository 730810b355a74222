#!/usr/bin/env bash
# Prepares the GPU-machine check (docs/device.md): builds accmt for the H200 into
# build-device/ and fills the git-ignored folder .device/, which a device `run` carries:
#
#   .device/bundle.tar.gz  (unpacked by tools/device-check.sh; staged in build-device/stage/)
#     bin/   accmt_tests, accmt_cuda_tests, mlp_example, accmt_kill_target, accmt_bench_cuda*
#     lib/   libaccmt.so and the other non-system shared libraries those binaries load (per
#            ldd: libstdc++, libgcc_s, libgomp)
#     kit/   a source kit for building there if the binaries do not run: Eigen, doctest,
#            yaml-cpp and zlib headers, libyaml-cpp.a, libz.a and small CMake package
#            files for them
#   .device/MANIFEST.txt   commit, date, flags, sizes and a hash of the sources built
#   .device/sources.sha256 the source files and their checksums (what the hash covers)
#
# The library is shared here: its CUDA code (over 30 MiB of sm_90 SASS and PTX) would
# otherwise be copied into every binary, and a run carries 64 MiB with the working tree.
# The bundle is compressed as well.
#
# The build is Release for sm_90, without -march=native (the GPU host's CPU may lack
# AVX-512); libaccmt, yaml-cpp, zlib, libstdc++ and libgcc_s are carried in lib/ (one copy
# for the library and the programs; the kit's static yaml-cpp and zlib are not
# position-independent, so they serve only the fallback build there); cudart is static
# (CMake's default), cuBLAS/cuDNN/NCCL stay dynamic.
#
# usage: tools/device-prepare.sh [EXTRA CMAKE ARGS...]
#   env JOBS (default 2), BUILD_DIR (default build-device),
#       ACCMT_BUILD_LOCK (default /tmp/accmt-build.lock: the compile runs under flock on it)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD_DIR=${BUILD_DIR:-build-device}
JOBS=${JOBS:-2}
LOCK=${ACCMT_BUILD_LOCK:-/tmp/accmt-build.lock}
DEV=$ROOT/.device
STAGE=$ROOT/$BUILD_DIR/stage
KIT=$STAGE/kit
MAX_MIB=40

say() { printf '[device-prepare] %s\n' "$*"; }
die() { printf '[device-prepare] error: %s\n' "$*" >&2; exit 1; }

if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH=/usr/local/cuda/bin:$PATH
fi
command -v nvcc >/dev/null 2>&1 || die "nvcc not found (CUDA toolkit); the device build needs it"
command -v cmake >/dev/null 2>&1 || die "cmake not found"
command -v ninja >/dev/null 2>&1 || die "ninja not found"

git check-ignore -q .device/x || die ".device/ is not git-ignored: add '.device/' to .gitignore first"
git check-ignore -q "$BUILD_DIR/x" || die "$BUILD_DIR/ is not git-ignored"

# The first existing path among the arguments, or nothing.
first_existing() {
  local p
  for p in "$@"; do
    if [ -e "$p" ]; then printf '%s\n' "$p"; return 0; fi
  done
  return 1
}

# ---------------------------------------------------------------- 1. the source kit
# Written before the build; used on the GPU machine only if the carried binaries cannot run.
say "writing the source kit to $BUILD_DIR/stage/kit"
rm -rf "$DEV" "$STAGE"
mkdir -p "$DEV" "$STAGE/bin" "$STAGE/lib" "$KIT/include" "$KIT/lib/cmake"

eigen_inc=$(first_existing /usr/include/eigen3 /usr/local/include/eigen3) \
  || die "Eigen 3.4 headers not found (/usr/include/eigen3); run tools/setup.sh"
doctest_inc=$(first_existing /usr/include/doctest /usr/local/include/doctest) \
  || die "doctest headers not found; run tools/setup.sh"
yaml_inc=$(first_existing /usr/include/yaml-cpp /usr/local/include/yaml-cpp) \
  || die "yaml-cpp headers not found; run tools/setup.sh"
yaml_a=$(first_existing /usr/lib/x86_64-linux-gnu/libyaml-cpp.a /usr/local/lib/libyaml-cpp.a /usr/lib/libyaml-cpp.a) \
  || die "libyaml-cpp.a not found (Debian: libyaml-cpp-dev)"
zlib_h=$(first_existing /usr/include/zlib.h /usr/local/include/zlib.h) || die "zlib.h not found (zlib1g-dev)"
zconf_h=$(first_existing /usr/include/zconf.h /usr/include/x86_64-linux-gnu/zconf.h /usr/local/include/zconf.h) \
  || die "zconf.h not found (zlib1g-dev)"
zlib_a=$(first_existing /usr/lib/x86_64-linux-gnu/libz.a /usr/local/lib/libz.a /usr/lib/libz.a) \
  || die "libz.a not found (zlib1g-dev)"

cp -rLp "$eigen_inc" "$KIT/include/eigen3"
cp -rLp "$doctest_inc" "$KIT/include/doctest"
cp -rLp "$yaml_inc" "$KIT/include/yaml-cpp"
cp -Lp "$zlib_h" "$zconf_h" "$KIT/include/"
cp -Lp "$yaml_a" "$zlib_a" "$KIT/lib/"

macro_value() {  # macro_value FILE NAME: the integer a '#define NAME 123' line gives
  sed -n "s/^[[:space:]]*#[[:space:]]*define[[:space:]]\{1,\}$2[[:space:]]\{1,\}\([0-9]\{1,\}\).*/\1/p" "$1" | head -1
}
macros=$eigen_inc/Eigen/src/Core/util/Macros.h
eigen_version="$(macro_value "$macros" EIGEN_WORLD_VERSION).$(macro_value "$macros" EIGEN_MAJOR_VERSION).$(macro_value "$macros" EIGEN_MINOR_VERSION)"
doctest_version="$(macro_value "$doctest_inc/doctest.h" DOCTEST_VERSION_MAJOR).$(macro_value "$doctest_inc/doctest.h" DOCTEST_VERSION_MINOR).$(macro_value "$doctest_inc/doctest.h" DOCTEST_VERSION_PATCH)"
yaml_version=$(pkg-config --modversion yaml-cpp 2>/dev/null || true)
[[ $yaml_version =~ ^[0-9]+(\.[0-9]+)*$ ]] || yaml_version=0.7.0
[[ $eigen_version =~ ^3\.4\. ]] || die "Eigen headers are version '$eigen_version'; 3.4 is needed"
[[ $doctest_version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "cannot read the doctest version from $doctest_inc/doctest.h"

# write_version_file DIR PACKAGE VERSION: a <package>-config-version.cmake that accepts any
# requested version up to VERSION with the same major number.
write_version_file() {
  cat >"$1/$2ConfigVersion.cmake" <<EOF
# Written by tools/device-prepare.sh: $2 $3 from the accmt device kit.
set(PACKAGE_VERSION "$3")
set(PACKAGE_VERSION_COMPATIBLE FALSE)
if(NOT PACKAGE_FIND_VERSION OR (PACKAGE_VERSION VERSION_GREATER_EQUAL PACKAGE_FIND_VERSION
                                AND PACKAGE_FIND_VERSION_MAJOR STREQUAL "$(printf '%s' "$3" | cut -d. -f1)"))
  set(PACKAGE_VERSION_COMPATIBLE TRUE)
endif()
if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
  set(PACKAGE_VERSION_EXACT TRUE)
endif()
EOF
}

# Package files: each computes the kit's root from its own location, so the kit works
# wherever the repository lies on the GPU machine.
mkdir -p "$KIT/lib/cmake/Eigen3" "$KIT/lib/cmake/doctest" "$KIT/lib/cmake/yaml-cpp"
cat >"$KIT/lib/cmake/Eigen3/Eigen3Config.cmake" <<'EOF'
# Written by tools/device-prepare.sh: Eigen3::Eigen from the accmt device kit.
get_filename_component(_accmt_kit "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET Eigen3::Eigen)
  add_library(Eigen3::Eigen INTERFACE IMPORTED)
  set_target_properties(Eigen3::Eigen PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_accmt_kit}/include/eigen3")
endif()
set(EIGEN3_INCLUDE_DIR "${_accmt_kit}/include/eigen3")
set(EIGEN3_INCLUDE_DIRS "${EIGEN3_INCLUDE_DIR}")
set(EIGEN3_FOUND TRUE)
unset(_accmt_kit)
EOF
write_version_file "$KIT/lib/cmake/Eigen3" Eigen3 "$eigen_version"

cat >"$KIT/lib/cmake/doctest/doctestConfig.cmake" <<'EOF'
# Written by tools/device-prepare.sh: doctest::doctest (header only) from the accmt device kit.
get_filename_component(_accmt_kit "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET doctest::doctest)
  add_library(doctest::doctest INTERFACE IMPORTED)
  set_target_properties(doctest::doctest PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_accmt_kit}/include")
endif()
unset(_accmt_kit)
EOF
write_version_file "$KIT/lib/cmake/doctest" doctest "$doctest_version"

cat >"$KIT/lib/cmake/yaml-cpp/yaml-cpp-config.cmake" <<'EOF'
# Written by tools/device-prepare.sh: yaml-cpp as a static library from the accmt device kit.
get_filename_component(_accmt_kit "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET yaml-cpp)
  add_library(yaml-cpp STATIC IMPORTED)
  set_target_properties(yaml-cpp PROPERTIES
    IMPORTED_LOCATION "${_accmt_kit}/lib/libyaml-cpp.a"
    INTERFACE_INCLUDE_DIRECTORIES "${_accmt_kit}/include")
endif()
if(NOT TARGET yaml-cpp::yaml-cpp)
  add_library(yaml-cpp::yaml-cpp INTERFACE IMPORTED)
  set_target_properties(yaml-cpp::yaml-cpp PROPERTIES INTERFACE_LINK_LIBRARIES yaml-cpp)
endif()
set(YAML_CPP_INCLUDE_DIR "${_accmt_kit}/include")
set(YAML_CPP_LIBRARIES yaml-cpp)
unset(_accmt_kit)
EOF
write_version_file "$KIT/lib/cmake/yaml-cpp" yaml-cpp "$yaml_version"
# find_package(yaml-cpp) looks for yaml-cpp-config-version.cmake beside yaml-cpp-config.cmake.
mv "$KIT/lib/cmake/yaml-cpp/yaml-cppConfigVersion.cmake" "$KIT/lib/cmake/yaml-cpp/yaml-cpp-config-version.cmake"

cat >"$KIT/README.txt" <<EOF
accmt device kit, written by tools/device-prepare.sh on $(date -u '+%Y-%m-%d %H:%M UTC').
Eigen $eigen_version, doctest $doctest_version, yaml-cpp $yaml_version (static), zlib (static).
Point CMake at it with -DCMAKE_PREFIX_PATH=<this folder> -DZLIB_ROOT=<this folder>
(tools/device-check.sh does this when the carried binaries cannot run).
EOF

# ---------------------------------------------------------------- 2. the build
generator=()
[ -f "$BUILD_DIR/CMakeCache.txt" ] || generator=(-G Ninja)
say "configuring $BUILD_DIR (Release, sm_90, no native ISA, shared libraries carried in lib/)"
cmake -S . -B "$BUILD_DIR" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE=Release \
  -DACCMT_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DACCMT_NATIVE_ISA=OFF \
  -DBUILD_SHARED_LIBS=ON \
  "$@"

say "building with -j$JOBS (waiting for the build lock $LOCK if another build holds it)"
start=$SECONDS
if command -v flock >/dev/null 2>&1; then
  flock "$LOCK" cmake --build "$BUILD_DIR" -j "$JOBS"
else
  cmake --build "$BUILD_DIR" -j "$JOBS"
fi
say "build finished in $((SECONDS - start)) s"

# ---------------------------------------------------------------- 3. binaries and libraries
bins=()
for name in accmt_tests accmt_cuda_tests mlp_example accmt_kill_target; do
  path=$(find "$BUILD_DIR" -type f -name "$name" -perm -u+x -not -path '*/CMakeFiles/*' | head -1)
  [ -n "$path" ] || die "$name was not built in $BUILD_DIR"
  bins+=("$path")
done
while IFS= read -r path; do
  bins+=("$path")
done < <(find "$BUILD_DIR" -type f -name 'accmt_bench_cuda*' -perm -u+x -not -path '*/CMakeFiles/*' | sort)

# Symbols stay (names in cuda-gdb backtraces); there is no debug info in Release anyway.
for path in "${bins[@]}"; do
  cp "$path" "$STAGE/bin/"
done

# Shared libraries the GPU machine is sure to have stay behind: glibc and the loader, the
# driver's libcuda, and the CUDA libraries that python3's pip packages (nvidia-cublas,
# nvidia-cudnn-cu13, nvidia-nccl-cu13, ...) provide there, which are far too large to
# carry; tools/device-check.sh puts their folders on LD_LIBRARY_PATH. Everything else that
# ldd resolves is copied.
is_system_lib() {
  case $1 in
    linux-vdso.so* | ld-linux*.so* | libc.so* | libm.so* | libdl.so* | libpthread.so* | librt.so* | \
      libutil.so* | libresolv.so* | libcuda.so* | libnvidia-*.so*) return 0 ;;
    libcudart.so* | libcublas.so* | libcublasLt.so* | libcudnn*.so* | libnccl.so* | libcufft*.so* | \
      libcurand.so* | libcusolver*.so* | libcusparse*.so* | libnvJitLink.so* | libnvrtc*.so* | \
      libnvToolsExt.so* | libnvtx*.so* | libcupti.so*) return 0 ;;
    *) return 1 ;;
  esac
}
missing=()
for bin in "$STAGE"/bin/*; do
  while read -r soname arrow target _; do
    [ "$arrow" = "=>" ] || continue
    is_system_lib "$soname" && continue
    if [ "$target" = "not" ]; then missing+=("$soname (needed by $(basename "$bin"))"); continue; fi
    [ -e "$STAGE/lib/$soname" ] || cp -L "$target" "$STAGE/lib/$soname"
  done < <(ldd "$bin")
done
[ ${#missing[@]} -eq 0 ] || die "ldd cannot resolve: ${missing[*]}"

# ---------------------------------------------------------------- 4. manifest
# sources.sha256 lists the files a build reads with their checksums; tools/device-check.sh
# checks them (sha256sum -c) to tell whether the carried binaries match the tree they run in.
git ls-files -co --exclude-standard -- '*.cpp' '*.hpp' '*.h' '*.cu' '*.cuh' '*.in' '*.cmake' \
  '*CMakeLists.txt' | LC_ALL=C sort | while IFS= read -r f; do
  if [ -f "$f" ]; then sha256sum "$f"; fi
done >"$DEV/sources.sha256"
tree_hash=$(sha256sum <"$DEV/sources.sha256" | cut -c1-16)
{
  echo "prepared: $(date -u '+%Y-%m-%d %H:%M UTC') on $(hostname)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' + uncommitted changes')"
  echo "source-hash: $tree_hash ($(wc -l <"$DEV/sources.sha256") files)"
  echo "flags: Release, CUDA arch 90, ACCMT_NATIVE_ISA=OFF, BUILD_SHARED_LIBS=ON $*"
  echo "glibc: $(ldd --version 2>/dev/null | head -1)"
  echo "nvcc: $(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')"
  echo "binaries:"
  for bin in "$STAGE"/bin/*; do
    echo "  $(basename "$bin") $(du -k "$bin" | cut -f1) KiB, needs GLIBC up to" \
      "$(objdump -T "$bin" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)"
  done
  echo "libraries: $(cd "$STAGE/lib" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')"
} >"$DEV/MANIFEST.txt"

# ---------------------------------------------------------------- 5. bundle and report
cp "$DEV/MANIFEST.txt" "$DEV/sources.sha256" "$STAGE/"
tar -czf "$DEV/bundle.tar.gz" -C "$STAGE" .
cat "$DEV/MANIFEST.txt"
du -sh "$STAGE/bin" "$STAGE/lib" "$KIT"
total_kib=$(du -sk "$DEV" | cut -f1)
say "total size of .device/: $((total_kib / 1024)) MiB ($total_kib KiB; $(du -sk "$STAGE" | cut -f1) KiB unpacked)"
if [ "$total_kib" -gt $((MAX_MIB * 1024)) ]; then
  die ".device/ is over ${MAX_MIB} MiB; the device run carries at most 64 MiB with the working tree"
fi
say "ready: one device run of 'bash tools/device-check.sh' with carry [\".device\"] (docs/device.md)"
