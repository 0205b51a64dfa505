"""The fine-tune stages over the artifact store: train → evaluate → package (register: ``register.py``).

Like ``loraforge.prep``, each stage is ``stage(store, input manifest, config) -> manifest``: it does
its work in a local scratch folder and writes results back to the store, so a task can run (or be
retried) on any worker. Checkpoints are mirrored to the store as they are written: a retried training
task on another machine pulls the newest one and resumes from it.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from loraforge.dataset.version import DatasetVersion
from loraforge.finetune import register
from loraforge.finetune.manifests import EvalOutcome, FineTuneConfig, FineTuneRun, Packaged, TrainOutcome
from loraforge.finetune.register import ProgressFn
from loraforge.settings import Settings
from loraforge.storage import ArtifactStore, read_json, write_json

log = logging.getLogger(__name__)


def fetch_dataset(store: ArtifactStore, run: FineTuneRun) -> DatasetVersion:
    """The run's dataset version on local disk (copied from the store once per run)."""
    try:
        return DatasetVersion.fetch(store, run.dataset_key, run.scratch / "dataset")
    except FileNotFoundError:
        raise FileNotFoundError(f"dataset {run.dataset_version} not found for {run.tenant}/{run.project}") from None


def base_model_for(name: str | None, dataset: DatasetVersion) -> str:
    """A hub id / local path as is; the tiny Llama (built from the train split, cached) for "tiny"."""
    from loraforge.basemodel import ensure_base_model

    return ensure_base_model(name, dataset.texts(), Settings().model_cache_root)


def train_adapter(
    store: ArtifactStore, run: FineTuneRun, config: FineTuneConfig, on_progress: ProgressFn | None = None
) -> TrainOutcome:
    """Train (resuming from the newest checkpoint in the store, if any) and upload the adapter.

    Every logged step goes to the MLflow run (with system metrics) and then to ``on_progress``.
    """
    from loraforge.train import train as train_loop

    train_config = config.train_config()
    dataset = fetch_dataset(store, run)
    base_model = base_model_for(train_config.model.name, dataset)
    output = run.scratch / "train"
    base, generation = _checkpoint_generation(store, run)
    checkpoints = f"{base}/{generation}"
    resume_from = _pull_latest_checkpoint(store, checkpoints, output)

    def mirror(checkpoint: Path) -> None:
        store.put_dir(f"{checkpoints}/{checkpoint.name}", checkpoint)
        # the marker goes last: a worker that dies mid-upload leaves no checkpoint that looks complete
        store.put_bytes(f"{checkpoints}/{checkpoint.name}.complete", b"")

    with register.tracked_training(run, on_progress) as progress:
        result = train_loop(
            dataset.path,
            base_model,
            train_config,
            output,
            on_progress=progress,
            on_checkpoint=mirror,
            resume_from=resume_from,
        )
    summary = result.summary
    log.info(
        "trained %d steps in %.0f s: final train loss %.4g, eval loss %.4g; the adapter is the %s step (%s)",
        summary["steps"],
        summary["duration_s"],
        summary["final_train_loss"] or float("nan"),
        summary["final_eval_loss"] or float("nan"),
        summary["kept"],
        summary["kept_step"],
    )
    register.log_kept_checkpoint(run, summary)
    adapter_key = f"{run.prefix}/adapter"
    store.put_dir(adapter_key, result.adapter_dir)
    # this training is done: the next run of the same data and settings trains anew
    store.put_bytes(f"{base}/{FINISHED}{generation}", run.run_name.encode())
    write_json(store, f"{run.prefix}/train_result.json", {"metrics": result.metrics, "summary": result.summary})
    return TrainOutcome(
        run=run,
        adapter_key=adapter_key,
        base_model=base_model,
        metrics=result.metrics,
        summary=json.loads(json.dumps(result.summary, default=str)),
    )


FINISHED = "finished-"


def _checkpoint_generation(store: ArtifactStore, run: FineTuneRun) -> tuple[str, int]:
    """Where this training mirrors its checkpoints: under its content key (``run.training_key``), in the
    generation after the last finished one. A run of the same data and settings started after a crash
    (kill -9, a lost worker: a new flow run, a new run name) finds the interrupted run's checkpoints there
    and resumes; once a training finishes, a deliberate rerun starts a new generation and trains anew."""
    base = run.checkpoints_prefix
    finished = sum(1 for key in store.list(base) if key.rsplit("/", 1)[1].startswith(FINISHED))
    return base, finished


