"""The fine-tune run report for people (the Prefect UI, the CLI): verdict, registry entry, training, evaluation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loraforge.evaluate.report import EvalReport
from loraforge.finetune.manifests import FineTuneOutcome
from loraforge.finetune.register import SUMMARY_KEYS


def report_markdown(outcome: FineTuneOutcome, report: Mapping[str, Any]) -> str:
    """Markdown of the outcome and its evaluation report (``eval_report.json``)."""
    lines = [
        f"# fine-tune {outcome.run_name}: **{outcome.verdict}**",
        "",
        f"- dataset `{outcome.dataset_version}`",
        f"- registered `{outcome.model_name}` version {outcome.model_version} (aliases: {', '.join(outcome.aliases)})",
        f"- MLflow run `{outcome.mlflow_run_id}`",
        f"- bundle `{outcome.bundle_uri}` (sha256 `{outcome.bundle_sha256[:16]}…`)",
        *(f"- **warning**: {w}" for w in outcome.warnings),
        "",
        "## Training",
        "",
        "| metric | value |",
        "|---|---:|",
    ]
    lines += [f"| {k} | {outcome.metrics.get(k)} |" for k in SUMMARY_KEYS]
    return "\n".join(lines) + "\n\n" + EvalReport.from_dict(dict(report)).to_markdown()
