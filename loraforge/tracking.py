"""MLflow tracking and registry: one run per fine-tune, one model version per adapter.

Everything goes through an explicit ``MlflowClient`` (no fluent global state), so a Prefect worker
running several flows in threads never crosses runs. The embedded default is a SQLite tracking and
registry store under ``.loraforge/``; production points ``tracking_uri`` (or ``MLFLOW_TRACKING_URI``)
at an MLflow server.

Experiments are tagged ``mlflow.experimentKind=finetuning`` (the UI opens them as machine-learning
experiments, not in GenAI mode).

Registry layout: model ``<tenant>-<project>-adapter``; each version is an MLflow pyfunc model logged
by its run (a LoggedModel; see ``loraforge.serving.pyfunc`` for its files): the adapter under
``artifacts/adapter/``, the base model referenced in its config, never copied. So
``mlflow.pyfunc.load_model("models:/<name>@champion")`` generates. Alias ``challenger`` on every
registration, ``champion`` moved only when the evaluation gate says go.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlflow import MlflowClient
from mlflow.entities import Dataset, DatasetInput, InputTag, LoggedModel, LoggedModelOutput, Metric, Param
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from mlflow.utils.mlflow_tags import MLFLOW_MODEL_VERSIONS

from loraforge.serving.pyfunc import adapter_path
from loraforge.settings import Settings

if TYPE_CHECKING:
    import pandas as pd
    from mlflow.models import Model

CHALLENGER, CHAMPION = "challenger", "champion"
_PARAM_LIMIT = 6000  # MLflow's max param value length
DESCRIPTION_TAG = "mlflow.note.content"  # what the UI shows (and edits) as a run's description
EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
RUN_NAME_TAG = "loraforge.run_name"  # the fine-tune run name: a retry finds its RUNNING MLflow run by it
TRAINING_KEY_TAG = "loraforge.training_key"  # the content key of a training (FineTuneConfig.training_key)
# One of the kinds the MLflow UI knows (3.17: genai_development, custom_model_development, finetuning,
# regression, classification, forecasting, automl); "finetuning" opens the experiment as a
# machine-learning one (runs, metrics, models), not in GenAI mode (traces).
EXPERIMENT_KIND = "finetuning"


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
        self._experiment_id: str | None = None

    def experiment_id(self) -> str:
        """The project's experiment, created on first use; one created before the experiment kind was
        set gets it now (a kind already there, e.g. chosen in the UI, is left alone)."""
        if self._experiment_id is not None:
            return self._experiment_id
        found = self.client.get_experiment_by_name(self.experiment_name)
        if found is None:
            location = None
            if self.uri.startswith("sqlite:///"):  # keep local artifacts beside the database, not in the cwd
                location = (Path(self.uri.removeprefix("sqlite:///")).parent / "mlartifacts").resolve().as_uri()
            tags = {"tenant": self.tenant, "project": self.project, EXPERIMENT_KIND_TAG: EXPERIMENT_KIND}
            try:
                self._experiment_id = self.client.create_experiment(
                    self.experiment_name, artifact_location=location, tags=tags
                )
                return self._experiment_id
            except MlflowException:  # created concurrently
                found = self.client.get_experiment_by_name(self.experiment_name)
        if EXPERIMENT_KIND_TAG not in found.tags:
            self.client.set_experiment_tag(found.experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND)
        self._experiment_id = found.experiment_id
        return self._experiment_id

    def start_run(
        self,
        run_name: str,
        params: Mapping[str, Any],
        tags: Mapping[str, str] | None = None,
        description: str | None = None,
    ) -> str:
        note = {DESCRIPTION_TAG: description} if description else {}
        tags = {"tenant": self.tenant, "project": self.project, RUN_NAME_TAG: run_name, **(tags or {}), **note}
        # A retry of the same run (same name) continues its RUNNING MLflow run instead of opening another.
        running = self.client.search_runs(
            [self.experiment_id()],
            filter_string=f"tags.`{RUN_NAME_TAG}` = '{run_name}' and attributes.status = 'RUNNING'",
            max_results=1,
        )
        if running:
            self.set_tags(running[0].info.run_id, tags)
            return running[0].info.run_id
        run = self.client.create_run(self.experiment_id(), run_name=run_name, tags=tags)
        items = [Param(k, v) for k, v in flatten(params).items()]
        for i in range(0, len(items), 100):
            self.client.log_batch(run.info.run_id, params=items[i : i + 100])
        return run.info.run_id

    def end_interrupted(self, training_key: str, run_name: str) -> list[str]:
        """Mark KILLED the RUNNING runs of the same training under another run name: runs whose process
        died (kill -9, a lost worker) and that ``run_name`` now resumes. Returns their run ids."""
        found = self.client.search_runs(
            [self.experiment_id()],
            filter_string=f"tags.`{TRAINING_KEY_TAG}` = '{training_key}' and attributes.status = 'RUNNING'",
        )
        stale = [r.info.run_id for r in found if r.data.tags.get(RUN_NAME_TAG) != run_name]
        for run_id in stale:
            self.set_tags(run_id, {}, description=f"**Interrupted**: its process died; run `{run_name}` resumed it.")
            self.end_run(run_id, "KILLED")
        return stale

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

    def set_tags(self, run_id: str, tags: Mapping[str, str], description: str | None = None) -> None:
        """Run tags; ``description`` becomes the run's description (Markdown) in the UI."""
        for key, value in {**tags, **({DESCRIPTION_TAG: description} if description else {})}.items():
            self.client.set_tag(run_id, key, value)

    def log_table(self, run_id: str, data: pd.DataFrame | Mapping[str, Any], artifact_file: str) -> None:
        """A table artifact the UI shows (and compares across runs) in its evaluation view. MLflow appends
        to an existing table, so a retried stage does not log it twice."""
        folder, _, name = artifact_file.rpartition("/")
        if any(a.path == artifact_file for a in self.client.list_artifacts(run_id, folder or None)):
            return
        self.client.log_table(run_id, data=data, artifact_file=artifact_file)

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

    def log_model(
        self,
        run_id: str,
        save: Callable[[Path, Model], Any],
        name: str = "adapter",
        tags: Mapping[str, str] | None = None,
        model_type: str | None = None,
    ) -> LoggedModel:
        """A model logged by the run, as ``mlflow.<flavor>.log_model`` would, without the fluent API:
        ``save(folder, mlflow_model)`` writes the flavor (e.g. ``mlflow.pyfunc.save_model(path=folder,
        mlflow_model=mlflow_model, ...)``) to a temporary folder; its files are uploaded, the model is
        linked to the run as an output and marked READY."""
        from mlflow.entities import LoggedModelStatus
        from mlflow.models import Model

        logged = self.client.create_logged_model(
            self.experiment_id(),
            name=name,
            source_run_id=run_id,
            tags=dict(tags or {}),
            model_type=model_type,
        )
        try:
            mlflow_model = Model(
                artifact_path=logged.artifact_location,
                model_uuid=logged.model_id,
                run_id=run_id,
                model_id=logged.model_id,
            )
            with tempfile.TemporaryDirectory(prefix="mlflow-model-") as tmp:
                folder = Path(tmp) / "model"
                save(folder, mlflow_model)
                self.client.log_outputs(run_id, [LoggedModelOutput(logged.model_id, step=0)])
                self.client.log_model_artifacts(logged.model_id, str(folder))
        except BaseException:
            self.client.finalize_logged_model(logged.model_id, LoggedModelStatus.FAILED)
            raise
        return self.client.finalize_logged_model(logged.model_id, LoggedModelStatus.READY)

    def register_adapter(
        self,
        run_id: str,
        model: LoggedModel,
        tags: Mapping[str, str],
        promote: bool,
        description: str | None = None,
    ) -> ModelVersion:
        """New model version of the run's logged ``model``; ``challenger`` always, ``champion`` if promoted."""
        try:
            self.client.create_registered_model(
                self.model_name,
                tags={"tenant": self.tenant, "project": self.project},
                description=f"LoRA adapters fine-tuned for {self.tenant}/{self.project} by loraforge. "
                f"`mlflow.pyfunc.load_model('models:/{self.model_name}@{CHAMPION}')` loads the base model "
                f"with the champion adapter; alias `{CHALLENGER}` is the latest candidate.",
            )
        except MlflowException as exc:
            if "RESOURCE_ALREADY_EXISTS" not in str(exc.error_code):
                raise
        # source: the model's storage location, not ``models:/<model_id>``, which MLflow's SQL registry
        # store resolves through the process-global tracking URI instead of this client's
        version = self.client.create_model_version(
            self.model_name,
            model.artifact_location,
            run_id=run_id,
            tags=dict(tags),
            description=description,
            model_id=model.model_id,
        )
        # the logged model lists its registered versions, as mlflow's register_model does (a server adds it itself)
        linked = json.loads(self.client.get_logged_model(model.model_id).tags.get(MLFLOW_MODEL_VERSIONS, "[]"))
        if not any((e.get("name"), str(e.get("version"))) == (version.name, str(version.version)) for e in linked):
            entry = {"name": version.name, "version": version.version}
            self.client.set_logged_model_tags(model.model_id, {MLFLOW_MODEL_VERSIONS: json.dumps([*linked, entry])})
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
        """Fetch a version's adapter folder (e.g. the champion, to evaluate against it): ``artifacts/adapter``
        of its pyfunc model, or the whole source of a version registered as a bare adapter folder
        (before loraforge registered pyfunc models)."""
        import mlflow.artifacts

        root = Path(
            mlflow.artifacts.download_artifacts(
                artifact_uri=self.client.get_model_version_download_uri(version.name, version.version),
                dst_path=str(dst),
                tracking_uri=self.uri,
            )
        )
        return adapter_path(root) if (root / "MLmodel").exists() else root
