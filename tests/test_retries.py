"""Retries only where they can help: permanent errors fail at once, transient ones are retried."""

from __future__ import annotations

from pathlib import Path

import pytest
from prefect import flow, task
from prefect.states import State

from loraforge.errors import ModelNotFound, is_permanent
from tasks.common import RETRY_TRANSIENT
from tasks.data_prep import plan_shards

attempts: list[str] = []


@task(retries=2, retry_delay_seconds=0, **RETRY_TRANSIENT)
def flaky(error: str) -> str:
    attempts.append(error)
    if error == "connection" and len(attempts) < 3:
        raise ConnectionError("object store restarting")
    if error == "missing":
        raise FileNotFoundError("no such folder: /data/inbox")
    return "done"


@flow
def run_flaky(error: str) -> str:
    return flaky(error)


@pytest.mark.parametrize(
    "exc, permanent",
    [
        (FileNotFoundError("x"), True),
        (PermissionError("x"), True),
        (ValueError("Unable to find block document named minio"), True),
        (ModelNotFound("x"), True),
        (ConnectionError("x"), False),
        (TimeoutError("x"), False),
        (OSError("disk hiccup"), False),
        (RuntimeError("CUDA out of memory"), False),
    ],
)
def test_permanent_or_transient(exc: BaseException, permanent: bool) -> None:
    assert is_permanent(exc) is permanent


def test_transient_errors_are_retried_and_permanent_ones_are_not(prefect_server: None) -> None:
    attempts.clear()
    assert run_flaky("connection") == "done"
    assert attempts == ["connection"] * 3
    attempts.clear()
    with pytest.raises(FileNotFoundError):
        run_flaky("missing")
    assert attempts == ["missing"]  # once: a retry cannot create the folder


def test_a_missing_source_folder_fails_the_real_task_once(prefect_server: None, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client

    @flow
    def plan(source: str) -> State:
        return plan_shards(str(tmp_path / "store"), source, 10, "acme/advisory", return_state=True)

    state = plan(str(tmp_path / "no-such-folder"), return_state=True).result(raise_on_failure=False)
    assert state.is_failed()
    with pytest.raises(FileNotFoundError, match="source folder not found"):
        state.result()
    with get_client(sync_client=True) as client:
        task_run = client.read_task_run(state.state_details.task_run_id)
    assert task_run.run_count == 1  # IO_RETRIES allows 3 retries; none was spent on a missing folder
