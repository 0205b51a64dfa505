"""Prefect tasks of the fine-tune flow: thin wrappers over ``loraforge.finetune`` and ``loraforge.tracking``.

Training is tagged ``gpu``: a tag concurrency limit on it (deployments/setup.py) keeps one training
per GPU. Its retries resume from the newest checkpoint mirrored to the store, not from scratch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import task
from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.logging import get_run_logger

from loraforge import finetune
from loraforge.finetune import FineTuneRun, TrainOutcome
from loraforge.tracking import Tracker
from tasks.common import IO_RETRIES, resolve_store


@task(name="start-tracking", tags=["fine-tune", "mlflow"], **IO_RETRIES)
def start_tracking(run: FineTuneRun, params: dict[str, Any], tracking_uri: str | None, dataset_uri: str) -> str:
    tracker = Tracker(run.tenant, run.project, tracking_uri)
    run_id = tracker.start_run(run.run_name, params, tags={"dataset_version": run.dataset_version})
    tracker.log_dataset(run_id, dataset_uri, run.dataset_version)
    return run_id


@task(
    name="train-adapter",
    tags=["fine-tune", "gpu", "training"],
    retries=2,
    retry_delay_seconds=10,
    timeout_seconds=24 * 3600,
)
def train_adapter(store: str, run: FineTuneRun, config: Any, tracking_uri: str | None) -> TrainOutcome:
    tracker = Tracker(run.tenant, run.project, tracking_uri)
    progress_id = create_progress_artifact(
        0.0, key=f"training-{run.tenant}-{run.project}", description=f"training progress of {run.run_name}"
    )
    logger = get_run_logger()

    def on_progress(step: int, max_steps: int, metrics: dict[str, float], eta_s: float | None) -> None:
        update_progress_artifact(progress_id, 100.0 * step / max(max_steps, 1))
        tracker.log_metrics(run.mlflow_run_id, [{"step": step, **metrics}])
        shown = ", ".join(f"{k}={v:.4g}" for k, v in metrics.items())
        logger.info("step %d/%d %s eta=%ss", step, max_steps, shown, round(eta_s) if eta_s else "?")

    with tracker.system_metrics(run.mlflow_run_id):
        outcome = finetune.train_adapter(resolve_store(store), run, config, on_progress)
    update_progress_artifact(progress_id, 100.0)
    return outcome


@task(name="evaluate-adapter", tags=["fine-tune", "gpu", "evaluation"], retries=1, timeout_seconds=6 * 3600)
def evaluate_adapter(
    store: str, run: FineTuneRun, trained: TrainOutcome, eval_config: Any, tracking_uri: str | None
) -> dict[str, Any]:
    tracker = Tracker(run.tenant, run.project, tracking_uri)
    champion = tracker.champion()
    champion_dir = None
    if champion is not None:
        champion_dir = tracker.download_version(champion, Path(run.scratch) / f"champion-v{champion.version}")
    report = finetune.evaluate_adapter(resolve_store(store), run, trained, eval_config, champion_dir)
    tracker.log_metrics(run.mlflow_run_id, [finetune.eval_metrics(report)], prefix="eval.")
    return report


@task(name="package-bundle", tags=["fine-tune", "package"], **IO_RETRIES)
def package_bundle(store: str, run: FineTuneRun, trained: TrainOutcome, report: dict[str, Any]) -> dict[str, str]:
    return finetune.package_adapter(resolve_store(store), run, trained, report)


@task(name="register-adapter", tags=["fine-tune", "mlflow"], **IO_RETRIES)
def register_adapter(
    run: FineTuneRun, trained: TrainOutcome, report: dict[str, Any], bundle: dict[str, str], tracking_uri: str | None
) -> dict[str, Any]:
    tracker = Tracker(run.tenant, run.project, tracking_uri)
    summary = {k: v for k, v in trained.summary.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    tracker.log_metrics(run.mlflow_run_id, [summary], prefix="summary.")
    tracker.log_artifacts(run.mlflow_run_id, Path(bundle["local_dir"]), "bundle")
    tags = {
        "dataset_version": run.dataset_version,
        "base_model": trained.base_model,
        "verdict": report["verdict"],
        "bundle_sha256": bundle["sha256"],
        "run_name": run.run_name,
    }
    version = tracker.register_adapter(run.mlflow_run_id, "bundle/adapters", tags, promote=report["verdict"] == "go")
    tracker.end_run(run.mlflow_run_id)
    return {
        "name": version.name,
        "version": int(version.version),
        "aliases": sorted(version.aliases),
        "run_url": f"{tracker.uri}#/experiments/{tracker.experiment_id()}/runs/{run.mlflow_run_id}",
    }
