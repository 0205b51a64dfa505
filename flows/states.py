"""The gate's verdict on the run itself, so the runs list tells a no-go from a go at a glance."""

from __future__ import annotations

from typing import Any

from prefect.states import Completed, State

NAMES = {"go": "Completed", "no-go": "No-go", "inconclusive": "Inconclusive"}


def verdict_state(verdict: str, reasons: list[str], data: Any) -> State:
    """A completed state named after the verdict (``No-go``, ``Inconclusive``), its message the first
    failing or undecided check, holding the flow's return value."""
    judged = [r for r in reasons if not r.endswith("-> pass")]
    message = f"gate: {verdict}" + (f" ({judged[0]})" if judged and verdict != "go" else "")
    return Completed(data=data, name=NAMES.get(verdict, "Completed"), message=message)
