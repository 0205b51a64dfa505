"""The training loop: dataset + base model + TrainConfig -> LoRA adapter, in one linear function.

Read top to bottom like trl's ``scripts/sft.py``: load the splits, resolve and load the base model
(NF4 4-bit by default), hand both to TRL's ``SFTTrainer`` with a PEFT LoRA config, train (resuming
from the newest checkpoint if there is one), save the adapter. Around that, three production concerns:

- resume: checkpoints (with optimizer, scheduler and RNG state) every ``save_steps`` under
  ``output_dir/checkpoints``; a rerun on the same ``output_dir`` continues from the newest one, or from
  ``resume_from`` (a checkpoint pulled from the artifact store). ``on_checkpoint`` syncs each new one.
- CUDA out-of-memory: halve the per-device batch, raise grad-accum to keep the effective batch, and
  continue from the newest checkpoint; every adjustment is recorded in the result.
- metrics: every log event (loss, eval_loss, lr, grad_norm, tokens/s) goes to ``on_progress`` and
  into ``TrainResult.metrics``; the summary adds duration, tokens, peak memory and estimated cost.
"""

from __future__ import annotations

import gc
import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from loraforge.basemodel import ensure_base_model, loss_masking, resolve_device
from loraforge.dataset.version import DatasetVersion
from loraforge.offline import ensure_offline
from loraforge.train.callbacks import CheckpointFn, CheckpointHook, MetricsRecorder, ProgressFn
from loraforge.train.config import TrainConfig
from loraforge.train.ranks import barrier, is_main, launched, rank_device
from loraforge.train.sft import adopt_best_checkpoint, build_trainer, checkpoint_step, last_checkpoint, peak_memory_mb

log = logging.getLogger(__name__)


@dataclass
class TrainResult:
    """``adapter_dir``: PEFT adapter + tokenizer. ``metrics``: one row per log event (train and eval),
    the whole run's curve even across resumes. ``summary``: duration_s (this call), train_tokens (the
    run's non-padding tokens), tokens_per_s (in the training loop of the last attempt), peak_memory_mb,
    estimated_cost_usd, final losses, steps, resumed_from_step, oom_retries, the config."""

    adapter_dir: Path
    metrics: list[dict[str, float]]
    summary: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "adapter_dir": str(self.adapter_dir)}


