"""The fine-tune run report for people (the Prefect UI, the CLI): verdict, registry entry, training, evaluation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loraforge.display import is_web_url, mlflow_run_markdown, num, text, where
from loraforge.evaluate.report import EvalReport
from loraforge.finetune.manifests import FineTuneOutcome
from loraforge.finetune.register import SUMMARY_KEYS


def report_markdown(outcome: FineTuneOutcome, report: Mapping[str, Any], tracking_uri: str | None = None) -> str:
    """Markdown of the outcome and its evaluation report (``eval_report.json``). ``tracking_uri``: the
    MLflow store of the run, for how to open it when the outcome has no web link to it."""
    lines = [
        f"# fine-tune {outcome.run_name}: **{outcome.verdict}**",
        "",
        f"- dataset `{outcome.dataset_version}`",
        f"- registered `{outcome.model_name}` version {outcome.model_version} (aliases: {', '.join(outcome.aliases)})",
        f"- {mlflow_run_markdown(outcome.mlflow_run_id, outcome.mlflow_run_url, tracking_uri)}",
        f"- bundle {bundle_markdown(outcome)}",
        *(
            [f"- merged model (base + adapter, no PEFT needed) {where(outcome.merged_uri, 'merged')}"]
            if outcome.merged_uri
            else []
        ),
        *(f"- **warning**: {text(w)}" for w in outcome.warnings),
        "",
        "## Training",
        "",
        "| metric | value |",
        "|---|---:|",
    ]
    lines += [f"| {k} | {num(outcome.metrics.get(k), significant=4)} |" for k in SUMMARY_KEYS]
    return "\n".join(lines) + "\n\n" + EvalReport.from_dict(dict(report)).to_markdown()


def bundle_markdown(outcome: FineTuneOutcome) -> str:
    """The bundle as a download link (an http(s) URL, e.g. presigned) or its path or URI, with its sha256."""
    url = outcome.bundle_url if is_web_url(outcome.bundle_url) else outcome.bundle_uri
    return f"{where(url, 'download ' + outcome.bundle_uri.rsplit('/', 1)[-1])} (sha256 `{outcome.bundle_sha256[:16]}…`)"
