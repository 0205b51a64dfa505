"""From a TrainConfig to a ready TRL ``SFTTrainer``, plus checkpoint and memory helpers."""

from __future__ import annotations

import json
import resource
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loraforge.basemodel import load_model, load_tokenizer, loss_masking, resolve_device
from loraforge.train.config import TrainConfig

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

    ``batch``/``accum`` override the config's micro-batch and grad-accum (the OOM fallback uses them).
    The trainer's datasets are already tokenized with their ``labels`` (-100 outside the loss).
    """
    from transformers import PrinterCallback
    from trl import SFTTrainer

    device = resolve_device(config.device)
    tokenizer = load_tokenizer(base_model)
    masking = loss_masking(tokenizer)
    train_ds = sft_dataset(splits["train"], masking)
    eval_ds = sft_dataset(splits["validation"], masking) if len(splits.get("validation", [])) else None
    model = load_model(base_model, config.quantization, device, gradient_checkpointing=config.gradient_checkpointing)
    args = sft_config(
        config,
        checkpoints_dir,
        device,
        batch or config.per_device_train_batch_size,
        accum or config.gradient_accumulation_steps,
        masking,
        has_eval=eval_ds is not None,
    )
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


def sft_config(
    config: TrainConfig, output_dir: Path, device: str, batch: int, accum: int, masking: str, *, has_eval: bool
) -> SFTConfig:
    """Translate a TrainConfig into TRL's SFTConfig. TRL's defaults differ from transformers': set them all."""
    import torch
    from trl import SFTConfig

    on_gpu = device.startswith("cuda")
    bf16 = config.bf16 if config.bf16 is not None else on_gpu and torch.cuda.is_bf16_supported()
    evaluate_steps = has_eval and config.eval_steps is not None
    managed = dict(
        output_dir=str(output_dir),
        num_train_epochs=config.num_train_epochs,
        max_steps=config.max_steps or -1,
        per_device_train_batch_size=batch,
        per_device_eval_batch_size=config.per_device_eval_batch_size or batch,
        gradient_accumulation_steps=accum,
        learning_rate=config.learning_rate,
        lr_scheduler_type=config.lr_scheduler_type,
        warmup_steps=config.warmup_ratio,  # transformers 5 dropped warmup_ratio: a float < 1 is the ratio
        weight_decay=config.weight_decay,
        max_grad_norm=config.max_grad_norm,
        optim=config.optim,
        bf16=bf16,  # TRL defaults bf16=True, which on CPU means slow autocast
        fp16=False,
        use_cpu=not on_gpu,
        # transformers 5.23 renamed gradient_checkpointing; TRL still defaults the old name to True
        activation_checkpointing=config.gradient_checkpointing,
        activation_checkpointing_kwargs={"use_reentrant": False},
        max_length=config.max_seq_length,
        packing=config.packing,  # TRL 1.16: best-fit-decreasing packing, trained padding-free
        assistant_only_loss=masking == "assistant_only",
        completion_only_loss=True if masking == "completion_only" else None,
        logging_steps=config.logging_steps,
        logging_first_step=True,
        eval_strategy="steps" if evaluate_steps else "no",
        eval_steps=config.eval_steps if evaluate_steps else None,
        save_strategy="steps",
        save_steps=config.save_steps,
        save_total_limit=config.save_total_limit,
        save_only_model=False,  # keep optimizer/scheduler/RNG state: a resume must continue, not restart
        include_num_input_tokens_seen="non_padding",
        seed=config.seed,
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    return SFTConfig(**managed, **_extra("sft", config.sft, managed))


def lora_config(config: TrainConfig) -> LoraConfig:
    from peft import LoraConfig

    managed = dict(
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(config.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
    )
    return LoraConfig(**managed, **_extra("lora", config.lora, managed))


def _extra(section: str, extra: dict[str, Any], managed: dict[str, Any]) -> dict[str, Any]:
    clash = sorted(set(extra) & set(managed))
    if clash:
        raise ValueError(f"{section}: {clash} are set from the recipe's own fields or by loraforge; set them there")
    return extra


def check_arguments(config: TrainConfig) -> None:
    """Build the SFTConfig and LoraConfig of ``config`` once, so that a misspelt or invalid ``sft``/``lora``
    argument fails when the recipe loads, not when training starts."""
    import tempfile

    batch, accum = config.per_device_train_batch_size, config.gradient_accumulation_steps
    try:
        sft_config(config, Path(tempfile.gettempdir()), "cpu", batch, accum, "assistant_only", has_eval=True)
        lora_config(config)
    except TypeError as exc:  # an unknown keyword argument
        raise ValueError(str(exc)) from None


def last_checkpoint(checkpoints_dir: Path) -> Path | None:
    """The ``checkpoint-N`` directory with the highest N that has a trainer state (i.e. was fully written)."""
    if not Path(checkpoints_dir).is_dir():
        return None
    done = [p for p in Path(checkpoints_dir).glob("checkpoint-*") if (p / "trainer_state.json").exists()]
    return max(done, key=checkpoint_step, default=None)


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
