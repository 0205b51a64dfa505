"""Fine-tune stage: a QLoRA/LoRA adapter from a chat DatasetDict (TRL SFTTrainer + PEFT).

Names are imported on first use, so ``loraforge.train.config`` (recipes, validation) loads without
torch or transformers.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "CheckpointHook": "loraforge.train.callbacks",
    "MetricsRecorder": "loraforge.train.callbacks",
    "TrainConfig": "loraforge.train.config",
    "load_recipe": "loraforge.train.config",
    "TrainResult": "loraforge.train.loop",
    "train": "loraforge.train.loop",
    "build_trainer": "loraforge.train.sft",
    "last_checkpoint": "loraforge.train.sft",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_WHERE[name]), name)
