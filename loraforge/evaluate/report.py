"""The evaluation report: JSON for machines (MLflow, the bundle), Markdown for people (Prefect artifact)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from loraforge.display import num, text, threshold
from loraforge.evaluate.gate import GateCheck
from loraforge.evaluate.registry import METRICS, REGISTRY, improvement_pct

VARIANTS = ("base", "adapter", "champion")
SAMPLE_CHARS = 200
GATE_DECIMALS = 3  # gate values are ratios, score gains, rates and regressions: all near 0..1


@dataclass(slots=True)
class EvalReport:
    """Base vs adapter (vs champion) on held-out examples, and the gate's verdict.

    ``metrics[variant][metric]`` for variant in base/adapter/champion; ``improvements`` is adapter - base
    per metric (negative is better for the lower-is-better metrics: eval_loss, perplexity, rates, latency_s);
    ``improvement_pct`` is the relative change in percent, signed by direction (positive: the adapter is
    better; ``registry.improvement_pct``); ``vs_champion`` is adapter - champion. ``samples`` holds every
    generated example with its outputs and per-example scores; ``probe_samples`` the probe file's questions.
    """

    base_model: str
    adapter_dir: str
    dataset_dir: str
    split: str
    metrics: dict[str, dict[str, float | None]]
    improvements: dict[str, float | None]
    verdict: str
    checks: list[GateCheck]
    counts: dict[str, int] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)
    champion_adapter_dir: str | None = None
    vs_champion: dict[str, float | None] | None = None
    config: dict[str, Any] = field(default_factory=dict)
    duration_s: float = 0.0
    created_at: str = ""
    warnings: list[str] = field(default_factory=list)  # what makes the verdict worth less than it looks
    probe_samples: list[dict[str, Any]] = field(default_factory=list)
    improvement_pct: dict[str, float | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.improvement_pct:  # derived: a report written before the field existed gets it too
            base, adapter = self.metrics.get("base", {}), self.metrics.get("adapter", {})
            self.improvement_pct = {m: improvement_pct(m, base.get(m), adapter.get(m)) for m in METRICS}

    @property
    def passed(self) -> bool:
        return self.verdict == "go"

    @property
    def reasons(self) -> list[str]:
        return [c.reason for c in self.checks]

    def to_dict(self) -> dict[str, Any]:
        d = {name: getattr(self, name) for name in self.__dataclass_fields__}
        d["checks"] = [c.to_dict() for c in self.checks]
        d["reasons"] = self.reasons
        return d

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EvalReport:
        fields = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        fields["checks"] = [GateCheck.from_dict(c) for c in d.get("checks", [])]
        return cls(**fields)

    @classmethod
    def from_json(cls, text: str) -> EvalReport:
        return cls.from_dict(json.loads(text))

    def metric_rows(self) -> list[dict[str, Any]]:
        """One row per metric that has a value, for people (cells are text that renders as itself): the metric
        with which way is better, each variant's value, adapter - base (signed), the improvement over the base
        in percent (positive: better, whichever way the metric runs) and adapter - champion (signed), rounded
        (see ``metric_value``). The exact values are in ``to_dict``."""
        variants = [v for v in VARIANTS if v in self.metrics]
        rows = []
        for metric in METRICS:
            if all(self.metrics[v].get(metric) is None for v in variants):
                continue
            values = {v: metric_value(metric, self.metrics[v].get(metric)) for v in variants}
            row: dict[str, Any] = {"metric": metric_label(metric), **values}
            row["adapter - base"] = metric_value(metric, self.improvements.get(metric), signed=True)
            row["improvement %"] = pct(self.improvement_pct.get(metric))
            if self.vs_champion:
                row["adapter - champion"] = metric_value(metric, self.vs_champion.get(metric), signed=True)
            rows.append(row)
        return rows

    def gate_rows(self) -> list[dict[str, Any]]:
        """One row per gate check: value, threshold (``≤ 0.200``), pass/FAIL/inconclusive/skipped and why."""
        return [
            {
                "check": text(c.name),
                "value": num(c.value, decimals=GATE_DECIMALS),
                "threshold": threshold(c.op, c.threshold, GATE_DECIMALS),
                "result": c.result,
                "detail": text(c.detail),
            }
            for c in self.checks
        ]

    def to_markdown(self, n_samples: int = 5) -> str:
        """Tables of metrics, improvements and gate checks, then a few truncated sample generations."""
        variants = [v for v in VARIANTS if v in self.metrics]
        lines = [
            f"# Evaluation: **{self.verdict.upper()}**",
            "",
            f"- base model: `{self.base_model}`",
            f"- adapter: `{self.adapter_dir}`",
        ]
        if self.champion_adapter_dir:
            lines.append(f"- champion: `{self.champion_adapter_dir}`")
        counts = ", ".join(f"{k.removeprefix('n_').replace('_', ' ')}: {v}" for k, v in self.counts.items())
        lines += [f"- held-out split: `{self.split}`" + (f" ({counts})" if counts else ""), ""]

        if self.warnings:
            lines += ["## Warnings", "", *(f"- {text(w)}" for w in self.warnings), ""]
        rows = self.metric_rows()
        header = list(rows[0]) if rows else ["metric"]
        lines += ["## Metrics", "", _row(header), _row(["---"] * len(header))]
        lines += [_row(list(r.values())) for r in rows]

        lines += ["", f"## Gate: {self.verdict}", "", _row(["check", "value", "threshold", "result"])]
        lines.append(_row(["---"] * 4))
        for g in self.gate_rows():
            result = f"{_bold_fail(g['result'])}: {g['detail']}"
            lines.append(_row([g["check"], g["value"], g["threshold"], result]))

        if self.samples and n_samples:
            lines += ["", "## Sample generations", ""]
            for i, s in enumerate(self.samples[:n_samples], 1):
                lines += [f"### {i}. \\[{s['kind']}\\] {_cut(s['prompt'])}", "", f"- reference: {_cut(s['reference'])}"]
                lines += [f"- {v}: {_cut(s['outputs'][v])}" for v in variants if v in s["outputs"]]
                lines.append("")
        if self.probe_samples and n_samples:
            lines += ["", "## Probe-file questions", ""]
            for i, s in enumerate(self.probe_samples[:n_samples], 1):
                lines += [f"### {i}. {_cut(s['prompt'])}", ""]
                if s["reference"]:
                    lines.append(f"- expected: {_cut(s['reference'])}")
                if s["keywords"]:
                    lines.append(f"- keywords: {text(', '.join(s['keywords']))}")
                for v in variants:
                    if v in s["outputs"]:
                        score = num(s["scores"][v]["score"], decimals=GATE_DECIMALS)
                        lines.append(f"- {v} (score {score}): {_cut(s['outputs'][v])}")
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def metric_label(metric: str) -> str:
    """``eval_loss (lower is better)``: the direction comes from the metric registry."""
    return f"{metric} ({REGISTRY[metric].direction} is better)"


def metric_value(metric: str, value: float | None, signed: bool = False) -> str:
    """A metric value for reading: losses and timings (unbounded) to 4 significant digits, scores and rates
    (0..1) to 3 decimals; differences signed (``+0.120``); a missing value is ``—``."""
    unbounded = REGISTRY[metric].scope in ("loss", "timing")
    return num(value, significant=4 if unbounded else None, decimals=3, signed=signed)


def pct(value: float | None) -> str:
    """An improvement in percent, one decimal, signed (``+25.0 %``); ``—`` when undefined (base 0 or missing)."""
    return f"{num(value, decimals=1, signed=True)} %" if value is not None else num(None)


def _bold_fail(result: str) -> str:
    return f"**{result}**" if result == "FAIL" else result


def _cut(value: str) -> str:
    # Untrained models emit control bytes; keep the Markdown printable and rendering as the text itself.
    value = " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())
    if not value:
        return "(empty)"
    return text(value if len(value) <= SAMPLE_CHARS else value[: SAMPLE_CHARS - 1] + "…")


def _row(cells: list[str]) -> str:
    """A Markdown table row of cells already made safe by ``text`` (``|`` escaped)."""
    return "| " + " | ".join(cells) + " |"
