"""Prefect tasks of the fine-tune flow: one line each around ``loraforge.finetune`` stages.

Training is tagged ``gpu``: a tag concurrency limit on it (deployments/setup.py) keeps one training
per GPU. Its retries resume from the newest checkpoint mirrored to the store, not from scratch.
Only transient failures are retried (``tasks.common.retry_transient``). Training and evaluation have
no Prefect timeout: in a worker thread it could not interrupt them; a stuck run is cancelled from the UI.
"""

from __future__ import annotations

from uuid import UUID

from prefect import task
from prefect.artifacts import update_progress_artifact
from prefect.logging import get_run_logger

from loraforge.finetune import (
    EvalOutcome,
    FineTuneConfig,
    FineTuneOutcome,
    FineTuneRun,
    Packaged,
    TrainOutcome,
    export,
    register,
    stages,
)
from loraforge.finetune.stages import ProgressFn
from tasks.common import IO_RETRIES, RETRY_TRANSIENT, resolve_store


@task(name="start-tracking", tags=["fine-tune", "mlflow"], **IO_RETRIES)
def start_tracking(store: str, run: FineTuneRun, config: FineTuneConfig) -> FineTuneRun:
    return register.start_tracking(resolve_store(store), run, config)


@task(
    name="train-adapter",
    tags=["fine-tune", "gpu", "training"],
    retries=2,
    retry_delay_seconds=10,
    **RETRY_TRANSIENT,
)
def train_adapter(store: str, run: FineTuneRun, config: FineTuneConfig, progress: UUID | None = None) -> TrainOutcome:
    return stages.train_adapter(resolve_store(store), run, config, on_progress=_progress(progress, share=80.0))


@task(name="evaluate-adapter", tags=["fine-tune", "gpu", "evaluation"], retries=1, **RETRY_TRANSIENT)
def evaluate_adapter(store: str, trained: TrainOutcome, config: FineTuneConfig) -> EvalOutcome:
    return stages.evaluate_adapter(resolve_store(store), trained, config)


@task(name="package-bundle", tags=["fine-tune", "package"], **IO_RETRIES)
def package_bundle(store: str, evaluated: EvalOutcome, config: FineTuneConfig) -> Packaged:
    return stages.package_bundle(resolve_store(store), evaluated, config)


@task(name="export-merged", tags=["fine-tune", "gpu", "export"], retries=1, **RETRY_TRANSIENT)
def export_merged(store: str, packaged: Packaged, config: FineTuneConfig) -> Packaged:
    return export.export_merged(resolve_store(store), packaged, config)


@task(name="register-adapter", tags=["fine-tune", "mlflow"], **IO_RETRIES)
def register_adapter(store: str, packaged: Packaged, config: FineTuneConfig) -> FineTuneOutcome:
    return register.register_adapter(resolve_store(store), packaged, config)


def _progress(progress: UUID | None, share: float) -> ProgressFn:
    """Training moves the run's progress bar (``progress``, made by the flow) up to ``share`` percent,
    and logs one line per logged step."""
    logger = get_run_logger()

    def on_progress(step: int, max_steps: int, metrics: dict[str, float], eta_s: float | None) -> None:
        if progress is not None:
            update_progress_artifact(progress, share * step / max(max_steps, 1))
        shown = ", ".join(f"{k}={v:.4g}" for k, v in metrics.items())
        logger.info("step %d/%d %s eta=%ss", step, max_steps, shown, round(eta_s) if eta_s else "?")

    return on_progress
