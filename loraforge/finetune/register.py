"""MLflow side of a fine-tune: the run (params, dataset lineage, per-step and system metrics, eval
metrics), the bundle as run artifacts, and the registered adapter version with its aliases.

The first and last stages of the chain live here (``start`` and ``register``); train and evaluate
call the helpers below so that the Prefect layer never touches MLflow.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from loraforge import display
from loraforge.finetune.manifests import FineTuneConfig, FineTuneOutcome, FineTuneRun, Packaged
from loraforge.storage import ArtifactStore, write_json

ProgressFn = Callable[[int, int, dict[str, float], float | None], None]

# Training-summary numbers reported with the outcome (and in the run report).
SUMMARY_KEYS = (
    "duration_s",
    "train_tokens",
    "tokens_per_s",
    "peak_memory_mb",
    "estimated_cost_usd",
    "final_train_loss",
    "final_eval_loss",
    "steps",
    "resumed_from_step",
)


def tracker(run: FineTuneRun):  # type: ignore[no-untyped-def]  # -> loraforge.tracking.Tracker
    from loraforge.tracking import Tracker

    return Tracker(run.tenant, run.project, run.tracking_uri)


def start_tracking(store: ArtifactStore, run: FineTuneRun, config: FineTuneConfig) -> FineTuneRun:
    """Open the MLflow run (params: train recipe, evaluation, dataset version) with the dataset as input."""
    params = {
        "train": config.train_config().resolved(),
        "eval": config.evaluation.model_dump(),
        "dataset_version": run.dataset_version,
    }
    t = tracker(run)
    run_id = t.start_run(run.run_name, params, tags={"dataset_version": run.dataset_version})
    t.log_dataset(run_id, store.uri(run.dataset_key), run.dataset_version)
    return run.model_copy(update={"mlflow_run_id": run_id})


@contextmanager
def tracked_training(run: FineTuneRun, on_progress: ProgressFn | None) -> Iterator[ProgressFn]:
    """A progress callback that logs each step's metrics to the run, then calls ``on_progress``;
    system metrics (CPU/GPU/memory) are sampled while the block runs."""
    t = tracker(run)

    def progress(step: int, max_steps: int, metrics: dict[str, float], eta_s: float | None) -> None:
        t.log_metrics(run.mlflow_run_id, [{"step": step, **metrics}])
        if on_progress is not None:
            on_progress(step, max_steps, metrics, eta_s)

    with t.system_metrics(run.mlflow_run_id):
        yield progress


def champion_adapter(run: FineTuneRun) -> Path | None:
    """The adapter folder of the registry's current ``champion`` (downloaded), or None when there is none."""
    t = tracker(run)
    champion = t.champion()
    if champion is None:
        return None
    return t.download_version(champion, run.scratch / f"champion-v{champion.version}")


def eval_metrics(report: Mapping[str, Any]) -> dict[str, float]:
    """Flat numeric metrics (``adapter.token_f1``, ``base.eval_loss``, ...) for MLflow."""
    flat: dict[str, float] = {}
    for side, values in (report.get("metrics") or {}).items():
        for key, value in (values or {}).items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                flat[f"{side}.{key}"] = float(value)
    for key, value in (report.get("improvements") or {}).items():
        if isinstance(value, int | float):
            flat[f"improvement.{key}"] = float(value)
    return flat


def log_eval(run: FineTuneRun, metrics: Mapping[str, float]) -> None:
    tracker(run).log_metrics(run.mlflow_run_id, [dict(metrics)], prefix="eval.")


def register_adapter(store: ArtifactStore, packaged: Packaged, config: FineTuneConfig) -> FineTuneOutcome:
    """Log the summary and the bundle to the run, register the adapter (``champion`` only on go), end
    the run, and write the outcome to the store (where a triggering pipeline reads it back)."""
    evaluated = packaged.evaluated
    trained = evaluated.trained
    run = trained.run
    t = tracker(run)
    summary = {k: v for k, v in trained.summary.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    t.log_metrics(run.mlflow_run_id, [summary], prefix="summary.")
    bundle_dir = run.scratch / "registered-bundle"
    shutil.rmtree(bundle_dir, ignore_errors=True)
    t.log_artifacts(run.mlflow_run_id, store.get_dir(packaged.dir_key, bundle_dir), "bundle")
    tags = {
        "dataset_version": run.dataset_version,
        "base_model": trained.base_model,
        "verdict": evaluated.verdict,
        "bundle_sha256": packaged.sha256,
        "run_name": run.run_name,
    }
    version = t.register_adapter(run.mlflow_run_id, "bundle/adapters", tags, promote=evaluated.verdict == "go")
    t.end_run(run.mlflow_run_id)
    outcome = FineTuneOutcome(
        run_name=run.run_name,
        dataset_version=run.dataset_version,
        mlflow_run_id=run.mlflow_run_id,
        model_name=version.name,
        model_version=int(version.version),
        aliases=sorted(version.aliases),
        verdict=evaluated.verdict,
        reasons=evaluated.reasons,
        warnings=evaluated.warnings,
        bundle_uri=packaged.zip_uri,
        bundle_sha256=packaged.sha256,
        bundle_url=packaged.url,
        mlflow_run_url=display.mlflow_run_url(t.uri, t.experiment_id(), run.mlflow_run_id),  # "" when nobody serves it
        metrics={**evaluated.metrics, **{k: trained.summary.get(k) for k in SUMMARY_KEYS}},
    )
    write_json(store, run.outcome_key, outcome.model_dump())
    return outcome


def fail(run: FineTuneRun) -> None:
    """Mark the MLflow run FAILED (a stage raised): no run is left RUNNING forever."""
    if run.mlflow_run_id:
        tracker(run).end_run(run.mlflow_run_id, "FAILED")