def train(
    dataset_dir: str | Path,
    base_model: str | None,
    config: TrainConfig | None,
    output_dir: str | Path,
    *,
    on_progress: ProgressFn | None = None,
    on_checkpoint: CheckpointFn | None = None,
    resume: bool = True,
    resume_from: str | Path | None = None,
    callbacks: Sequence[Any] = (),
    model_cache: str | Path | None = None,
) -> TrainResult:
    """Fine-tune a LoRA adapter on ``<dataset_dir>/hf`` (the DatasetDict written by the dataset stage).

    ``base_model``: a resolved HF id/path; ``None`` resolves ``config.model.name`` with ``ensure_base_model``
    (the tiny model is built from the train split, cached under ``model_cache``, default
    ``output_dir/base-models``). ``resume``: continue from the newest checkpoint in ``output_dir``;
    ``resume_from`` takes precedence. ``callbacks``: extra ``TrainerCallback`` objects, kept across
    OOM retries. The adapter lands in ``output_dir/adapter``; result JSON in ``output_dir/train_result.json``.

    With ``loraforge.distributed.processes`` > 1 this process launches the ranks (``launch.launch``) and
    keeps the callbacks; inside a launched rank only rank 0 reports progress and checkpoints and saves
    the tokenizer and the result.
    """
    ensure_offline()
    import torch

    config = config or TrainConfig()
    output_dir = Path(output_dir)
    checkpoints = output_dir / "checkpoints"
    device = rank_device(resolve_device(config.model.device))

    # 1. Data: keep_in_memory so TRL's map() caches never write into the (shared) dataset directory.
    dataset = DatasetVersion(dataset_dir)
    splits = dataset.splits()
    if len(splits["train"]) == 0:
        raise ValueError(f"{dataset_dir}: the train split is empty")

    # 2. Base model: a hub id / path as is, or the tiny Llama built from the train split.
    if base_model is None:
        base_model = ensure_base_model(
            config.model.name, dataset.texts(), Path(model_cache or output_dir / "base-models")
        )

    # Across processes: the ranks train, this process reports (launch.py). Inside a rank: go on below.
    if not launched():
        from loraforge.train.launch import launch, process_count

        processes = process_count(config)
        if processes > 1:
            if callbacks:
                raise ValueError("callbacks cannot cross into launched processes; use on_progress/on_checkpoint")
            return launch(
                dataset.path,
                base_model,
                config,
                output_dir,
                processes,
                on_progress=on_progress,
                on_checkpoint=on_checkpoint,
                resume=resume,
                resume_from=resume_from,
            )

    # 3. Where to start: a checkpoint pulled from the store, else the newest local one.
    start = Path(resume_from) if resume_from else (last_checkpoint(checkpoints) if resume else None)
    resumed_from_step = checkpoint_step(start) if start else 0
    if start:
        adopt_best_checkpoint(start, checkpoints)  # best, not last, survives a resume on another machine

    recorder = MetricsRecorder(on_progress)
    # in a launch every rank needs the hook: it holds them at a barrier until all have written the checkpoint
    mirror = [CheckpointHook(on_checkpoint)] if on_checkpoint or launched() else []
    hooks = [recorder, *mirror, *callbacks]
    batch, accum = config.batch
    oom_retries: list[dict[str, int]] = []
    if device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()

    # 4. Train. On CUDA OOM: halve the micro-batch, keep the effective batch, go on from the last checkpoint.
    while True:
        trainer = build_trainer(base_model, splits, config, checkpoints, batch=batch, accum=accum, callbacks=hooks)
        try:
            trainer.train(resume_from_checkpoint=str(start) if start else None)
            break
        except torch.OutOfMemoryError:
            if batch == 1 or len(oom_retries) >= config.loraforge.max_oom_retries or launched():
                raise  # across processes the other ranks are already waiting in a collective: stop the launch
            at_step = trainer.state.global_step
        effective = batch * accum
        batch = batch // 2
        accum = math.ceil(effective / batch)
        oom_retries.append({"batch": batch, "grad_accum": accum, "at_step": at_step})
        start = last_checkpoint(checkpoints) or start
        del trainer  # outside the except block, so the traceback no longer pins the tensors
        gc.collect()
        if device.startswith("cuda"):
            torch.cuda.empty_cache()

    # 5. Final evaluation (unless the last step just ran one), then the adapter and the tokenizer. With
    # load_best_model_at_end the trainer has already swapped in the checkpoint with the best eval loss.
    state = trainer.state
    evaluated = any("eval_loss" in row and row["step"] == state.global_step for row in recorder.history)
    if trainer.eval_dataset is not None and not evaluated:
        trainer.evaluate()
    adapter_dir = output_dir / "adapter"
    if trainer.is_fsdp_enabled:  # checkpoints are sharded; the adapter is gathered whole, for from_pretrained
        trainer.accelerator.state.fsdp_plugin.set_state_dict_type("FULL_STATE_DICT")
    trainer.save_model(str(adapter_dir))  # every rank joins (FSDP gathers); only the main process writes
    barrier()
    if not is_main():
        return TrainResult(adapter_dir=adapter_dir, metrics=recorder.history)
    trainer.processing_class.save_pretrained(adapter_dir)
    (adapter_dir / "training_args.bin").unlink(missing_ok=True)  # a pickle; the config is in train_result.json

    duration = time.perf_counter() - started
    session_tokens = state.num_input_tokens_seen - recorder.session_start_tokens
    on_gpu = device.startswith("cuda")
    processes = int(trainer.args.world_size)
    gpu_hours = duration / 3600 * processes
    summary = {
        "duration_s": round(duration, 3),
        "train_tokens": int(state.num_input_tokens_seen),
        "tokens_per_s": round(session_tokens / recorder.session_seconds, 2) if recorder.session_seconds else None,
        "peak_memory_mb": round(peak_memory_mb(device), 1),
        "peak_memory_source": "torch.cuda.max_memory_allocated" if on_gpu else "process max RSS",
        "estimated_cost_usd": round(gpu_hours * config.loraforge.gpu_hourly_cost_usd, 4) if on_gpu else 0.0,
        "cost_formula": f"duration_s / 3600 * processes * {config.loraforge.gpu_hourly_cost_usd} USD/h on GPU, else 0",
        "final_train_loss": recorder.last("loss"),
        "final_eval_loss": recorder.last("eval_loss"),
        **kept_checkpoint(trainer, recorder.history),
        "steps": state.global_step,
        "max_steps": state.max_steps,
        "resumed_from_step": resumed_from_step,
        "oom_retries": oom_retries,
        "per_device_train_batch_size": batch,
        "gradient_accumulation_steps": accum,
        "loss_masking": loss_masking(trainer.processing_class),
        "base_model": base_model,
        "device": device,
        "processes": processes,
        "config": config.resolved(),
    }
    result = TrainResult(adapter_dir=adapter_dir, metrics=recorder.history, summary=summary)
    (output_dir / "train_result.json").write_text(json.dumps(result.to_dict(), indent=2, default=str))
    return result


def kept_checkpoint(trainer: Any, history: list[dict[str, float]]) -> dict[str, Any]:
    """Which step's weights the adapter holds and why: ``kept`` is "best" (the checkpoint with the best
    ``metric_for_best_model``, loaded back by the trainer) or "last"; ``best_step`` / ``best_eval_loss``
    the best evaluated step (None without evaluation); ``early_stopped`` whether training stopped before
    ``max_steps``."""
    state, args = trainer.state, trainer.args
    loaded = bool(args.load_best_model_at_end and state.best_model_checkpoint)
    kept_step = checkpoint_step(Path(state.best_model_checkpoint)) if loaded else state.global_step
    best_step = state.best_global_step or None
    best_eval = next((row["eval_loss"] for row in history if row["step"] == best_step and "eval_loss" in row), None)
    if args.load_best_model_at_end and best_step and kept_step != best_step:
        log.warning("the best checkpoint (step %s) was not available: the adapter holds step %s", best_step, kept_step)
    return {
        "kept": "best" if loaded else "last",
        "kept_step": kept_step,
        "best_step": best_step,
        "best_eval_loss": best_eval,
        "metric_for_best_model": args.metric_for_best_model if best_step else None,
        "early_stopped": state.global_step < state.max_steps,
    }
