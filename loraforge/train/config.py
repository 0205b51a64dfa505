"""Training recipe: one validated Pydantic model, loaded from a YAML file (bundled ones: ``loraforge/configs/``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

RECIPES = Path(__file__).resolve().parents[1] / "configs"
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


class TrainConfig(BaseModel):
    """QLoRA fine-tune settings. Defaults are the seed baseline (r=16, alpha=32, 3 epochs, lr 2e-4, ...)."""

    model_config = ConfigDict(extra="forbid")

    base_model: str = Field(
        "tiny", description="HF model id or local path; 'tiny' builds a small Llama from the corpus (no quality)."
    )
    quantization: Literal["nf4", "none"] = Field("nf4", description="nf4: QLoRA 4-bit base; none: plain LoRA.")
    device: Literal["auto", "cuda", "cpu"] = "auto"

    # LoRA
    lora_r: int = Field(16, gt=0)
    lora_alpha: int = Field(32, gt=0)
    lora_dropout: float = Field(0.05, ge=0, lt=1)
    target_modules: list[str] = Field(default_factory=lambda: list(LORA_TARGETS), min_length=1)

    # Schedule
    num_train_epochs: float = Field(3.0, gt=0)
    max_steps: int | None = Field(None, gt=0, description="Overrides num_train_epochs when set.")
    learning_rate: float = Field(2e-4, gt=0)
    lr_scheduler_type: Literal["cosine", "linear", "constant", "constant_with_warmup", "cosine_with_min_lr"] = "cosine"
    warmup_ratio: float = Field(0.03, ge=0, lt=1)
    weight_decay: float = Field(0.0, ge=0)
    max_grad_norm: float = Field(1.0, gt=0)
    optim: str = Field("paged_adamw_8bit", description="Any transformers optimizer name.")

    # Batches and sequences
    per_device_train_batch_size: int = Field(4, gt=0)
    per_device_eval_batch_size: int | None = Field(None, gt=0, description="Defaults to the train batch size.")
    gradient_accumulation_steps: int = Field(4, gt=0)
    max_seq_length: int = Field(2048, gt=0)
    packing: bool = Field(
        False, description="Best-fit packing, trained padding-free (no pad tokens, per-sequence attention)."
    )
    gradient_checkpointing: bool = True
    bf16: bool | None = Field(None, description="None: bf16 on a CUDA GPU that supports it, fp32 otherwise.")

    # Bookkeeping
    logging_steps: int = Field(10, gt=0)
    eval_steps: int | None = Field(50, gt=0, description="None: evaluate once, at the end.")
    save_steps: int = Field(100, gt=0)
    save_total_limit: int | None = Field(2, gt=0)
    seed: int = 42
    max_oom_retries: int = Field(3, ge=0, description="CUDA OOM: halve batch, double grad-accum, at most this often.")
    gpu_hourly_cost_usd: float = Field(2.49, ge=0, description="For estimated_cost_usd = GPU hours x this.")

    # Anything else the libraries take, passed through and checked by them when the recipe loads.
    lora: dict[str, Any] = Field(
        default_factory=dict, description="More peft.LoraConfig arguments, e.g. {use_rslora: true}."
    )
    sft: dict[str, Any] = Field(
        default_factory=dict,
        description="More trl.SFTConfig arguments, e.g. {neftune_noise_alpha: 5, lr_scheduler_kwargs: {...}}.",
    )

    @field_validator("optim")
    @classmethod
    def _known_optimizer(cls, value: str) -> str:
        from transformers.training_args import OptimizerNames

        known = {o.value for o in OptimizerNames}
        if value not in known:
            raise ValueError(f"unknown optimizer {value!r}; e.g. paged_adamw_8bit, adamw_torch")
        return value

    @model_validator(mode="after")
    def _library_arguments(self) -> TrainConfig:
        if self.lora or self.sft:
            from loraforge.train.sft import check_arguments

            check_arguments(self)
        return self


def resolve_recipe(recipe: str | Path) -> Path:
    """A recipe file: ``recipe`` itself when it exists, else the bundled recipe of that name
    (``tiny-cpu``, ``qlora-default.yaml`` and ``configs/qlora-default.yaml`` all name a bundled one)."""
    path = Path(recipe)
    if path.is_file():
        return path
    bundled = RECIPES / (path.name if path.suffix else f"{path.name}.yaml")
    if bundled.is_file():
        return bundled
    known = ", ".join(sorted(p.name for p in RECIPES.glob("*.yaml")))
    raise FileNotFoundError(f"recipe {str(recipe)!r} is neither a file nor a bundled recipe ({known})")


def load_recipe(path: str | Path) -> TrainConfig:
    """Read a YAML recipe (a path or a bundled name; an empty file means all defaults) and validate it."""
    data = yaml.safe_load(resolve_recipe(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a recipe is a YAML mapping of TrainConfig fields")
    return TrainConfig.model_validate(data)
