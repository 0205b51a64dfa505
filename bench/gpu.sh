#!/usr/bin/env bash
# GPU figures for the fine-tune path, on a CUDA machine (never run by the tests or CI):
#   bash bench/gpu.sh [--steps N] [--json FILE]
# 1. installs the CUDA build of the pinned torch with the project (scripts/setup.sh, TORCH_INDEX),
# 2. checks that torch sees the GPU,
# 3. runs bench/gpu.py: QLoRA on a ~0.67B Llama-architecture model with random weights built locally
#    (no hub), loraforge vs a bare TRL script, packing on/off with SDPA (and FlashAttention 2 when
#    flash-attn is installed), tokens/s and peak memory, DDP on 2 GPUs when there are 2, merged-export time.
# Environment: TORCH_INDEX (default cu128: pick the index of the machine's CUDA), STEPS (default 30).
# A machine without package registries but with a CUDA torch already installed: SKIP_SETUP=1
# PYTHON=python3 (its packages must include the project's training set: transformers, peft, trl,
# bitsandbytes, datasets, accelerate, pydantic, pyyaml), and pass --dataset DIR, a dataset built
# elsewhere (the sample corpus' data-prep needs unstructured, spaCy and Presidio).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "bench/gpu.sh: no NVIDIA GPU visible (nvidia-smi)" >&2
  exit 1
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

PY=${PYTHON:-.venv/bin/python}
if [ -z "${SKIP_SETUP:-}" ]; then
  export TORCH_INDEX=${TORCH_INDEX:-https://download.pytorch.org/whl/cu128}
  start=$(date +%s)
  bash scripts/setup.sh
  # setup.sh returns at once when .venv was set up before, possibly with the CPU build: make sure of CUDA
  if ! .venv/bin/python -c 'import sys, torch; sys.exit(0 if torch.version.cuda else 1)'; then
    torch_version=$(.venv/bin/python -c 'import torch; print(torch.__version__.split("+")[0])')
    .venv/bin/pip install -q --force-reinstall --no-deps "torch==${torch_version}" --index-url "$TORCH_INDEX"
  fi
  echo "setup: $(( $(date +%s) - start )) s"
fi
"$PY" - <<'PY'
import torch
assert torch.cuda.is_available(), "torch has CUDA but sees no GPU (driver older than the CUDA build?)"
print(f"torch {torch.__version__} (CUDA {torch.version.cuda}), {torch.cuda.device_count()} GPU(s): {torch.cuda.get_device_name(0)}")
PY

PYTHONUNBUFFERED=1 exec "$PY" bench/gpu.py --steps "${STEPS:-30}" "$@"
