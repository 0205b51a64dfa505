"""Quiet by default on the terminal: the summary, not the noise of the libraries underneath.

``quiet()`` is what the command line entry points call (``loraforge …`` and ``python -m flows.…``)
unless ``--verbose``: progress bars of datasets, transformers and the hub off, and the warnings known
to be harmless here silenced by message (never whole categories, so a new warning still shows).
Library use (notebooks, the Prefect workers) is left as the user configured it.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings

_ENV = {"HF_DATASETS_DISABLE_PROGRESS_BARS": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}

# (message regex, why it is harmless here)
HARMLESS = [
    (r".*`is_gradient_checkpointing` is deprecated", "transformers renamed it; PEFT still calls the old name"),
    (r".*`gradient_checkpointing` is deprecated", "TRL's own default still sets the old name"),
    (r"Paged optimizers are not supported on CPU", "bitsandbytes falls back to the plain optimizer on CPU"),
    (r".*torch\.jit\.script_method` is deprecated", "a dependency of the similarity model"),
]
QUIET_LOGGERS = {
    "presidio-analyzer": logging.ERROR,  # "Recognizer not added to registry" for languages we do not scan
    "mlflow.system_metrics": logging.WARNING,  # start/stop lines of the system metrics monitor
    "mlflow.store.db.utils": logging.WARNING,  # "Creating initial MLflow database tables"
    "mlflow.pyfunc": logging.WARNING,  # "Validating input example against model signature"
    "pypdf": logging.ERROR,  # repairs of damaged PDFs; a PDF it cannot read is quarantined with the reason
    # "Failed to load CPU gemm_4bit_forward from kernels-community": the optional `kernels` package is not
    # installed (it downloads kernels from the hub); bitsandbytes uses its own CPU kernel instead
    "bitsandbytes.backends.cpu.ops": logging.ERROR,
}


def quiet() -> None:
    for key, value in _ENV.items():
        os.environ.setdefault(key, value)
    # a library imported before this call read the environment already: tell it directly
    if "huggingface_hub" in sys.modules:
        sys.modules["huggingface_hub"].utils.disable_progress_bars()
    if "transformers" in sys.modules:
        sys.modules["transformers"].utils.logging.disable_progress_bar()
    if "datasets" in sys.modules:
        sys.modules["datasets"].disable_progress_bars()
    for pattern, _why in HARMLESS:
        warnings.filterwarnings("ignore", message=pattern)
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
