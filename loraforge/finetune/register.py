"""MLflow side of a fine-tune: the run (params, dataset lineage, per-step and system metrics, eval
metrics, the evaluation samples as a table, a description with the verdict), the bundle as run
artifacts, and the adapter as a registered pyfunc model version with its aliases.

Tags on the run and the version: ``base_model`` is the name a user gives (``tiny``, a hub id, a path
they passed), ``base_model_path`` the resolved local folder when that differs (the tiny model's cache);
``verdict``; the run also carries whatever ``FineTuneRun.tags`` holds (the flow adds
``prefect.flow_run_id`` / ``prefect.flow_run_url``).

The first and last stages of the chain live here (``start`` and ``register``); train and evaluate
call the helpers below so that the Prefect layer never touches MLflow.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from loraforge import display
from loraforge.finetune.manifests import FineTuneConfig, FineTuneOutcome, FineTuneRun, Packaged, training_key
from loraforge.storage import ArtifactStore, read_json, write_json

log = logging.getLogger(__name__)

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
    "kept_step",
    "best_step",
    "best_eval_loss",
    "steps",
    "resumed_from_step",
)
EVAL_SAMPLES_TABLE = "eval_samples.json"


def tracker(run: FineTuneRun):  # type: ignore[no-untyped-def]  # -> loraforge.tracking.Tracker
    from loraforge.tracking import Tracker

    return Tracker(run.tenant, run.project, run.tracking_uri)


def start_tracking(store: ArtifactStore, run: FineTuneRun, config: FineTuneConfig) -> FineTuneRun:
    """Open the MLflow run (params: train recipe, evaluation, dataset version) with the dataset as input."""
    from loraforge.evaluate.probe_file import fetch_probe_file
    from loraforge.tracking import TRAINING_KEY_TAG

    if config.evaluation.probe_file:  # a bad probe file fails the run now, not after training
        fetch_probe_file(config.evaluation.probe_file, store, f"{run.tenant}/{run.project}", run.scratch / "probes")
    params = {
        "train": config.train_config().resolved(),
        "eval": config.evaluation.model_dump(),
        "dataset_version": run.dataset_version,
    }
    t = tracker(run)
    key = training_key(run.dataset_version, params["train"])
    base_model = portable_base_model(params["train"]["model"]["name"])
    tags = {**run.tags, "dataset_version": run.dataset_version, "base_model": base_model, TRAINING_KEY_TAG: key}
    description = f"Fine-tuning `{base_model}` on dataset `{run.dataset_version}`: not finished yet."
    run_id = t.start_run(run.run_name, params, tags=tags, description=description + _flow_link(run))
    for stale in t.end_interrupted(key, run.run_name):
        log.info("MLflow run %s of an interrupted attempt of this training marked KILLED", stale)
    t.log_dataset(run_id, store.uri(run.dataset_key), run.dataset_version)
    return run.model_copy(update={"mlflow_run_id": run_id, "training_key": key})


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


def log_kept_checkpoint(run: FineTuneRun, summary: Mapping[str, Any]) -> None:
    """Which step the adapter holds, on the run: tags ``kept_checkpoint`` (best | last), ``kept_step``,
    ``best_step``; metrics ``best_step`` and ``best_eval_loss`` (at the best step, so they chart with the curve)."""
    t = tracker(run)
    tags = {"kept_checkpoint": str(summary.get("kept")), "kept_step": str(summary.get("kept_step"))}
    if summary.get("best_step"):
        tags["best_step"] = str(summary["best_step"])
        t.log_metrics(
            run.mlflow_run_id,
            [
                {
                    "step": summary["best_step"],
                    "best_step": summary["best_step"],
                    "best_eval_loss": summary.get("best_eval_loss"),
                }
            ],
        )
    if summary.get("early_stopped"):
        tags["early_stopped_at_step"] = str(summary.get("steps"))
    t.set_tags(run.mlflow_run_id, tags)


def log_merged(run: FineTuneRun, merged_dir: Path, uri: str) -> None:
    """The merged model folder as artifacts of the run (``merged/``), and where it lies in the store."""
    t = tracker(run)
    t.log_artifacts(run.mlflow_run_id, merged_dir, "merged")
    t.set_tags(run.mlflow_run_id, {"merged_model": uri})


def portable_base_model(name: str | None) -> str:
    """The base model as a user names it: ``tiny`` for the built-in tiny Llama, else the id/path given."""
    from loraforge.basemodel import TINY_NAMES

    return "tiny" if name in TINY_NAMES else str(name)


def _flow_link(run: FineTuneRun) -> str:
    url = run.tags.get("prefect.flow_run_url")
    return f"\n\n[Prefect flow run]({url})" if url else ""


def describe(verdict: str, reasons: list[str], warnings: list[str], about: str) -> str:
    """Markdown for the run and the model version: the verdict, what it means, the gate's reasons."""
    meaning = {
        "go": "promoted: alias `champion` points at this adapter",
        "no-go": "not promoted: the gate failed",
        "inconclusive": "not promoted: too little evidence to judge",
    }.get(verdict, "not promoted")
    lines = [f"**Verdict: {verdict}** ({meaning}).", "", about]
    if reasons:
        lines += ["", "**Gate**", *(f"- {r}" for r in reasons)]
    if warnings:
        lines += ["", "**Warnings**", *(f"- {w}" for w in warnings)]
    return "\n".join(lines)


