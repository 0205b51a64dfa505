"""From a TrainConfig to a ready TRL ``SFTTrainer``, plus checkpoint and memory helpers."""

from __future__ import annotations

import json
import resource
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loraforge.basemodel import load_model, load_tokenizer, loss_masking, resolve_device
from loraforge.train.config import TrainConfig
from loraforge.train.ranks import fsdp_launched, rank_device

if TYPE_CHECKING:
    from datasets import Dataset, DatasetDict
    from peft import LoraConfig
    from trl import SFTConfig, SFTTrainer


def build_trainer(
    base_model: str,
    splits: DatasetDict,
    config: TrainConfig,
    checkpoints_dir: Path,
    *,
    batch: int | None = None,
    accum: int | None = None,
    callbacks: Sequence[Any] = (),
) -> SFTTrainer:
    """Tokenizer, loss masking, (quantised) model, LoRA config and SFTConfig, wired into one SFTTrainer.

    ``batch``/``accum`` override the recipe's micro-batch and grad-accum (the OOM fallback uses them).
    The trainer's datasets are already tokenized with their ``labels`` (-100 outside the loss).
    """
    from transformers import EarlyStoppingCallback, PrinterCallback
    from trl import SFTTrainer

    from loraforge.train.callbacks import BestCheckpoint

    device = rank_device(resolve_device(config.model.device))
    tokenizer = load_tokenizer(base_model)
    masking = loss_masking(tokenizer)
    train_ds = sft_dataset(splits["train"], masking)
    eval_ds = sft_dataset(splits["validation"], masking) if len(splits.get("validation", [])) else None
    args = sft_config(config, checkpoints_dir, device, masking, has_eval=eval_ds is not None, batch=batch, accum=accum)
    model = load_model(
        base_model,
        config.model.quantization,
        device,
        gradient_checkpointing=args.activation_checkpointing,
        sharded=fsdp_launched(),
        attn_implementation=config.model.attn_implementation,
    )
    callbacks = [*callbacks, BestCheckpoint()]
    patience = config.loraforge.early_stopping_patience
    if patience and eval_ds is not None:  # without a validation split there is nothing to stop on
        callbacks.append(EarlyStoppingCallback(patience, config.loraforge.early_stopping_threshold))
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        processing_class=tokenizer,
        peft_config=lora_config(config),
        callbacks=list(callbacks),
    )
    trainer.remove_callback(PrinterCallback)  # with tqdm off it prints every log dict; callers get them instead
    return trainer


def sft_dataset(split: Dataset, masking: str) -> Dataset:
    """Only ``messages``; for the completion-only fallback, a conversational prompt/completion pair."""
    ds = split.select_columns(["messages"])
    if masking == "completion_only":
        ds = ds.map(
            lambda ex: {"prompt": ex["messages"][:-1], "completion": ex["messages"][-1:]}, remove_columns=["messages"]
        )
    return ds


def resolve_sft_arguments(
    config: TrainConfig, device: str, *, has_eval: bool, batch: int | None = None, accum: int | None = None
) -> dict[str, Any]:
    """The recipe's SFT arguments for this device and dataset: bf16 only where a CUDA GPU supports it,
    step evaluation (and so the best checkpoint) only when there is a validation split, the OOM
    fallback's batch and grad-accum."""
    args = config.sft_arguments()
    on_gpu = device.startswith("cuda")
    if args.get("bf16") is None:
        import torch

        args["bf16"] = on_gpu and torch.cuda.is_bf16_supported()
    if batch:
        args["per_device_train_batch_size"] = batch
    if accum:
        args["gradient_accumulation_steps"] = accum
    args.setdefault("per_device_eval_batch_size", args["per_device_train_batch_size"])
    if not has_eval:
        args.update(eval_strategy="no", eval_steps=None)
    if str(args.get("eval_strategy")) == "no":  # nothing evaluated, nothing to choose from: the last step is kept
        args["load_best_model_at_end"] = False
    args["use_cpu"] = not on_gpu
    return args


def sft_config(
    config: TrainConfig,
    output_dir: Path,
    device: str,
    masking: str,
    *,
    has_eval: bool,
    batch: int | None = None,
    accum: int | None = None,
) -> SFTConfig:
    """TRL's SFTConfig for this run: the recipe's arguments plus what loraforge sets from the run."""
    from trl import SFTConfig

    return SFTConfig(
        **resolve_sft_arguments(config, device, has_eval=has_eval, batch=batch, accum=accum),
        output_dir=str(output_dir),
        assistant_only_loss=masking == "assistant_only",
        completion_only_loss=True if masking == "completion_only" else None,
    )


def lora_config(config: TrainConfig) -> LoraConfig:
    from peft import LoraConfig

    return LoraConfig(**config.lora_arguments(), task_type="CAUSAL_LM")


def check_arguments(config: TrainConfig) -> None:
    """Build the SFTConfig and LoraConfig of ``config`` once, so that a misspelt or invalid ``sft``/``lora``
    argument fails when the recipe loads, not when training starts."""
    import tempfile

    try:
        sft_config(config, Path(tempfile.gettempdir()), "cpu", "assistant_only", has_eval=True)
        lora_config(config)
    except TypeError as exc:  # an unknown keyword argument
        raise ValueError(str(exc)) from None


def last_checkpoint(checkpoints_dir: Path) -> Path | None:
    """The ``checkpoint-N`` directory with the highest N that has a trainer state (i.e. was fully written)."""
    if not Path(checkpoints_dir).is_dir():
        return None
    done = [p for p in Path(checkpoints_dir).glob("checkpoint-*") if (p / "trainer_state.json").exists()]
    return max(done, key=checkpoint_step, default=None)


def adopt_best_checkpoint(start: Path, checkpoints_dir: Path) -> Path | None:
    """Bring the best checkpoint recorded in ``start``'s trainer state into ``checkpoints_dir`` when it sits
    beside ``start`` (a resume from checkpoints copied elsewhere, e.g. pulled from a store). Returns the
    local best checkpoint, or None when the state records none or it is nowhere to be found."""
    state = Path(start) / "trainer_state.json"
    best = json.loads(state.read_text()).get("best_global_step") if state.exists() else None
    if not best:
        return None
    name = f"checkpoint-{best}"
    local, beside = Path(checkpoints_dir) / name, Path(start).parent / name
    if not local.is_dir() and beside.is_dir():
        shutil.copytree(beside, local)
    return local if local.is_dir() else None


def checkpoint_step(checkpoint: Path) -> int:
    state = Path(checkpoint) / "trainer_state.json"
    if state.exists():
        return int(json.loads(state.read_text())["global_step"])
    return int(Path(checkpoint).name.rsplit("-", 1)[-1])


def peak_memory_mb(device: str) -> float:
    """CUDA: peak bytes allocated by torch. CPU: the process's max RSS (its whole life, not only this run)."""
    import torch

    if device.startswith("cuda"):
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
