"""Trainer callbacks: per-step metrics with progress/ETA, and the checkpoint hook for an artifact store."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

log = logging.getLogger(__name__)

# on_progress(step, max_steps, metrics, eta_s): the Prefect layer updates a progress artifact, MLflow logs metrics.
ProgressFn = Callable[[int, int, dict[str, float], float | None], None]
CheckpointFn = Callable[[Path], None]

KEPT = ("loss", "eval_loss", "learning_rate", "grad_norm", "epoch", "num_input_tokens_seen", "tokens_per_s")


class MetricsRecorder(TrainerCallback):
    """Record every log event as ``{step, loss | eval_loss, learning_rate, grad_norm, epoch, tokens_per_s, ...}``.

    One recorder lives across OOM retries and resumes: on (re)start it drops rows past the checkpoint it
    resumes from, and after a process restart it seeds itself from the checkpoint's ``log_history``, so
    ``history`` is the run's whole curve. ``tokens_per_s`` (non-padding tokens since the previous log over
    the wall time since then) is also written into ``state.log_history`` so checkpoints keep it.
    """

    def __init__(self, on_progress: ProgressFn | None = None) -> None:
        self.on_progress = on_progress
        self.history: list[dict[str, float]] = []
        self.session_start_step = 0
        self.session_start_tokens = 0
        self.session_seconds = 0.0
        self._t0 = 0.0
        self._last_time = 0.0
        self._last_tokens = 0

    def on_train_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any) -> None:
        self.history = [row for row in self.history if row["step"] <= state.global_step]
        if not self.history and state.global_step > 0:
            self.history = [_row(entry) for entry in state.log_history if _row(entry)]
        self.session_start_step = state.global_step
        self.session_start_tokens = self._last_tokens = state.num_input_tokens_seen
        self._t0 = self._last_time = time.perf_counter()

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict[str, float] | None = None,
        **kw: Any,
    ) -> None:
        logs = dict(logs or {})
        if "loss" in logs:  # a training log: measure throughput since the previous one
            now, tokens = time.perf_counter(), state.num_input_tokens_seen
            if now > self._last_time:
                logs["tokens_per_s"] = (tokens - self._last_tokens) / (now - self._last_time)
            self._last_time, self._last_tokens = now, tokens
            if state.log_history and "tokens_per_s" in logs:
                state.log_history[-1]["tokens_per_s"] = logs["tokens_per_s"]
        row = _row({**logs, "step": state.global_step})
        if not row:
            return
        self.history.append(row)
        if self.on_progress is not None and state.is_world_process_zero:  # one report per step, not per rank
            self.on_progress(state.global_step, state.max_steps, row, self.eta_s(state))

    def on_train_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any) -> None:
        self.session_seconds = time.perf_counter() - self._t0

    def eta_s(self, state: TrainerState) -> float | None:
        done = state.global_step - self.session_start_step
        if done <= 0:
            return None
        return (time.perf_counter() - self._t0) / done * max(state.max_steps - state.global_step, 0)

    def last(self, key: str) -> float | None:
        return next((row[key] for row in reversed(self.history) if key in row), None)


def _row(entry: dict[str, Any]) -> dict[str, float]:
    """A log entry reduced to the metrics we keep; empty when it is not a train/eval log (e.g. the summary)."""
    if "loss" not in entry and "eval_loss" not in entry:
        return {}
    row = {k: float(entry[k]) for k in KEPT if isinstance(entry.get(k), (int, float))}
    row["step"] = int(entry.get("step", 0))
    return row


class CheckpointHook(TrainerCallback):
    """Call ``on_checkpoint(checkpoint_dir)`` after each checkpoint is written (e.g. to sync it to a store).

    Errors propagate: a checkpoint that silently failed to sync would make a later resume lie. Across
    processes every rank holds one: all wait until each has written its part (RNG state, FSDP shards),
    then only rank 0 reports the checkpoint.
    """

    def __init__(self, on_checkpoint: CheckpointFn | None) -> None:
        self.on_checkpoint = on_checkpoint

    def on_save(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any) -> None:
        from loraforge.train.ranks import barrier

        barrier()
        if self.on_checkpoint is not None and state.is_world_process_zero:
            self.on_checkpoint(Path(args.output_dir) / f"checkpoint-{state.global_step}")


class BestCheckpoint(TrainerCallback):
    """On a resume, point the trainer at the best checkpoint in *this* run directory.

    A checkpoint's ``trainer_state.json`` records the best checkpoint by the absolute path of the machine
    that wrote it; a resume on another worker (a checkpoint pulled from the store) would find no such
    folder, and transformers would then forget the best step and ship the last one. The caller brings
    ``checkpoint-<best_global_step>`` into ``output_dir`` (``loop.adopt_best_checkpoint``); this hook
    re-points the state at it before training goes on.
    """

    def on_train_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any) -> None:
        if not (args.load_best_model_at_end and state.best_global_step):
            return
        local = Path(args.output_dir) / f"checkpoint-{state.best_global_step}"
        if local.is_dir():
            state.best_model_checkpoint = str(local)
        elif state.best_model_checkpoint is None:
            log.warning(
                "the best checkpoint so far (step %d) is not in %s: the adapter will be the best of the "
                "checkpoints from here on, or the last step",
                state.best_global_step,
                args.output_dir,
            )
