"""Prefect flows of loraforge.

Importing the package sets offline defaults before any Prefect server starts: the temporary local
server a flow call starts inherits this environment, and Prefect's server telemetry (on by default)
would otherwise post to Prefect's analytics endpoint. A user who exports other values keeps them.
"""

import os

OFFLINE_ENV = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "true"}

for _key, _value in OFFLINE_ENV.items():
    os.environ.setdefault(_key, _value)
