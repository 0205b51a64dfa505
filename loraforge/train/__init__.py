"""Fine-tune stage: a QLoRA/LoRA adapter from a chat DatasetDict (TRL SFTTrainer + PEFT)."""

from loraforge.train.callbacks import CheckpointHook, MetricsRecorder
from loraforge.train.config import TrainConfig, load_recipe
from loraforge.train.recipe import TrainResult, train
from loraforge.train.sft import build_trainer, last_checkpoint

__all__ = [
    "CheckpointHook",
    "MetricsRecorder",
    "TrainConfig",
    "TrainResult",
    "build_trainer",
    "last_checkpoint",
    "load_recipe",
    "train",
]
