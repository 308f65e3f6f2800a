#!/usr/bin/env bash
# Creates tools/reference/.venv with the pinned reference stack (PyPI only; several GB for torch).
# Not needed to build, run or test the product: only to regenerate the committed fixtures.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python3 -m venv "$here/.venv"
"$here/.venv/bin/pip" install -q -r "$here/requirements.txt"
"$here/.venv/bin/pip" install -q --no-deps k-diffusion==0.1.1.post1  # see requirements.txt
echo "reference venv ready: $here/.venv/bin/python"
