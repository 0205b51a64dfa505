"""The promotion gate: metrics and the evidence behind them in, a verdict with one reason per check out.

Verdicts: ``go`` (every enabled check passed on enough examples), ``no-go`` (a check failed on enough
examples) and ``inconclusive`` (a check was skipped, or rests on fewer examples than the gate asks for:
the data cannot tell). Only ``go`` moves the registry's ``champion`` alias.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from loraforge.evaluate.registry import LOWER_IS_BETTER, METRICS, REGISTRY, RELATIVE_METRICS

Metrics = Mapping[str, float | None]


class GateConfig(BaseModel):
    """Thresholds a candidate adapter must meet to be promoted. ``None`` switches a check off."""

    model_config = ConfigDict(extra="forbid")

    max_eval_loss_ratio: float | None = Field(
        1.0, gt=0, description="Adapter eval loss must be <= this ratio x base eval loss (1.0: no worse)."
    )
    min_token_f1_gain: float | None = Field(0.0, description="Adapter token F1 minus base token F1 must be >= this.")
    min_refusal_accuracy: float | None = Field(
        0.8, ge=0, le=1, description="Share of out-of-scope prompts the adapter must refuse."
    )
    max_false_refusal_rate: float | None = Field(
        0.2, ge=0, le=1, description="Largest share of in-scope prompts the adapter may refuse."
    )
    max_unsupported_claim_rate: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Largest share of claims in the adapter's in-scope answers that their source does not support.",
    )
    min_probe_score: float | None = Field(
        None, ge=0, le=1, description="Adapter probe_score on the probe file's questions must be >= this."
    )
    max_probe_regression: float | None = Field(
        None,
        ge=0,
        description="Base probe_score minus adapter probe_score must be <= this (0: no worse than the base).",
    )
    max_regression_vs_champion: float | None = Field(
        0.02,
        ge=0,
        description="Allowed worsening vs the current champion per metric: points for scores and rates, "
        "a fraction of the champion's value for eval_loss/perplexity/latency_s.",
    )
    champion_metrics: list[str] = Field(
        default_factory=lambda: ["eval_loss", "token_f1", "rouge_l", "semantic_similarity", "refusal_accuracy"],
        description="Metrics compared against the champion.",
    )
    min_eval_examples: int = Field(
        20,
        ge=1,
        description="Held-out in-scope examples each loss and answer check needs; with fewer the verdict is "
        "inconclusive.",
    )
    min_refusal_probes: int = Field(
        10, ge=1, description="Out-of-scope prompts the refusal check needs; with fewer the verdict is inconclusive."
    )
    min_probe_questions: int = Field(
        10, ge=1, description="Probe-file questions the probe checks need; with fewer the verdict is inconclusive."
    )
    min_train_examples: int = Field(100, ge=0, description="Fewer train examples than this: a warning on the run.")
    max_epochs: float = Field(
        10.0, gt=0, description="More passes over the train split than this: a warning (the adapter memorises)."
    )
    required_metrics: list[str] = Field(
        default_factory=lambda: ["eval_loss", "token_f1"],
        description="Metrics the adapter must have a value for; a check on any other missing metric is skipped.",
    )

    @field_validator("champion_metrics", "required_metrics")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        unknown = sorted(set(names) - set(METRICS))
        if unknown:
            raise ValueError(f"unknown metrics {unknown}; known: {list(METRICS)}")
        return names


@dataclass(slots=True)
class GateCheck:
    """One gate check. ``passed`` is None when the check could not judge: no value (skipped) or fewer
    examples behind the value than the gate asks for (``evidence`` < ``needed``: inconclusive)."""

    name: str
    value: float | None
    threshold: float
    op: str  # "<=" or ">="
    passed: bool | None
    detail: str
    evidence: int | None = None  # examples behind the value
    needed: int | None = None

    @property
    def result(self) -> str:
        if self.passed is None:
            return "skipped" if self.value is None else "inconclusive"
        return "pass" if self.passed else "FAIL"

    @property
    def reason(self) -> str:
        if self.value is None:
            return f"{self.name}: {self.result} ({self.detail})"
        return f"{self.name}: {self.value:.4f} {self.op} {self.threshold:.4f} ({self.detail}) -> {self.result}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "result": self.result, "reason": self.reason}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GateCheck:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def _check(name: str, value: float | None, threshold: float, op: str, detail: str, missing: str) -> GateCheck:
    if value is None:
        return GateCheck(name, None, threshold, op, None, missing)
    passed = value <= threshold if op == "<=" else value >= threshold
    return GateCheck(name, value, threshold, op, passed, detail)


def _weigh(check: GateCheck, metric: str, evidence: Mapping[str, int], config: GateConfig) -> GateCheck:
    """Withhold judgement on a check whose metric rests on fewer examples than the gate asks for."""
    scope = REGISTRY[metric].scope
    needed = {"refusal": config.min_refusal_probes, "probe": config.min_probe_questions, "timing": 1}.get(
        scope, config.min_eval_examples
    )
    check.evidence, check.needed = evidence.get(scope), needed
    if check.evidence is not None and check.evidence < needed and check.value is not None:
        check.passed = None
        noun = {"refusal": "out-of-scope prompts", "probe": "probe-file questions"}.get(scope, "held-out examples")
        check.detail += f"; only {check.evidence} {noun}, the gate needs {needed}"
    return check


def regression(metric: str, adapter: float, champion: float) -> float:
    """How much worse the adapter is than the champion (negative: better), in the gate's units."""
    worse = adapter - champion if metric in LOWER_IS_BETTER else champion - adapter
    if metric in RELATIVE_METRICS:
        return worse / champion if champion else 0.0
    return worse


