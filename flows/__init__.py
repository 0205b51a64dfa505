"""Prefect flows of loraforge.

Importing the package sets offline defaults before any Prefect server starts: the temporary local
server a flow call starts inherits this environment, and Prefect's server telemetry (on by default)
would otherwise post to Prefect's analytics endpoint. A user who exports other values keeps them.
It also forwards the library's ``loraforge.*`` log lines to the Prefect run logs (``flows/logs.py``).
"""

import os

OFFLINE_ENV = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "true"}

for _key, _value in OFFLINE_ENV.items():
    os.environ.setdefault(_key, _value)
# Dask's scheduler and workers (flows/runners.py) log every start and stop at INFO; warnings still show.
# Set before distributed is imported (it reads its logging config then); worker processes inherit it.
os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")

from flows.logs import forward_library_logs  # noqa: E402  (after the environment above)

forward_library_logs()
