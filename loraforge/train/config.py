"""Training recipe: a YAML file whose sections are the libraries' own configs (bundled: ``loraforge/configs/``).

    model:      {name: tiny, quantization: nf4, device: cpu}       # what to load, and where
    lora:       {r: 16, lora_alpha: 32, ...}                       # peft.LoraConfig arguments
    sft:        {max_steps: 40, learning_rate: 5.0e-3, ...}        # trl.SFTConfig arguments
    loraforge:  {max_oom_retries: 3, gpu_hourly_cost_usd: 2.49,    # what loraforge itself does, and
                 distributed: {processes: 1, strategy: ddp}}       # across processes (accelerate launch)

``lora:`` and ``sft:`` take any argument of ``peft.LoraConfig`` / ``trl.SFTConfig`` (NEFTune, scheduler
kwargs, ``report_to``, ...), on top of ``LORA_DEFAULTS`` / ``SFT_DEFAULTS`` below: the one place where
loraforge's defaults live. Both are built once when the recipe loads, so a misspelt or invalid argument
fails then, with the library's own message, not when training starts. Importing this module loads no
torch; validating a recipe imports trl and peft.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

RECIPES = Path(__file__).resolve().parents[1] / "configs"
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

# The seed baseline (r=16, alpha=32, dropout 0.05, all attention + MLP projections).
LORA_DEFAULTS: dict[str, Any] = {
    "r": 16,
    "lora_alpha": 32,
    "lora_dropout": 0.05,
    "target_modules": LORA_TARGETS,
    "bias": "none",
}

# The seed baseline (3 epochs, lr 2e-4 cosine, warmup 3%, batch 4 x grad-accum 4, 2048 tokens), plus the
# settings loraforge relies on. TRL's defaults differ from transformers' (bf16=True, which on CPU means slow
# autocast; lr 2e-5; checkpointing on), so every one that matters is set here. bf16 left unset means: on a
# CUDA GPU that supports it, else off (``sft.resolve_sft_arguments``).
SFT_DEFAULTS: dict[str, Any] = {
    "num_train_epochs": 3.0,
    "max_steps": -1,
    "learning_rate": 2e-4,
    "lr_scheduler_type": "cosine",
    "warmup_steps": 0.03,  # transformers 5 dropped warmup_ratio: a float < 1 is the ratio
    "weight_decay": 0.0,
    "max_grad_norm": 1.0,
    "optim": "paged_adamw_8bit",
    "per_device_train_batch_size": 4,
    "gradient_accumulation_steps": 4,
    "max_length": 2048,
    "packing": False,  # True: best-fit packing, trained padding-free (no pad tokens, per-sequence attention)
    "activation_checkpointing": True,
    "activation_checkpointing_kwargs": {"use_reentrant": False},
    "fp16": False,
    "logging_steps": 10,
    "logging_first_step": True,
    "eval_strategy": "steps",  # "no": evaluate once, at the end
    "eval_steps": 50,
    "save_strategy": "steps",
    "save_steps": 100,
    "save_total_limit": 2,  # the best checkpoint is kept on top of these (transformers never rotates it out)
    # Best, not last: the adapter is the checkpoint with the lowest eval loss, not the final step's weights.
    # Effective only when there is evaluation (a validation split and eval_strategy != "no"); it needs
    # save and eval on the same schedule (save_steps a multiple of eval_steps), checked when a recipe loads.
    "load_best_model_at_end": True,
    "metric_for_best_model": "eval_loss",
    "greater_is_better": False,
    "save_only_model": False,  # keep optimizer/scheduler/RNG state: a resume must continue, not restart
    "include_num_input_tokens_seen": "non_padding",
    "seed": 42,
    "report_to": "none",  # or tensorboard, wandb, ... (loraforge logs to MLflow itself)
    "disable_tqdm": True,
    "dataloader_num_workers": 0,
}

# Set by loraforge from the run (folders, the device, the tokenizer's chat template): not recipe settings.
MANAGED = {
    "sft": {"output_dir", "use_cpu", "assistant_only_loss", "completion_only_loss"},
    "lora": {"task_type"},
}


class _SftBounds(BaseModel):
    """Ranges the libraries accept but no run can use (checked on the merged arguments, names as in TRL)."""

    model_config = ConfigDict(extra="allow")

    learning_rate: float = Field(gt=0)
    num_train_epochs: float = Field(gt=0)
    max_steps: int = Field(ge=-1, description="-1: train num_train_epochs; 0 is refused")
    warmup_steps: float = Field(ge=0)
    per_device_train_batch_size: PositiveInt
    gradient_accumulation_steps: PositiveInt
    max_length: PositiveInt | None

    @model_validator(mode="after")
    def _some_steps(self) -> _SftBounds:
        if self.max_steps == 0:
            raise ValueError("max_steps: 0 trains nothing; -1 means 'train num_train_epochs'")
        return self


class _LoraBounds(BaseModel):
    model_config = ConfigDict(extra="allow")

    r: PositiveInt
    lora_alpha: float = Field(gt=0)
    lora_dropout: float = Field(ge=0, lt=1)
    target_modules: list[str] | str = Field(min_length=1)


class ModelSection(BaseModel):
    """What to load, and where."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        "tiny", description="HF model id or local path; 'tiny' builds a small Llama from the corpus (no quality)."
    )
    quantization: Literal["nf4", "none"] = Field("nf4", description="nf4: QLoRA 4-bit base; none: plain LoRA.")
    device: Literal["auto", "cuda", "cpu"] = "auto"
    attn_implementation: Literal["sdpa", "eager", "flash_attention_2", "flash_attention_3"] | None = Field(
        None, description="transformers' attention kernel; default: its own choice (sdpa). Packing wants flash."
    )


