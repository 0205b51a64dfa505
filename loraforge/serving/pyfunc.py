"""Save an adapter as an MLflow pyfunc model folder (registered by ``loraforge.tracking``).

Layout of the saved (and registered) model::

    MLmodel, requirements.txt, python_env.yaml, conda.yaml, input_example.json, serving_input_example.json
    adapter_model.py            the model code (``loraforge/serving/adapter_model.py``, models from code)
    artifacts/adapter/          the LoRA adapter + tokenizer files (no base weights)

``MLmodel``'s ``model_config`` references the base model (``base_model``: what ``from_pretrained`` loads,
a hub id or local path; ``base_model_name``: the portable name) and holds the training system prompt.
Saving loads no model and makes no network call: requirements are given, not inferred, and the
input example is not run through the model (that happens only in ``mlflow.<flavor>.log_model``).
"""

from __future__ import annotations

import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

MODEL_CODE = Path(__file__).with_name("adapter_model.py")
ADAPTER_ARTIFACT = "adapter"  # must match adapter_model.ADAPTER_ARTIFACT
ADAPTER_SUBDIR = f"artifacts/{ADAPTER_ARTIFACT}"  # where the adapter lies inside the model folder
RUNTIME_PACKAGES = ("mlflow", "torch", "transformers", "peft", "accelerate", "safetensors", "pandas")
DEFAULT_MAX_NEW_TOKENS = 256


def pip_requirements() -> list[str]:
    """What loading the model needs, pinned to this environment's versions (never inferred: no network)."""
    reqs = []
    for name in RUNTIME_PACKAGES:
        try:
            reqs.append(f"{name}=={version(name).split('+', 1)[0]}")
        except PackageNotFoundError:
            reqs.append(name)
    return reqs


def signature(max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS):  # type: ignore[no-untyped-def]  # -> ModelSignature
    """Input: ``messages`` (chat list) or ``prompt``, optional ``max_new_tokens`` / ``temperature``;
    output: the generated text. ``max_new_tokens`` and ``temperature`` may also be given as params,
    whose defaults (``max_new_tokens``, greedy) pyfunc passes whenever a call gives none."""
    from mlflow.models import ModelSignature
    from mlflow.types.schema import Array, ColSpec, Object, ParamSchema, ParamSpec, Property, Schema

    message = Object([Property("role", "string"), Property("content", "string")])
    inputs = Schema(
        [
            ColSpec(Array(message), "messages", required=False),
            ColSpec("string", "prompt", required=False),
            ColSpec("long", "max_new_tokens", required=False),
            ColSpec("double", "temperature", required=False),
        ]
    )
    params = ParamSchema([ParamSpec("max_new_tokens", "long", max_new_tokens), ParamSpec("temperature", "double", 0.0)])
    return ModelSignature(inputs=inputs, outputs=Schema([ColSpec("string")]), params=params)


def save_adapter_model(
    adapter_dir: Path,
    dst: Path,
    base_model: str,
    base_model_name: str | None = None,
    system_prompt: str | None = None,
    example_prompt: str = "What can you help me with?",
    max_new_tokens: int = DEFAULT_MAX_NEW_TOKENS,
    mlflow_model: Any = None,
) -> Path:
    """Write the pyfunc model for ``adapter_dir`` to ``dst`` (replaced) and return ``dst``.

    ``base_model`` is what the loader passes to ``from_pretrained`` (hub id or local path); it is only
    referenced. ``base_model_name`` is the portable name shown to people (default: ``base_model``).
    ``mlflow_model``: the ``mlflow.models.Model`` to fill in (``Tracker.log_model`` passes the logged
    model's, so MLmodel names its model id and run).
    """
    import mlflow.pyfunc

    dst = Path(dst)
    shutil.rmtree(dst, ignore_errors=True)
    dst.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "base_model": base_model,
        "base_model_name": base_model_name or base_model,
        "system_prompt": system_prompt,
        "max_new_tokens": max_new_tokens,
        "device": "auto",
    }
    with tempfile.TemporaryDirectory(prefix="adapter-") as tmp:
        # MLflow copies an artifact folder under its own name: stage it as "adapter" for a fixed layout
        staged = shutil.copytree(adapter_dir, Path(tmp) / ADAPTER_ARTIFACT)
        mlflow.pyfunc.save_model(
            path=str(dst),
            python_model=str(MODEL_CODE),
            artifacts={ADAPTER_ARTIFACT: str(staged)},
            model_config=config,
            signature=signature(max_new_tokens),
            input_example=[{"messages": [{"role": "user", "content": example_prompt}], "max_new_tokens": 64}],
            pip_requirements=pip_requirements(),
            mlflow_model=mlflow_model,
            metadata={"base_model": config["base_model_name"], "adapter": ADAPTER_SUBDIR},
        )
    return dst


def adapter_path(model_dir: Path) -> Path:
    """The adapter folder inside a saved/downloaded model (as its MLmodel says)."""
    import yaml

    mlmodel = yaml.safe_load((Path(model_dir) / "MLmodel").read_text())
    path = mlmodel["flavors"]["python_function"]["artifacts"][ADAPTER_ARTIFACT]["path"]
    return Path(model_dir) / path
