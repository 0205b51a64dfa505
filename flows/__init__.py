"""Prefect flows of loraforge.

Importing the package sets offline defaults before any Prefect server starts: the temporary local
server a flow call starts inherits this environment, and Prefect's server telemetry (on by default)
would otherwise post to Prefect's analytics endpoint. That server gets 120 s to start instead of
Prefect's 20: on a busy 2-core machine its database migrations alone took longer, and the whole run
failed with "Timed out while attempting to connect to ephemeral Prefect API server". A user who
exports other values keeps them.
It also forwards the library's ``loraforge.*`` log lines to the Prefect run logs (``flows/logs.py``).
"""

import os

DEFAULT_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "true",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}

for _key, _value in DEFAULT_ENV.items():
    os.environ.setdefault(_key, _value)
# Dask's scheduler and workers (flows/runners.py) log every start and stop at INFO; warnings still show.
# Set before distributed is imported (it reads its logging config then); worker processes inherit it.
os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")

from flows.logs import forward_library_logs  # noqa: E402  (after the environment above)

forward_library_logs()