def _pull_latest_checkpoint(store: ArtifactStore, prefix: str, output: Path) -> Path | None:
    """The newest checkpoint under ``prefix``: local if this worker has it, else pulled from the store;
    and beside it the best checkpoint its trainer state records (``load_best_model_at_end``), if missing."""
    from loraforge.train.sft import checkpoint_step, last_checkpoint

    local = last_checkpoint(output / "checkpoints")
    marker = ".complete"
    names = [key.rsplit("/", 1)[1][: -len(marker)] for key in store.list(prefix) if key.endswith(marker)]
    remote = max(names, key=lambda n: checkpoint_step(Path(n)), default=None)
    if remote is None or (local is not None and checkpoint_step(local) >= checkpoint_step(Path(remote))):
        latest = local
    else:
        latest = _pull(store, f"{prefix}/{remote}", output / "checkpoints" / remote)
    if latest is not None:  # best, not last: the best checkpoint so far must be here too, or it is lost
        best = json.loads((latest / "trainer_state.json").read_text()).get("best_global_step")
        name = f"checkpoint-{best}"
        if best and name in names and not (output / "checkpoints" / name / "trainer_state.json").exists():
            _pull(store, f"{prefix}/{name}", output / "checkpoints" / name)
    return latest


def _pull(store: ArtifactStore, key: str, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    return store.get_dir(key, target)


def evaluate_adapter(store: ArtifactStore, trained: TrainOutcome, config: FineTuneConfig) -> EvalOutcome:
    """Base vs adapter (vs the registry's champion) on the held-out split; the report goes to the store."""
    from loraforge.evaluate import EvalReport
    from loraforge.evaluate import evaluate as evaluate_variants
    from loraforge.evaluate.gate import training_warnings
    from loraforge.evaluate.probe_file import fetch_probe_file

    run = trained.run
    dataset = fetch_dataset(store, run)
    adapter_dir = store.get_dir(trained.adapter_key, run.scratch / "adapter")
    # resolved again on this worker: a tiny base model built by the training worker may not be here
    base_model = base_model_for(trained.summary["config"]["model"]["name"], dataset)
    evaluation = config.evaluation
    if evaluation.probe_file:  # a store: key is fetched to this worker; a local path must exist here
        local = fetch_probe_file(evaluation.probe_file, store, f"{run.tenant}/{run.project}", run.scratch / "probes")
        evaluation = evaluation.model_copy(update={"probe_file": str(local)})
    report = evaluate_variants(
        base_model,
        adapter_dir,
        dataset.path,
        evaluation,
        champion_adapter_dir=register.champion_adapter(run),
        device=trained.summary.get("device", "cpu"),
    )
    report.config["probe_file"] = config.evaluation.probe_file
    epochs = max((row["epoch"] for row in trained.metrics if "epoch" in row), default=None)
    report.warnings = training_warnings(len(dataset.split("train")), epochs, config.evaluation.gate)
    data = json.loads(report.to_json())
    report_key = f"{run.prefix}/eval_report.json"
    write_json(store, report_key, data)
    metrics = register.eval_metrics(data)
    register.log_eval(run, metrics)
    reasons = EvalReport.from_dict(data).reasons
    log.info("gate: %s\n  %s", report.verdict, "\n  ".join(reasons))
    for warning in report.warnings:
        log.warning("%s", warning)
    return EvalOutcome(
        trained=trained,
        report_key=report_key,
        verdict=report.verdict,
        reasons=reasons,
        warnings=report.warnings,
        metrics=metrics,
    )


def package_bundle(store: ArtifactStore, evaluated: EvalOutcome, config: FineTuneConfig) -> Packaged:
    """Build the deployment bundle (folder + zip + manifest) and upload both."""
    from loraforge.package import build_bundle

    trained = evaluated.trained
    run = trained.run
    dataset = fetch_dataset(store, run)
    adapter_dir = store.get_dir(trained.adapter_key, run.scratch / "adapter")
    out = run.scratch / "bundle"
    shutil.rmtree(out, ignore_errors=True)
    bundle = build_bundle(
        adapter_dir,
        trained.base_model,
        trained.summary,
        trained.metrics,
        read_json(store, evaluated.report_key),
        out,
        example_prompts=dataset.example_prompts(),
        name=f"{run.tenant}-{run.project}",
        version=run.run_name,
        system_prompt=dataset.system_prompt,
    )
    dir_key, zip_key = f"{run.prefix}/bundle", f"{run.prefix}/{bundle.zip_path.name}"
    store.put_dir(dir_key, bundle.dir)
    zip_uri = store.put_bytes(zip_key, bundle.zip_path.read_bytes())
    return Packaged(
        evaluated=evaluated,
        dir_key=dir_key,
        zip_key=zip_key,
        zip_uri=zip_uri,
        url=store.download_url(zip_key),
        sha256=bundle.zip_sha256,
    )