class DistributedSection(BaseModel):
    """Training across processes with ``accelerate launch`` (one process per GPU; gloo processes on CPU).

    ``processes: 1`` (the default) trains in the calling process. More, or ``auto`` with more than one
    visible CUDA GPU, launches ``accelerate launch -m loraforge.train`` (see ``loraforge.train.launch``).
    """

    model_config = ConfigDict(extra="forbid")

    processes: PositiveInt | Literal["auto"] = Field(
        1, description="Training processes on this machine; auto: one per visible CUDA GPU (1 without one)."
    )
    strategy: Literal["ddp", "fsdp"] = Field(
        "ddp", description="ddp: a full model copy per GPU; fsdp: shard the (4-bit) base weights across GPUs."
    )
    fsdp: dict[str, Any] = Field(
        default_factory=dict,
        description="accelerate launch --fsdp_* options (without the prefix) over FSDP_DEFAULTS.",
    )
    main_process_port: int | None = Field(None, ge=1, le=65535, description="Rendezvous port; default: a free one.")

    def fsdp_options(self) -> dict[str, Any]:
        from loraforge.train.launch import FSDP_DEFAULTS

        return {**FSDP_DEFAULTS, **self.fsdp}


class LoraforgeSection(BaseModel):
    """What loraforge does around the trainer."""

    model_config = ConfigDict(extra="forbid")

    max_oom_retries: int = Field(3, ge=0, description="CUDA OOM: halve batch, double grad-accum, at most this often.")
    gpu_hourly_cost_usd: float = Field(2.49, ge=0, description="For estimated_cost_usd = GPU hours x this.")
    distributed: DistributedSection = Field(default_factory=DistributedSection)
    early_stopping_patience: PositiveInt | None = Field(
        None,
        description="Stop when the eval metric (sft.metric_for_best_model) has not improved for this many "
        "evaluations in a row (transformers' EarlyStoppingCallback); None: train to the end.",
    )
    early_stopping_threshold: float = Field(
        0.0, ge=0, description="How much the eval metric must improve to count as better (early stopping)."
    )


