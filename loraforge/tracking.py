"""MLflow tracking and registry: one run per fine-tune, one model version per adapter.

Everything goes through an explicit ``MlflowClient`` (no fluent global state), so a Prefect worker
running several flows in threads never crosses runs. The embedded default is a SQLite tracking and
registry store under ``.loraforge/``; production points ``tracking_uri`` (or ``MLFLOW_TRACKING_URI``)
at an MLflow server.

Registry layout: model ``<tenant>-<project>-adapter``; each version's source is the adapter folder of
its run (adapter only, the base model is referenced by tag, never copied); alias ``challenger`` on
every registration, ``champion`` moved only when the evaluation gate says go.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mlflow import MlflowClient
from mlflow.entities import Dataset, DatasetInput, InputTag, Metric, Param
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException

from loraforge.settings import Settings

CHALLENGER, CHAMPION = "challenger", "champion"
_PARAM_LIMIT = 6000  # MLflow's max param value length


def default_tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` when set, else a SQLite store beside the local artifact folder."""
    settings = Settings()
    if settings.mlflow_tracking_uri:
        return settings.mlflow_tracking_uri
    home = settings.home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'mlflow.db'}"


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested config → ``{"lora.r": "16", ...}`` as MLflow params."""
    out: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "."))
        else:
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            out[name] = text[:_PARAM_LIMIT]
    return out


class Tracker:
    """Runs, metrics, dataset lineage, artifacts and adapter versions for one tenant/project."""

    def __init__(self, tenant: str, project: str, tracking_uri: str | None = None) -> None:
        self.uri = tracking_uri or default_tracking_uri()
        self.client = MlflowClient(tracking_uri=self.uri, registry_uri=self.uri)
        self.tenant, self.project = tenant, project
        self.experiment_name = f"loraforge/{tenant}/{project}"
        self.model_name = f"{tenant}-{project}-adapter"

    def experiment_id(self) -> str:
        found = self.client.get_experiment_by_name(self.experiment_name)
        if found is not None:
            return found.experiment_id
        location = None
        if self.uri.startswith("sqlite:///"):  # keep local artifacts beside the database, not in the cwd
            location = (Path(self.uri.removeprefix("sqlite:///")).parent / "mlartifacts").resolve().as_uri()
        tags = {"tenant": self.tenant, "project": self.project}
        try:
            return self.client.create_experiment(self.experiment_name, artifact_location=location, tags=tags)
        except MlflowException:  # created concurrently
            return self.client.get_experiment_by_name(self.experiment_name).experiment_id

    def start_run(self, run_name: str, params: Mapping[str, Any], tags: Mapping[str, str] | None = None) -> str:
        run = self.client.create_run(
            self.experiment_id(),
            run_name=run_name,
            tags={"tenant": self.tenant, "project": self.project, **(tags or {})},
        )
        items = [Param(k, v) for k, v in flatten(params).items()]
        for i in range(0, len(items), 100):
            self.client.log_batch(run.info.run_id, params=items[i : i + 100])
        return run.info.run_id

    def log_metrics(self, run_id: str, rows: Sequence[Mapping[str, Any]], prefix: str = "") -> None:
        """Per-step rows (``{"step": 3, "loss": 1.2, ...}``) or one summary row without ``step``."""
        now = int(time.time() * 1000)
        metrics = [
            Metric(f"{prefix}{key}", float(value), now, int(row.get("step", 0)))
            for row in rows
            for key, value in row.items()
            if key != "step" and isinstance(value, int | float) and not isinstance(value, bool)
        ]
        for i in range(0, len(metrics), 1000):
            self.client.log_batch(run_id, metrics=metrics[i : i + 1000])

    def log_dataset(self, run_id: str, uri: str, version: str, context: str = "training") -> None:
        """Dataset lineage: the dataset version (content digest) as an input of the run."""
        dataset = Dataset(name=version, digest=version.removeprefix("ds-"), source_type="loraforge", source=uri)
        self.client.log_inputs(run_id, [DatasetInput(dataset, tags=[InputTag("mlflow.data.context", context)])])

    def log_artifacts(self, run_id: str, local_dir: Path, artifact_path: str) -> None:
        self.client.log_artifacts(run_id, str(local_dir), artifact_path)

    def end_run(self, run_id: str, status: str = "FINISHED") -> None:
        self.client.set_terminated(run_id, status)

    @contextmanager
    def system_metrics(self, run_id: str, interval_s: float = 10.0) -> Iterator[None]:
        """CPU/GPU/memory samples logged to the run while the block runs."""
        from mlflow.system_metrics.system_metrics_monitor import SystemMetricsMonitor

        monitor = SystemMetricsMonitor(run_id, sampling_interval=interval_s, tracking_uri=self.uri)
        monitor.start()
        try:
            yield
        finally:
            monitor.finish()

    def register_adapter(self, run_id: str, artifact_path: str, tags: Mapping[str, str], promote: bool) -> ModelVersion:
        """New model version from the run's adapter artifacts; ``challenger`` always, ``champion`` if promoted."""
        try:
            self.client.create_registered_model(self.model_name, tags={"tenant": self.tenant, "project": self.project})
        except MlflowException as exc:
            if "RESOURCE_ALREADY_EXISTS" not in str(exc.error_code):
                raise
        source = f"{self.client.get_run(run_id).info.artifact_uri}/{artifact_path}"
        version = self.client.create_model_version(self.model_name, source, run_id=run_id, tags=dict(tags))
        self.client.set_registered_model_alias(self.model_name, CHALLENGER, version.version)
        if promote:
            self.client.set_registered_model_alias(self.model_name, CHAMPION, version.version)
        return self.client.get_model_version(self.model_name, version.version)

    def promote(self, version: int | str) -> ModelVersion:
        """Point ``champion`` at ``version`` (a manual promotion, e.g. after a human review of a no-go)."""
        self.client.set_registered_model_alias(self.model_name, CHAMPION, str(version))
        return self.client.get_model_version(self.model_name, str(version))

    def champion(self) -> ModelVersion | None:
        try:
            return self.client.get_model_version_by_alias(self.model_name, CHAMPION)
        except MlflowException:
            return None

    def download_version(self, version: ModelVersion, dst: Path) -> Path:
        """Fetch a version's adapter folder (e.g. the champion, to evaluate against it)."""
        import mlflow.artifacts

        return Path(
            mlflow.artifacts.download_artifacts(artifact_uri=version.source, dst_path=str(dst), tracking_uri=self.uri)
        )