def sample_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per generated evaluation sample (held-out, then the probe file's questions): id, kind, prompt,
    reference, then per variant (base, adapter, champion) its output and scores (``adapter_output``,
    ``adapter_token_f1``, ``adapter_refused``, ``adapter_grounding_n_unsupported``); lists joined by ", "."""
    rows = []
    for sample in [*(report.get("samples") or []), *(report.get("probe_samples") or [])]:
        row: dict[str, Any] = {k: sample.get(k) for k in ("id", "kind", "prompt", "reference")}
        for variant, output in (sample.get("outputs") or {}).items():
            row[f"{variant}_output"] = output
            for metric, value in ((sample.get("scores") or {}).get(variant) or {}).items():
                parts = value.items() if isinstance(value, dict) else [("", value)]
                for sub, v in parts:
                    if sub == "best":  # per-sentence similarities: in eval_report.json, too long for a cell
                        continue
                    row[f"{variant}_{metric}_{sub}" if sub else f"{variant}_{metric}"] = (
                        ", ".join(map(str, v)) if isinstance(v, list) else v
                    )
        rows.append(row)
    return rows


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
    for key, value in (report.get("improvement_pct") or {}).items():  # signed by direction: + is better
        if isinstance(value, int | float):
            flat[f"improvement_pct.{key}"] = float(value)
    return flat


def log_eval(run: FineTuneRun, metrics: Mapping[str, float]) -> None:
    tracker(run).log_metrics(run.mlflow_run_id, [dict(metrics)], prefix="eval.")


def register_adapter(store: ArtifactStore, packaged: Packaged, config: FineTuneConfig) -> FineTuneOutcome:
    """Log the summary, the evaluation samples and the bundle to the run, log the adapter as a pyfunc
    model and register it (``champion`` only on go), describe the run, end it, and write the outcome to
    the store (where a triggering pipeline reads it back)."""
    import pandas as pd

    from loraforge.finetune.stages import fetch_dataset
    from loraforge.serving.pyfunc import save_adapter_model

    evaluated = packaged.evaluated
    trained = evaluated.trained
    run = trained.run
    t = tracker(run)
    summary = {k: v for k, v in trained.summary.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    t.log_metrics(run.mlflow_run_id, [summary], prefix="summary.")
    rows = sample_rows(read_json(store, evaluated.report_key))
    if rows:
        t.log_table(run.mlflow_run_id, pd.DataFrame(rows), EVAL_SAMPLES_TABLE)
    bundle_dir = run.scratch / "registered-bundle"
    shutil.rmtree(bundle_dir, ignore_errors=True)
    t.log_artifacts(run.mlflow_run_id, store.get_dir(packaged.dir_key, bundle_dir), "bundle")

    model_config = (trained.summary.get("config") or {}).get("model") or {}
    base_model = portable_base_model(model_config.get("name", trained.base_model))
    tags = {"base_model": base_model, "verdict": evaluated.verdict}
    if trained.base_model != base_model:
        tags["base_model_path"] = trained.base_model
    dataset = fetch_dataset(store, run)
    prompts = dataset.example_prompts(n=1)

    def save(folder: Path, mlflow_model: Any) -> None:
        save_adapter_model(
            bundle_dir / "adapters",
            folder,
            base_model=trained.base_model,
            base_model_name=base_model,
            system_prompt=dataset.system_prompt,
            mlflow_model=mlflow_model,
            **({"example_prompt": prompts[0]} if prompts else {}),
        )

    model = t.log_model(run.mlflow_run_id, save, tags={**tags, "run_name": run.run_name}, model_type="lora-adapter")
    about = f"LoRA adapter of `{base_model}` trained on dataset `{run.dataset_version}` (run `{run.run_name}`)."
    version = t.register_adapter(
        run.mlflow_run_id,
        model,
        {
            **tags,
            "dataset_version": run.dataset_version,
            "bundle_sha256": packaged.sha256,
            "run_name": run.run_name,
        },
        promote=evaluated.verdict == "go",
        description=describe(evaluated.verdict, evaluated.reasons, evaluated.warnings, about),
    )
    about += f" Registered as `{version.name}` version {version.version}."
    description = describe(evaluated.verdict, evaluated.reasons, evaluated.warnings, about) + _flow_link(run)
    t.set_tags(run.mlflow_run_id, tags, description=description)
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
        merged_uri=packaged.merged.uri if packaged.merged else "",
    )
    write_json(store, run.outcome_key, outcome.model_dump())
    return outcome


def fail(run: FineTuneRun) -> None:
    """Mark the MLflow run FAILED (a stage raised): no run is left RUNNING forever."""
    if run.mlflow_run_id:
        t = tracker(run)
        description = "**Failed**: a stage raised before the adapter was registered (see the flow run's logs)."
        t.set_tags(run.mlflow_run_id, {}, description=description + _flow_link(run))
        t.end_run(run.mlflow_run_id, "FAILED")
