"""Training metrics for people and spreadsheets: per-step CSV/JSON and the loss curve (seed FR4.2.1)."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

# Columns of metrics.csv in this order; keys the trainer logs beyond these are appended alphabetically.
# perplexity is exp(eval_loss) of the same step (empty on steps without an evaluation).
CORE_COLUMNS = (
    "step",
    "epoch",
    "loss",
    "eval_loss",
    "perplexity",
    "learning_rate",
    "grad_norm",
    "tokens_per_s",
    "num_input_tokens_seen",
)


def metrics_rows(history: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per step: the trainer logs a train row and an eval row for the same step; merge them."""
    by_step: dict[int, dict[str, Any]] = {}
    for entry in history:
        step = int(entry["step"])
        by_step.setdefault(step, {"step": step}).update({k: v for k, v in entry.items() if v is not None})
        by_step[step]["step"] = step
    rows = [by_step[s] for s in sorted(by_step)]
    for row in rows:
        if isinstance(row.get("eval_loss"), (int, float)):
            row["perplexity"] = math.exp(row["eval_loss"])
    return rows


def metrics_columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    extra = sorted({k for row in rows for k in row} - set(CORE_COLUMNS))
    return [*CORE_COLUMNS, *extra]


def write_metrics_csv(rows: list[dict[str, Any]], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=metrics_columns(rows), restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def final_metrics(
    rows: list[dict[str, Any]], training_summary: Mapping[str, Any], eval_metrics: Mapping[str, Any]
) -> dict[str, Any]:
    """Headline numbers: last train/validation loss, held-out loss and perplexity of base vs adapter, and
    ``improvement_pct``: per evaluation metric, adapter vs base in percent, positive when the adapter is better
    (a loss that falls counts as an improvement; ``loraforge.evaluate.registry.improvement_pct``)."""
    from loraforge.evaluate.registry import METRICS, improvement_pct

    def last(key: str) -> float | None:
        return next((r[key] for r in reversed(rows) if isinstance(r.get(key), (int, float))), None)

    train_loss = training_summary.get("final_train_loss")
    train_loss = last("loss") if train_loss is None else train_loss
    val_loss = training_summary.get("final_eval_loss")
    val_loss = last("eval_loss") if val_loss is None else val_loss
    base, adapter = eval_metrics.get("base", {}), eval_metrics.get("adapter", {})
    b_ppl, a_ppl = base.get("perplexity"), adapter.get("perplexity")
    return {
        "final_training_loss": train_loss,
        "final_validation_loss": val_loss,
        "final_validation_perplexity": math.exp(val_loss) if val_loss is not None else None,
        "heldout_eval_loss_base": base.get("eval_loss"),
        "heldout_eval_loss_adapter": adapter.get("eval_loss"),
        "heldout_perplexity_base": b_ppl,
        "heldout_perplexity_adapter": a_ppl,
        # seed FR4.2.1 "perplexity_improvement": share by which the adapter lowers held-out perplexity
        "perplexity_improvement_pct": round(100 * (b_ppl - a_ppl) / b_ppl, 2) if b_ppl and a_ppl is not None else None,
        "improvement_pct": {
            m: round(pct, 2) for m in METRICS if (pct := improvement_pct(m, base.get(m), adapter.get(m))) is not None
        },
    }


def write_metrics_json(
    rows: list[dict[str, Any]], metadata: Mapping[str, Any], final: Mapping[str, Any], path: Path
) -> None:
    doc = {"job_metadata": dict(metadata), "training_metrics": rows, "final_metrics": dict(final)}
    path.write_text(json.dumps(doc, indent=2, sort_keys=False, default=str) + "\n")


def plot_loss_curve(rows: list[dict[str, Any]], path: Path, title: str) -> None:
    """Training and validation loss per step (learning rate on a second axis), as a PNG.

    Uses the Agg canvas directly (no pyplot, no global backend switch) and strips the PNG's software
    metadata, so the same metrics give the same bytes.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for key, label, style in (("loss", "training loss", "-"), ("eval_loss", "validation loss", "o-")):
        points = [(r["step"], r[key]) for r in rows if isinstance(r.get(key), (int, float))]
        if points:
            ax.plot(*zip(*points, strict=True), style, label=label)
    lr = [(r["step"], r["learning_rate"]) for r in rows if isinstance(r.get("learning_rate"), (int, float))]
    if lr:
        ax2 = ax.twinx()
        ax2.plot(*zip(*lr, strict=True), ":", color="grey", label="learning rate")
        ax2.set_ylabel("learning rate")
    if not rows:
        ax.text(0.5, 0.5, "no training metrics recorded", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.set_title(title)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, format="png", metadata={"Software": None})
