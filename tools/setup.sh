#!/usr/bin/env bash
# Installs what building and testing accmt needs, from the OS packages. Safe to re-run:
# packages already present are left alone and the package lists are refreshed only when
# an install needs them.
#
#   tools/setup.sh                     compiler, CMake, Ninja, ccache, Eigen, yaml-cpp, doctest, zlib
#   tools/setup.sh --with-python-ref   also torch, numpy and safetensors through pip (only for
#                                      regenerating tests/reference fixtures and the PyTorch
#                                      peer in bench/; building and testing do not need them)
set -euo pipefail

APT_PACKAGES=(build-essential cmake ninja-build ccache libeigen3-dev libyaml-cpp-dev doctest-dev zlib1g-dev)
PIP_PACKAGES=(torch numpy safetensors)
MIN_CMAKE=3.25

with_python_ref=0
for arg in "$@"; do
  case "$arg" in
    --with-python-ref) with_python_ref=1 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown argument '$arg' (expected --with-python-ref or --help)" >&2; exit 2 ;;
  esac
done

say() { echo "setup.sh: $*"; }

is_debian_like() {
  command -v apt-get >/dev/null 2>&1 || return 1
  [ -r /etc/os-release ] || return 0  # apt-get without os-release: trust apt
  # shellcheck disable=SC1091
  . /etc/os-release
  case " ${ID:-} ${ID_LIKE:-} " in *" debian "*|*" ubuntu "*) return 0 ;; esac
  return 1
}

if ! is_debian_like; then
  cat >&2 <<EOF
setup.sh: this system has no apt-get (or is not Debian/Ubuntu), so nothing was installed.
Install these with your package manager, then run tools/build.sh:
  - a C++20 compiler (GCC 11+ or Clang 14+) and make
  - CMake ${MIN_CMAKE} or newer, Ninja, ccache (optional)
  - Eigen 3.4, yaml-cpp, doctest, zlib (development headers)
  - optional: the CUDA toolkit (nvcc) for the GPU part of the library
EOF
  exit 1
fi

# Root runs apt directly; others go through sudo when it exists.
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "setup.sh: not running as root and sudo is missing; run this script as root" >&2
    exit 1
  fi
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  installed "$pkg" || missing+=("$pkg")
done

apt_install() {
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
apt_update() {
  say "refreshing the package lists"
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get update -qq >/dev/null
}

if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  # A fresh image has empty lists; otherwise try the lists we have before refreshing them.
  if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
    apt_update
    apt_install "${missing[@]}"
  elif ! apt_install "${missing[@]}" 2>/dev/null; then
    apt_update
    apt_install "${missing[@]}"
  fi
else
  say "OS packages already installed"
fi

# CMake older than the project's minimum (Ubuntu 22.04 ships 3.22) fails at configure time.
cmake_version=$(cmake --version | sed -n 's/^cmake version \([0-9.]*\).*/\1/p')
if [ "$(printf '%s\n%s\n' "$MIN_CMAKE" "$cmake_version" | sort -V | head -n1)" != "$MIN_CMAKE" ]; then
  echo "setup.sh: CMake $cmake_version is older than the $MIN_CMAKE accmt needs; install a newer one (e.g. pip install cmake)" >&2
  exit 1
fi

if [ "$with_python_ref" -eq 1 ]; then
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; then
    say "installing python3 and pip"
    apt_install python3 python3-pip python3-venv || { apt_update; apt_install python3 python3-pip python3-venv; }
  fi
  if python3 -c "import torch, numpy, safetensors" 2>/dev/null; then
    say "python packages already installed (${PIP_PACKAGES[*]})"
  else
    # Debian's own python3 refuses pip installs outside a virtual environment (PEP 668).
    marker=$(python3 -c "import sysconfig, os; print(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED'))")
    if [ -e "$marker" ] && [ -z "${VIRTUAL_ENV:-}" ]; then
      cat >&2 <<EOF
setup.sh: this python3 is managed by the OS, so pip may not install into it.
Create and activate a virtual environment, then re-run with --with-python-ref:
  python3 -m venv .venv && . .venv/bin/activate && tools/setup.sh --with-python-ref
EOF
      exit 1
    fi
    say "installing ${PIP_PACKAGES[*]} with pip (large download)"
    python3 -m pip install --quiet --disable-pip-version-check "${PIP_PACKAGES[@]}"
  fi
fi

say "done"
