"""The fine-tune stages over the artifact store: train → evaluate → package → register.

Like ``loraforge.prep``, each function takes store keys and small settings, does its work in a local
scratch folder, and writes results back to the store, so a task can run (or be retried) on any
worker. Checkpoints are mirrored to the store as they are written: a retried training task on another
machine pulls the newest one and resumes from it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from loraforge.storage import DEFAULT_ROOT, ArtifactStore, write_json

SCRATCH = Path(os.environ.get("LORAFORGE_SCRATCH", DEFAULT_ROOT.parent / "work")).resolve()
# absolute: the base model path is recorded in the bundle and the registry, and read from other cwds
MODEL_CACHE = Path(os.environ.get("LORAFORGE_MODEL_CACHE", DEFAULT_ROOT.parent / "models")).resolve()
DEFAULT_RECIPE = Path(__file__).resolve().parents[1] / "configs" / "tiny-cpu.yaml"


class FineTuneRun(BaseModel):
    """Where one fine-tune lives: tenant/project scope, dataset, run name (stable across task retries)."""

    model_config = ConfigDict(extra="forbid")

    tenant: str
    project: str
    dataset_version: str
    run_name: str
    mlflow_run_id: str = ""

    @staticmethod
    def name_for(dataset_version: str, flow_run_id: str) -> str:
        """The run name of the fine-tune flow run ``flow_run_id``: known to whoever triggered it."""
        return f"ft-{dataset_version.removeprefix('ds-')[:8]}-{flow_run_id[:8]}"

    @property
    def prefix(self) -> str:
        return f"{self.tenant}/{self.project}/runs/{self.run_name}"

    @property
    def outcome_key(self) -> str:
        """Where the finished run's ``FineTuneOutcome`` is written (read back by a triggering pipeline)."""
        return f"{self.prefix}/outcome.json"

    @property
    def dataset_key(self) -> str:
        return f"{self.tenant}/{self.project}/datasets/{self.dataset_version}"

    @property
    def scratch(self) -> Path:
        return (SCRATCH / self.tenant / self.project / self.run_name).resolve()


class TrainOutcome(BaseModel):
    adapter_key: str
    base_model: str
    metrics: list[dict[str, float]]
    summary: dict[str, Any]


class FineTuneOutcome(BaseModel):
    """What the fine-tune flow returns."""

    run_name: str
    dataset_version: str
    mlflow_run_id: str
    model_name: str
    model_version: int
    aliases: list[str]
    verdict: str
    reasons: list[str]
    bundle_uri: str
    bundle_sha256: str
    bundle_url: str = ""  # where to download the bundle: presigned GET for S3, file:// locally
    metrics: dict[str, Any] = Field(default_factory=dict)


def load_train_config(recipe: str | Path | None, overrides: Mapping[str, Any] | None = None):  # type: ignore[no-untyped-def]
    """The recipe YAML (default: configs/tiny-cpu.yaml) with flow-level overrides applied and re-validated."""
    from loraforge.train.config import TrainConfig, load_recipe

    config = load_recipe(recipe or DEFAULT_RECIPE)
    return TrainConfig.model_validate({**config.model_dump(), **dict(overrides or {})})


def fetch_dataset(store: ArtifactStore, run: FineTuneRun) -> Path:
    """The dataset folder on local disk (copied from the store once per run)."""
    local = run.scratch / "dataset"
    if not (local / "card.json").exists():
        if not store.exists(run.dataset_key + "/card.json"):
            raise FileNotFoundError(f"dataset {run.dataset_version} not found for {run.tenant}/{run.project}")
        store.get_dir(run.dataset_key, local)
    return local


def resolve_base_model(name: str | None, dataset_dir: Path) -> str:
    """A hub id / local path as is; ``None``/"tiny" → the tiny Llama built from the train split (cached)."""
    from datasets import load_from_disk

    from loraforge.basemodel import ensure_base_model

    def texts():  # only read when the tiny model must be built
        train = load_from_disk(str(dataset_dir / "hf"), keep_in_memory=True)["train"]
        return (m["content"] for row in train["messages"] for m in row)

    if name not in (None, "", "tiny", "tiny-llama"):
        return str(name)
    return ensure_base_model(name, texts(), MODEL_CACHE)


def train_adapter(
    store: ArtifactStore,
    run: FineTuneRun,
    config: Any,
    on_progress: Callable[[int, int, dict[str, float], float | None], None] | None = None,
) -> TrainOutcome:
    """Train (resuming from the newest checkpoint in the store, if any) and upload the adapter."""
    from loraforge.train import train

    dataset_dir = fetch_dataset(store, run)
    base_model = resolve_base_model(config.base_model, dataset_dir)
    output = run.scratch / "train"
    resume_from = _pull_latest_checkpoint(store, run, output)

    def mirror(checkpoint: Path) -> None:
        store.put_dir(f"{run.prefix}/checkpoints/{checkpoint.name}", checkpoint)
        # the marker goes last: a worker that dies mid-upload leaves no checkpoint that looks complete
        store.put_bytes(f"{run.prefix}/checkpoints/{checkpoint.name}.complete", b"")

    result = train(
        dataset_dir, base_model, config, output, on_progress=on_progress, on_checkpoint=mirror, resume_from=resume_from
    )
    adapter_key = f"{run.prefix}/adapter"
    store.put_dir(adapter_key, result.adapter_dir)
    write_json(store, f"{run.prefix}/train_result.json", {"metrics": result.metrics, "summary": result.summary})
    return TrainOutcome(
        adapter_key=adapter_key,
        base_model=base_model,
        metrics=result.metrics,
        summary=json.loads(json.dumps(result.summary, default=str)),
    )


