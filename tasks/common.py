"""What every loraforge task shares: retry policy and how a store or tracking spec is resolved."""

from __future__ import annotations

from typing import Any

from prefect.states import State
from prefect.tasks import exponential_backoff

from loraforge.errors import is_permanent
from loraforge.settings import Settings
from loraforge.storage import ArtifactStore, open_store
from loraforge.target import Target


def retry_transient(task: Any, task_run: Any, state: State) -> bool:
    """Prefect's ``retry_condition_fn``: retry what may pass next time (network, a server restarting,
    an OOM), fail at once on what cannot (missing folder, block or model, invalid settings)."""
    exc = state.data if isinstance(state.data, BaseException) else state.result(raise_on_failure=False)
    return not is_permanent(exc if isinstance(exc, BaseException) else None)


# Only transient failures are retried (see retry_transient).
RETRY_TRANSIENT = {"retry_condition_fn": retry_transient}
# Transient I/O (object store, MLflow server): three retries with jittered exponential backoff.
IO_RETRIES = {
    "retries": 3,
    "retry_delay_seconds": exponential_backoff(backoff_factor=2),
    "retry_jitter_factor": 0.5,
    **RETRY_TRANSIENT,
}
BLOCK = "block:"


def store_spec(store: str | None, store_block: str | None) -> str:
    """The string tasks receive for the artifact store: ``block:<name>``, a folder or an ``s3://`` URI.

    Never credentials: task parameters and cache keys see only this string; a task loads the block.
    """
    if store_block:
        return BLOCK + store_block
    return store or str(Settings().artifacts_root)


def resolve_store(spec: str) -> ArtifactStore:
    """Open the store named by ``spec`` (see ``store_spec``)."""
    if spec.startswith(BLOCK):
        from blocks import ObjectStore

        return ObjectStore.load(spec.removeprefix(BLOCK)).open()
    return open_store(spec)


def resolve_tracking(tracking_uri: str | None, mlflow_block: str | None) -> str | None:
    """The MLflow tracking URI: from the named block (which also sets its token), else as given."""
    if mlflow_block:
        from blocks import MlflowServer

        return MlflowServer.load(mlflow_block).activate()
    return tracking_uri


def target_store(target: Target) -> str:
    """The store spec of a target (its block when named, else its folder or URI)."""
    return store_spec(target.store, target.store_block)