class TrainConfig(BaseModel):
    """One fine-tune's settings: the recipe YAML, validated."""

    model_config = ConfigDict(extra="forbid")

    model: ModelSection = Field(default_factory=ModelSection)
    lora: dict[str, Any] = Field(default_factory=dict, description="peft.LoraConfig arguments over LORA_DEFAULTS.")
    sft: dict[str, Any] = Field(default_factory=dict, description="trl.SFTConfig arguments over SFT_DEFAULTS.")
    loraforge: LoraforgeSection = Field(default_factory=LoraforgeSection)

    @model_validator(mode="after")
    def _library_arguments(self) -> TrainConfig:
        for section, managed in MANAGED.items():
            clash = sorted(set(getattr(self, section)) & managed)
            if clash:
                raise ValueError(f"{section}: {clash} are set by loraforge from the run, not by a recipe")
        _SftBounds.model_validate(self.sft_arguments())
        _LoraBounds.model_validate(self.lora_arguments())
        check_best_checkpoint(self.sft_arguments(), self.sft, self.loraforge)
        from loraforge.train.sft import check_arguments

        check_arguments(self)
        _check_distributed(self)
        return self

    def sft_arguments(self) -> dict[str, Any]:
        """``SFT_DEFAULTS`` under the recipe's ``sft:`` (device-independent; see ``sft.resolve_sft_arguments``)."""
        defaults = dict(SFT_DEFAULTS)
        if "gradient_checkpointing" in self.sft:  # the deprecated alias counts only when the new name is unset
            defaults.pop("activation_checkpointing")
        return {**defaults, **self.sft}

    def lora_arguments(self) -> dict[str, Any]:
        return {**LORA_DEFAULTS, **self.lora}

    def resolved(self) -> dict[str, Any]:
        """Every setting this recipe trains with, defaults included (what the run records)."""
        return {**self.model_dump(), "lora": self.lora_arguments(), "sft": self.sft_arguments()}

    @property
    def batch(self) -> tuple[int, int]:
        """(per-device train batch, grad-accum steps) as the recipe sets them."""
        args = self.sft_arguments()
        return int(args["per_device_train_batch_size"]), int(args["gradient_accumulation_steps"])


def _check_distributed(config: TrainConfig) -> None:
    """Combinations that cannot work across processes fail when the recipe loads."""
    dist = config.loraforge.distributed
    if dist.strategy != "fsdp":
        if dist.fsdp:
            raise ValueError("loraforge.distributed.fsdp: set only with strategy: fsdp")
        return
    if config.model.device == "cpu":
        raise ValueError("loraforge.distributed.strategy fsdp needs CUDA GPUs; on CPU use ddp (gloo)")
    from loraforge.train.launch import FSDP_DEFAULTS

    unknown = sorted(set(dist.fsdp) - set(FSDP_DEFAULTS) - FSDP_OTHER_OPTIONS)
    if unknown:
        raise ValueError(f"loraforge.distributed.fsdp: unknown options {unknown} (accelerate launch --fsdp_*)")
    if config.model.quantization == "nf4" and str(config.sft_arguments().get("optim", "")).startswith("paged_"):
        # PEFT's FSDP guide: with FSDP + QLoRA, paged_adamw_8bit fails when a checkpoint is saved
        raise ValueError("FSDP + QLoRA: sft.optim paged_* fails at checkpoint save; use adamw_torch")
    if dist.fsdp_options().get("use_orig_params") not in (False, "false"):
        raise ValueError("FSDP + LoRA: fsdp.use_orig_params must be false (frozen and LoRA weights wrapped apart)")


# accelerate launch --fsdp_* options loraforge leaves unset unless a recipe sets them
FSDP_OTHER_OPTIONS = {
    "version",
    "min_num_params",
    "reshard_after_forward",
    "transformer_layer_cls_to_wrap",
    "forward_prefetch",
    "activation_checkpointing",
    "activation_checkpointing_offload",
}