def _pull_latest_checkpoint(store: ArtifactStore, run: FineTuneRun, output: Path) -> Path | None:
    """The newest checkpoint: local if this worker has it, else pulled from the store."""
    from loraforge.train.sft import checkpoint_step, last_checkpoint

    local = last_checkpoint(output / "checkpoints")
    marker = ".complete"
    names = [
        key.rsplit("/", 1)[1][: -len(marker)] for key in store.list(f"{run.prefix}/checkpoints") if key.endswith(marker)
    ]
    remote = max(names, key=lambda n: checkpoint_step(Path(n)), default=None)
    if remote is None or (local is not None and checkpoint_step(local) >= checkpoint_step(Path(remote))):
        return local
    target = output / "checkpoints" / remote
    shutil.rmtree(target, ignore_errors=True)
    return store.get_dir(f"{run.prefix}/checkpoints/{remote}", target)


def evaluate_adapter(
    store: ArtifactStore, run: FineTuneRun, trained: TrainOutcome, eval_config: Any, champion_dir: Path | None
) -> dict[str, Any]:
    """Base vs adapter (vs champion) on the held-out split; the report goes to the store."""
    from loraforge.evaluate import evaluate

    dataset_dir = fetch_dataset(store, run)
    adapter_dir = store.get_dir(trained.adapter_key, run.scratch / "adapter")
    base_model = resolve_base_model(trained.summary.get("config", {}).get("base_model"), dataset_dir)
    report = evaluate(
        base_model,
        adapter_dir,
        dataset_dir,
        eval_config,
        champion_adapter_dir=champion_dir,
        device=trained.summary.get("device", "cpu"),
    )
    data = json.loads(report.to_json())
    write_json(store, f"{run.prefix}/eval_report.json", data)
    return data


def package_adapter(
    store: ArtifactStore, run: FineTuneRun, trained: TrainOutcome, report: Mapping[str, Any]
) -> dict[str, str]:
    """Build the deployment bundle (folder + zip + manifest) and upload both."""
    from loraforge.package import build_bundle

    dataset_dir = fetch_dataset(store, run)
    adapter_dir = store.get_dir(trained.adapter_key, run.scratch / "adapter")
    out = run.scratch / "bundle"
    shutil.rmtree(out, ignore_errors=True)
    bundle = build_bundle(
        adapter_dir,
        trained.base_model,
        trained.summary,
        trained.metrics,
        report,
        out,
        example_prompts=example_prompts(dataset_dir),
        name=f"{run.tenant}-{run.project}",
        version=run.run_name,
    )
    dir_key, zip_key = f"{run.prefix}/bundle", f"{run.prefix}/{bundle.zip_path.name}"
    store.put_dir(dir_key, bundle.dir)
    zip_uri = store.put_bytes(zip_key, bundle.zip_path.read_bytes())
    return {
        "dir_key": dir_key,
        "zip_key": zip_key,
        "zip_uri": zip_uri,
        "url": store.download_url(zip_key),
        "sha256": bundle.zip_sha256,
        "local_dir": str(bundle.dir),
    }


def example_prompts(dataset_dir: Path, n: int = 5) -> list[str]:
    """User questions from the held-out split (test, else validation): prompts the adapter should answer."""
    prompts: list[str] = []
    for split in ("test", "validation", "train"):
        path = dataset_dir / f"{split}.jsonl"
        if path.exists():
            for line in path.read_text().splitlines():
                messages = json.loads(line)["messages"]
                user = [m["content"] for m in messages if m["role"] == "user"]
                if user and user[-1] not in prompts:
                    prompts.append(user[-1])
        if len(prompts) >= n:
            break
    return prompts[:n]


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


def report_markdown(outcome: FineTuneOutcome, report: Mapping[str, Any]) -> str:
    """The fine-tune run report for the Prefect UI: verdict, registry entry, training summary, evaluation."""
    from loraforge.evaluate import EvalReport

    lines = [
        f"# fine-tune {outcome.run_name}: **{outcome.verdict}**",
        "",
        f"- dataset `{outcome.dataset_version}`",
        f"- registered `{outcome.model_name}` version {outcome.model_version} (aliases: {', '.join(outcome.aliases)})",
        f"- MLflow run `{outcome.mlflow_run_id}`",
        f"- bundle `{outcome.bundle_uri}` (sha256 `{outcome.bundle_sha256[:16]}…`)",
        "",
        "## Training",
        "",
        "| metric | value |",
        "|---|---:|",
    ]
    lines += [f"| {k} | {outcome.metrics.get(k)} |" for k in SUMMARY_KEYS]
    return "\n".join(lines) + "\n\n" + EvalReport.from_dict(dict(report)).to_markdown()
