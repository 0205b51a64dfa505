"""What the fine-tune stages take and return: the config, the run and one small manifest per stage.

Each manifest carries the one before it, so a stage needs only its input; everything large (adapter,
report, bundle) stays in the artifact store and travels as a key. Importing this module loads no torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from loraforge.evaluate.run import EvalConfig
from loraforge.settings import Settings

DEFAULT_RECIPE = "tiny-cpu.yaml"  # bundled with the package (loraforge/configs/)


class FineTuneConfig(BaseModel):
    """Every knob of the fine-tune chain: base model, recipe (+ overrides) and the evaluation gate."""

    model_config = ConfigDict(extra="forbid")

    base_model: str | None = Field(
        None, description="HF model id or local path; default: the recipe's ('tiny' builds the offline tiny Llama)."
    )
    recipe: str | None = Field(
        None, description="Recipe YAML: a path or a bundled name (qlora-default.yaml; default tiny-cpu.yaml)."
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Recipe fields to override, e.g. {max_steps: 200, learning_rate: 1e-4}."
    )
    evaluation: EvalConfig = Field(default_factory=EvalConfig)

    def train_config(self):  # type: ignore[no-untyped-def]  # -> loraforge.train.config.TrainConfig
        """The recipe (default tiny-cpu.yaml) with ``overrides`` and ``base_model`` applied, re-validated."""
        from loraforge.config import apply_overrides
        from loraforge.train.config import TrainConfig, load_recipe

        config = load_recipe(self.recipe or DEFAULT_RECIPE)
        base = {"base_model": self.base_model} if self.base_model else {}
        # dotted keys reach into the passthrough sections: {"sft.neftune_noise_alpha": 5}
        return TrainConfig.model_validate(
            apply_overrides(config.model_dump(), [*self.overrides.items(), *base.items()])
        )


class FineTuneRun(BaseModel):
    """Where one fine-tune lives: tenant/project scope, dataset, run name (stable across task retries)."""

    model_config = ConfigDict(extra="forbid")

    tenant: str
    project: str
    dataset_version: str
    run_name: str
    tracking_uri: str | None = None  # None: MLFLOW_TRACKING_URI, else the local SQLite store
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
        """This run's local scratch folder under ``LORAFORGE_SCRATCH`` (read on the worker that runs it)."""
        return Settings().scratch_root / self.tenant / self.project / self.run_name


class TrainOutcome(BaseModel):
    run: FineTuneRun
    adapter_key: str
    base_model: str
    metrics: list[dict[str, float]]
    summary: dict[str, Any]


class EvalOutcome(BaseModel):
    trained: TrainOutcome
    report_key: str
    verdict: str
    reasons: list[str]
    metrics: dict[str, float]  # flat: adapter.token_f1, base.eval_loss, improvement.token_f1, ...


class Packaged(BaseModel):
    evaluated: EvalOutcome
    dir_key: str
    zip_key: str
    zip_uri: str
    url: str
    sha256: str


class FineTuneOutcome(BaseModel):
    """What the fine-tune chain returns (``run_fine_tune`` and the flow alike)."""

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
    mlflow_run_url: str = ""
    metrics: dict[str, Any] = Field(default_factory=dict)
