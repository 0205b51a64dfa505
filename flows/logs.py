"""loraforge's own log lines (stage counts, quarantine reasons, the gate; never a value) in the run logs.

The library logs under ``loraforge.*`` and knows nothing of Prefect. Here its records are sent to the
Prefect API, as Prefect does for its own loggers, but only from inside a flow or task run: the same
library runs without Prefect (the CLI, notebooks), where there is no run to attach a line to.
"""

from __future__ import annotations

import logging
import re

from prefect.context import FlowRunContext, TaskRunContext
from prefect.logging.handlers import APILogHandler


class RunLogHandler(APILogHandler):
    """Prefect's API log handler for records made inside a flow or task run; others are left alone."""

    def emit(self, record: logging.LogRecord) -> None:
        if FlowRunContext.get() is not None or TaskRunContext.get() is not None:
            super().emit(record)


def forward_library_logs(level: int = logging.INFO) -> None:
    """Send ``loraforge.*`` records at ``level`` and above to the run logs (idempotent)."""
    logger = logging.getLogger("loraforge")
    if logger.level == logging.NOTSET or logger.level > level:
        logger.setLevel(level)
    if not any(isinstance(h, RunLogHandler) for h in logger.handlers):
        logger.addHandler(RunLogHandler())


# Prefect's per-run boilerplate on the terminal; failures, non-Completed states and task logs still show.
BOILERPLATE = re.compile(
    r"^(Beginning (sub)?flow run|Finished in state Completed\(\)$|Created (task|subflow) run|Executing '|View at )"
)


class _NoBoilerplate(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not BOILERPLATE.match(record.getMessage())


def quiet_console() -> None:
    """The terminal of ``python -m flows.…``: Prefect's console lines without its per-run boilerplate
    (the run logs in the UI keep everything)."""
    from prefect.logging.handlers import PrefectConsoleHandler

    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(
            isinstance(f, _NoBoilerplate) for f in handler.filters
        ):
            handler.addFilter(_NoBoilerplate())
