"""One progress bar per flow run in the Prefect UI, created by the flow and updated in place.

Tasks receive the artifact's id, so a retried task moves the same bar instead of starting a new one
stuck at 0%.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from prefect.artifacts import create_progress_artifact, update_progress_artifact
from prefect.futures import PrefectFuture, as_completed


class RunProgress:
    """A progress artifact counted in steps (``total``), or set directly as a percentage."""

    def __init__(self, key: str, description: str, total: int = 100) -> None:
        self.id: UUID = create_progress_artifact(0.0, key=key, description=description)
        self.total, self.done = max(total, 1), 0

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        self.set(100.0 * self.done / self.total)

    def set(self, percent: float) -> None:
        update_progress_artifact(self.id, min(max(percent, 0.0), 100.0))

    def wait(self, futures: Sequence[PrefectFuture[Any]]) -> list[Any]:
        """Each future's result, in order, advancing one step as each finishes."""
        for _ in as_completed(list(futures)):
            self.advance()
        return [f.result() for f in futures]
