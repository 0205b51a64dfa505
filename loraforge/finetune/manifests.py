"""What the fine-tune stages take and return: the config, the run and one small manifest per stage.

Each manifest carries the one before it, so a stage needs only its input; everything large (adapter,
report, bundle) stays in the artifact store and travels as a key. Importing this module loads no torch.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from loraforge.evaluate.run import EvalConfig
from loraforge.records import sha256_hex
from loraforge.settings import Settings
from loraforge.target import check_slug

log = logging.getLogger(__name__)

DEFAULT_RECIPE = "tiny-cpu.yaml"  # bundled with the package (loraforge/configs/), for base_model "tiny"
MODEL_RECIPE = "qlora-default.yaml"  # for any other base model given without a recipe
# data-prep names versions ds-<12 hex>; any ds-<slug> is accepted, never a path ("../", "/").
_DATASET_VERSION = re.compile(r"^ds-[a-z0-9][a-z0-9_-]{0,63}$")
# test_train checks this against configs/
BundledRecipe = Literal["tiny-cpu.yaml", "qlora-default.yaml", "qlora-fsdp.yaml"]


class TrainingOverrides(BaseModel):
    """The settings most often changed per run, as a form; empty fields keep the recipe's value."""

    model_config = ConfigDict(extra="forbid")

    max_steps: int | None = Field(None, gt=0, description="Optimizer steps to train (overrides the epochs).")
    num_train_epochs: float | None = Field(None, gt=0, description="Passes over the train split.")
    learning_rate: float | None = Field(None, gt=0, description="Peak learning rate.")
    per_device_train_batch_size: int | None = Field(None, gt=0, description="Examples per device per step.")
    gradient_accumulation_steps: int | None = Field(None, gt=0, description="Micro-batches per optimizer step.")
    max_length: int | None = Field(None, gt=0, description="Tokens per example; longer ones are truncated.")
    lora_r: int | None = Field(None, gt=0, title="LoRA rank", description="Rank of the LoRA update matrices.")
    lora_alpha: float | None = Field(None, gt=0, title="LoRA alpha", description="LoRA scaling numerator.")
    device: Literal["auto", "cuda", "cpu"] | None = Field(None, description="Where to train.")
    processes: PositiveInt | Literal["auto"] | None = Field(
        None, description="Training processes (one per GPU, accelerate launch); auto: every visible GPU."
    )

    def dotted(self) -> list[tuple[str, Any]]:
        """As recipe overrides: ``("sft.max_steps", 200)``, ``("lora.r", 8)``, ``("model.device", "cpu")``."""
        where = {
            "lora_r": "lora.r",
            "lora_alpha": "lora.lora_alpha",
            "device": "model.device",
            "processes": "loraforge.distributed.processes",
        }
        return [(where.get(k, f"sft.{k}"), v) for k, v in self.model_dump(exclude_none=True).items()]


class FineTuneConfig(BaseModel):
    """Every knob of the fine-tune chain: base model, recipe (+ overrides) and the evaluation gate."""

    model_config = ConfigDict(extra="forbid")

    base_model: str | None = Field(
        None, description="HF model id or local path; default: the recipe's ('tiny' builds the offline tiny Llama)."
    )
    recipe: BundledRecipe | str | None = Field(
        None,
        description="Recipe YAML: a bundled one or a path. Default: tiny-cpu.yaml for the tiny model, "
        "qlora-default.yaml for any other base model.",
    )
    training: TrainingOverrides = Field(
        default_factory=TrainingOverrides, description="Common recipe settings for this run."
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="Any other recipe setting, by section: {sft.neftune_noise_alpha: 5, lora.use_rslora: true}.",
    )
    evaluation: EvalConfig = Field(default_factory=EvalConfig)
    export_merged: bool = Field(
        False,
        description="Also write the base with the adapter merged in (safetensors + tokenizer + generation "
        "config) to the store and the MLflow run: for llama.cpp/Ollama (via GGUF) or servers without LoRA.",
    )
    merged_dtype: Literal["auto", "bfloat16", "float16", "float32"] = Field(
        "auto", description="dtype of the merged weights; auto: the base model's own."
    )

    @property
    def recipe_name(self) -> str:
        """The recipe this run uses: the one given, else the one that fits the base model."""
        if self.recipe:
            return self.recipe
        from loraforge.basemodel import TINY_NAMES  # loads no torch

        return DEFAULT_RECIPE if self.base_model in TINY_NAMES else MODEL_RECIPE

    def train_config(self):  # type: ignore[no-untyped-def]  # -> loraforge.train.config.TrainConfig
        """The recipe with ``training``, ``overrides`` and ``base_model`` applied on top, validated."""
        from loraforge.config import apply_overrides
        from loraforge.train.config import TrainConfig, read_recipe

        if not self.recipe and self.recipe_name == MODEL_RECIPE:
            log.info("base model %s given without a recipe: training with %s", self.base_model, MODEL_RECIPE)
        flat = sorted(k for k in self.overrides if "." not in k and k not in TrainConfig.model_fields)
        if flat:
            raise ValueError(f"overrides {flat}: recipe settings live in sections, e.g. sft.{flat[0]}")
        base = [("model.name", self.base_model)] if self.base_model else []
        data = apply_overrides(read_recipe(self.recipe_name), [*self.training.dotted(), *self.overrides.items(), *base])
        return TrainConfig.model_validate(data)


