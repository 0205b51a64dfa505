"""Run names that say what a run is about (Prefect's ``flow_run_name``), instead of random words.

pipeline acme/advisory 2026-11-30 21:36
data-prep acme/advisory 2026-11-30 21:36
fine-tune acme/advisory ds-047e9eef 2026-11-30 21:37
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prefect.runtime import flow_run


def _get(value: Any, field: str, default: str) -> str:
    """A field of a parameter, whether Prefect hands it over as a model or as its JSON dict."""
    found = value.get(field) if isinstance(value, dict) else getattr(value, field, None)
    return str(found) if found else default


def _name(flow: str, *parts: str) -> str:
    target = flow_run.parameters.get("target")
    scope = f"{_get(target, 'tenant', 'default')}/{_get(target, 'project', 'default')}"
    started = flow_run.scheduled_start_time or datetime.now(UTC)
    return " ".join([flow, scope, *parts, f"{started:%Y-%m-%d %H:%M}"])


def pipeline_run_name() -> str:
    return _name("pipeline")


def data_prep_run_name() -> str:
    return _name("data-prep")


def fine_tune_run_name() -> str:
    version = str(flow_run.parameters.get("dataset_version", "")).removeprefix("ds-")[:8]
    return _name("fine-tune", f"ds-{version}")