def apply_gate(
    base: Metrics,
    adapter: Metrics,
    champion: Metrics | None,
    config: GateConfig,
    evidence: Mapping[str, int] | None = None,
) -> tuple[str, list[GateCheck]]:
    """Run every enabled check. ``evidence``: examples behind each metric scope (``loss``, ``in_scope``,
    ``refusal``, ``probe``); a scope left out is not weighed. Verdict: see ``verdict_of``."""
    evidence = evidence or {}
    checks: list[GateCheck] = []
    for name in config.required_metrics:
        if adapter.get(name) is None:
            checks.append(GateCheck(f"required:{name}", None, 0.0, ">=", False, f"adapter has no {name}"))

    def add(check: GateCheck, metric: str) -> None:
        checks.append(_weigh(check, metric, evidence, config))

    b_loss, a_loss = base.get("eval_loss"), adapter.get("eval_loss")
    if config.max_eval_loss_ratio is not None:
        ratio = a_loss / b_loss if a_loss is not None and b_loss else None
        detail = f"adapter {a_loss:.4f} / base {b_loss:.4f}" if ratio is not None else ""
        add(_check("eval_loss_ratio", ratio, config.max_eval_loss_ratio, "<=", detail, "no eval_loss"), "eval_loss")
    b_f1, a_f1 = base.get("token_f1"), adapter.get("token_f1")
    if config.min_token_f1_gain is not None:
        gain = a_f1 - b_f1 if a_f1 is not None and b_f1 is not None else None
        detail = f"adapter {a_f1:.4f} - base {b_f1:.4f}" if gain is not None else ""
        add(_check("token_f1_gain", gain, config.min_token_f1_gain, ">=", detail, "no token_f1"), "token_f1")
    if config.min_refusal_accuracy is not None:
        value = adapter.get("refusal_accuracy")
        detail = "share of out-of-scope prompts refused"
        missing = "no refusal examples evaluated"
        check = _check("refusal_accuracy", value, config.min_refusal_accuracy, ">=", detail, missing)
        add(check, "refusal_accuracy")
    if config.max_false_refusal_rate is not None:
        value = adapter.get("false_refusal_rate")
        detail = "share of in-scope prompts refused"
        missing = "no in-scope examples evaluated"
        check = _check("false_refusal_rate", value, config.max_false_refusal_rate, "<=", detail, missing)
        add(check, "false_refusal_rate")

    if config.max_unsupported_claim_rate is not None:
        value = adapter.get("unsupported_claim_rate")
        detail = "share of answer sentences their source does not support"
        check = _check("unsupported_claim_rate", value, config.max_unsupported_claim_rate, "<=", detail, "no claims")
        add(check, "unsupported_claim_rate")
    b_probe, a_probe = base.get("probe_score"), adapter.get("probe_score")
    if config.min_probe_score is not None:
        detail, missing = "mean score on the probe file's questions", "no probe file evaluated"
        add(_check("probe_score", a_probe, config.min_probe_score, ">=", detail, missing), "probe_score")
    if config.max_probe_regression is not None:
        drop = b_probe - a_probe if a_probe is not None and b_probe is not None else None
        detail = f"base {b_probe:.4f} - adapter {a_probe:.4f}" if drop is not None else ""
        check = _check("probe_regression", drop, config.max_probe_regression, "<=", detail, "no probe file evaluated")
        add(check, "probe_score")

    if champion is not None and config.max_regression_vs_champion is not None:
        for metric in config.champion_metrics:
            a, c = adapter.get(metric), champion.get(metric)
            name = f"champion_regression:{metric}"
            if a is None or c is None:
                add(_check(name, None, config.max_regression_vs_champion, "<=", "", f"no {metric}"), metric)
                continue
            if metric in RELATIVE_METRICS:
                detail = f"(adapter {a:.4f} - champion {c:.4f}) / champion"
            elif metric in LOWER_IS_BETTER:
                detail = f"adapter {a:.4f} - champion {c:.4f}"
            else:
                detail = f"champion {c:.4f} - adapter {a:.4f}"
            value = regression(metric, a, c)
            add(_check(name, value, config.max_regression_vs_champion, "<=", detail, ""), metric)

    return verdict_of(checks), checks


def verdict_of(checks: list[GateCheck]) -> str:
    """A missing required metric is a no-go (the evaluation itself is broken); otherwise any check that
    could not judge makes the run inconclusive, even next to a failure: the reasons show both."""
    if any(c.name.startswith("required:") and c.passed is False for c in checks):
        return "no-go"
    if any(c.passed is None for c in checks):
        return "inconclusive"
    return "no-go" if any(c.passed is False for c in checks) else "go"


def training_warnings(n_train: int, epochs: float | None, config: GateConfig) -> list[str]:
    """What makes a verdict on this adapter worth less than it looks: too little data, too many passes."""
    warnings = []
    if n_train < config.min_train_examples:
        warnings.append(
            f"only {n_train} train examples (fewer than {config.min_train_examples}): the adapter has little "
            "to learn from; add documents"
        )
    if epochs is not None and epochs > config.max_epochs:
        warnings.append(
            f"{epochs:.0f} passes over the train split (more than {config.max_epochs:g}): the adapter likely "
            "memorises it; train fewer steps or add data"
        )
    return warnings