def training_key(dataset_version: str, resolved: dict[str, Any]) -> str:
    """What identifies a training, whoever runs it: the dataset version and every resolved setting
    (``FineTuneConfig.train_config().resolved()``)."""
    identity = {"dataset_version": dataset_version, "train": resolved}
    return sha256_hex(json.dumps(identity, sort_keys=True, default=str))[:16]


class FineTuneRun(BaseModel):
    """Where one fine-tune lives: tenant/project scope, dataset, run name (stable across task retries)."""

    model_config = ConfigDict(extra="forbid")

    tenant: str
    project: str
    dataset_version: str
    run_name: str
    tracking_uri: str | None = None  # None: MLFLOW_TRACKING_URI, else the local SQLite store
    mlflow_run_id: str = ""
    # ``training_key`` of (dataset version, resolved training config), set when tracking starts: checkpoints
    # live under it, so a run started again for the same data and settings resumes an interrupted one
    training_key: str = ""
    # extra MLflow run tags from the caller, e.g. the flow's prefect.flow_run_id / prefect.flow_run_url
    tags: dict[str, str] = Field(default_factory=dict)

    _slug = field_validator("tenant", "project")(classmethod(lambda cls, value: check_slug(value)))

    @field_validator("dataset_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not _DATASET_VERSION.match(value):
            raise ValueError(
                f"dataset version {value!r} is not a data-prep version name: expected ds-<hex> "
                "(e.g. ds-0123456789ab; lowercase letters, digits, '-' and '_')"
            )
        return value

    @staticmethod
    def name_for(dataset_version: str, flow_run_id: str) -> str:
        """The run name of the fine-tune flow run ``flow_run_id``: known to whoever triggered it."""
        return f"ft-{dataset_version.removeprefix('ds-')[:8]}-{flow_run_id[:8]}"

    @property
    def prefix(self) -> str:
        return f"{self.tenant}/{self.project}/runs/{self.run_name}"

    @property
    def checkpoints_prefix(self) -> str:
        """Where this training's checkpoints are mirrored: by content, not by run (see ``training_key``)."""
        return f"{self.tenant}/{self.project}/checkpoints/{self.training_key or self.run_name}"

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
    verdict: str  # go | no-go | inconclusive
    reasons: list[str]
    warnings: list[str] = Field(default_factory=list)
    metrics: dict[str, float]  # flat: adapter.token_f1, base.eval_loss, improvement.token_f1, ...


class Packaged(BaseModel):
    evaluated: EvalOutcome
    dir_key: str
    zip_key: str
    zip_uri: str
    url: str
    sha256: str
    merged: MergedModel | None = None  # set by the optional export-merged stage


class MergedModel(BaseModel):
    """The merged export: a plain HF model folder in the store (``key``), loadable without PEFT."""

    key: str
    uri: str
    dtype: str
    size_bytes: int
    files: list[str]


class FineTuneOutcome(BaseModel):
    """What the fine-tune chain returns (``run_fine_tune`` and the flow alike)."""

    run_name: str
    dataset_version: str
    mlflow_run_id: str
    model_name: str
    model_version: int
    aliases: list[str]
    verdict: str  # go | no-go | inconclusive; only go moves the champion alias
    reasons: list[str]
    warnings: list[str] = Field(default_factory=list)
    bundle_uri: str
    bundle_sha256: str
    bundle_url: str = ""  # where to download the bundle: presigned GET for S3 (public endpoint), file:// locally
    mlflow_run_url: str = ""  # the run's page in the MLflow UI (http(s)), or "" when there is none to open
    metrics: dict[str, Any] = Field(default_factory=dict)
    merged_uri: str = ""  # the merged model folder (export_merged), "" when not exported