def check_best_checkpoint(args: dict[str, Any], explicit: dict[str, Any], loraforge: LoraforgeSection) -> None:
    """Refuse, naming the keys, a recipe whose save and eval schedules cannot keep the best checkpoint.

    transformers can only keep a checkpoint that was evaluated: with ``load_best_model_at_end`` the save
    and eval strategies must match and ``save_steps`` must be a multiple of ``eval_steps``. ``explicit``
    is the recipe's own ``sft:`` section: the default ``load_best_model_at_end`` quietly turns off under
    ``eval_strategy: no``, an explicit one is an error.
    """
    evaluates = str(args.get("eval_strategy", "no")) != "no"
    if loraforge.early_stopping_patience and not evaluates:
        raise ValueError(
            "loraforge.early_stopping_patience needs evaluation, but sft.eval_strategy is 'no': "
            "set sft.eval_strategy to steps or epoch, or remove early_stopping_patience"
        )
    if loraforge.early_stopping_patience and not args.get("metric_for_best_model"):
        raise ValueError("loraforge.early_stopping_patience needs sft.metric_for_best_model (e.g. eval_loss)")
    if not args.get("load_best_model_at_end"):
        return
    if not evaluates:
        if explicit.get("load_best_model_at_end"):
            raise ValueError(
                "sft.load_best_model_at_end needs evaluation, but sft.eval_strategy is 'no': set "
                "sft.eval_strategy to steps or epoch, or set sft.load_best_model_at_end: false"
            )
        return
    save, evaluate = str(args.get("save_strategy", "steps")), str(args["eval_strategy"])
    off = "or set sft.load_best_model_at_end: false to keep the last step instead"
    if save == "best":
        return
    if save != evaluate:
        raise ValueError(
            f"sft.save_strategy ({save!r}) and sft.eval_strategy ({evaluate!r}) must match to keep the checkpoint "
            f"with the best {args.get('metric_for_best_model')} (sft.load_best_model_at_end); {off}"
        )
    if save == "steps":
        save_steps = args.get("save_steps") or 500  # transformers' default
        eval_steps = args.get("eval_steps") or args.get("logging_steps") or save_steps  # as transformers resolves it
        if (save_steps < 1) != (eval_steps < 1) or round(save_steps * 1_000_000) % round(eval_steps * 1_000_000):
            raise ValueError(
                f"sft.save_steps ({save_steps}) must be a multiple of sft.eval_steps ({eval_steps}), so that every "
                f"checkpoint is an evaluated one and the best can be kept (sft.load_best_model_at_end); {off}"
            )


def bundled_recipes() -> list[str]:
    return sorted(p.name for p in RECIPES.glob("*.yaml"))


def resolve_recipe(recipe: str | Path) -> Path:
    """A recipe file: ``recipe`` itself when it exists, else the bundled recipe of that name
    (``tiny-cpu``, ``qlora-default.yaml`` and ``configs/qlora-default.yaml`` all name a bundled one)."""
    path = Path(recipe)
    if path.is_file():
        return path
    bundled = RECIPES / (path.name if path.suffix else f"{path.name}.yaml")
    if bundled.is_file():
        return bundled
    raise FileNotFoundError(
        f"recipe {str(recipe)!r} is neither a file nor a bundled recipe ({', '.join(bundled_recipes())})"
    )


def read_recipe(path: str | Path) -> dict[str, Any]:
    """The recipe's YAML mapping, unvalidated (a path or a bundled name; an empty file means all defaults)."""
    data = yaml.safe_load(resolve_recipe(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a recipe is a YAML mapping with model:, lora:, sft: and loraforge: sections")
    return data


def load_recipe(path: str | Path) -> TrainConfig:
    """Read a YAML recipe and validate it (the ``lora:``/``sft:`` sections by the libraries themselves)."""
    return TrainConfig.model_validate(read_recipe(path))
