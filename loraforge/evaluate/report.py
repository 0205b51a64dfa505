"""The evaluation report: JSON for machines (MLflow, the bundle), Markdown for people (Prefect artifact)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from loraforge.evaluate.gate import GateCheck
from loraforge.evaluate.registry import LOWER_IS_BETTER, METRICS

VARIANTS = ("base", "adapter", "champion")
SAMPLE_CHARS = 200


@dataclass(slots=True)
class EvalReport:
    """Base vs adapter (vs champion) on held-out examples, and the gate's verdict.

    ``metrics[variant][metric]`` for variant in base/adapter/champion; ``improvements`` is adapter - base
    per metric (negative is better for eval_loss, perplexity, false_refusal_rate, latency_s);
    ``vs_champion`` is adapter - champion. ``samples`` holds every generated example with its outputs
    and per-example scores.
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
        """One row per metric that has a value: each variant's value, adapter - base, adapter - champion."""
        variants = [v for v in VARIANTS if v in self.metrics]
        rows = []
        for metric in METRICS:
            if all(self.metrics[v].get(metric) is None for v in variants):
                continue
            row: dict[str, Any] = {"metric": metric, **{v: self.metrics[v].get(metric) for v in variants}}
            row["adapter - base"] = self.improvements.get(metric)
            if self.vs_champion:
                row["adapter - champion"] = self.vs_champion.get(metric)
            rows.append(row)
        return rows

    def gate_rows(self) -> list[dict[str, Any]]:
        """One row per gate check: value, threshold, pass/FAIL/inconclusive/skipped and why."""
        return [
            {
                "check": c.name,
                "value": c.value,
                "threshold": f"{c.op} {c.threshold:.4f}",
                "result": c.result,
                "detail": c.detail,
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
            lines += ["## Warnings", "", *(f"- {w}" for w in self.warnings), ""]
        rows = self.metric_rows()
        header = list(rows[0]) if rows else ["metric"]
        lines += ["## Metrics", "", _row(header), _row(["---"] * len(header))]
        for r in rows:
            metric = r["metric"] + (" (lower is better)" if r["metric"] in LOWER_IS_BETTER else "")
            lines.append(_row([metric, *(_num(v, signed=" - " in k) for k, v in r.items() if k != "metric")]))

        lines += ["", f"## Gate: {self.verdict}", "", _row(["check", "value", "threshold", "result"])]
        lines.append(_row(["---"] * 4))
        for g in self.gate_rows():
            lines.append(
                _row([g["check"], _num(g["value"]), g["threshold"], f"{_bold_fail(g['result'])}: {g['detail']}"])
            )

        if self.samples and n_samples:
            lines += ["", "## Sample generations", ""]
            for i, s in enumerate(self.samples[:n_samples], 1):
                lines += [f"### {i}. [{s['kind']}] {_cut(s['prompt'])}", "", f"- reference: {_cut(s['reference'])}"]
                lines += [f"- {v}: {_cut(s['outputs'][v])}" for v in variants if v in s["outputs"]]
                lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def _num(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def _bold_fail(result: str) -> str:
    return f"**{result}**" if result == "FAIL" else result


def _cut(text: str) -> str:
    # Untrained models emit control bytes; keep the Markdown printable.
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    if not text:
        return "(empty)"
    return text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1] + "…"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
