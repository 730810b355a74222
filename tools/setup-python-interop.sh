#!/usr/bin/env bash
# Python readers for the interop tests (our files read by the real tools): Debian's
# python3-torch plus a virtual environment (.venv-interop, sharing the system packages)
# with safetensors, tensorboard and mlflow-skinny from PyPI.
# Prints the interpreter to use; tests find it through ACCMT_PYTHON. CI runs this before
# the README's test command; locally it is optional (the interop test skips without it).
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for pkg in python3-torch python3-venv python3-numpy; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-python-interop.sh: installing ${missing[*]}" >&2
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
VENV=.venv-interop
if [ ! -x "$VENV/bin/python3" ]; then
  /usr/bin/python3 -m venv --system-site-packages "$VENV" >&2
fi
"$VENV/bin/python3" -c "import safetensors, tensorboard, mlflow" 2>/dev/null ||
  "$VENV/bin/python3" -m pip install --quiet --disable-pip-version-check safetensors tensorboard mlflow-skinny >&2
"$VENV/bin/python3" -c "import torch, safetensors; print('interop python: torch', torch.__version__, 'safetensors', safetensors.__version__)" >&2
echo "$PWD/$VENV/bin/python3"
