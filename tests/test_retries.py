"""Retries only where they can help: permanent errors fail at once, transient ones are retried."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from prefect import flow, task
from prefect.states import State

from loraforge.errors import ModelNotFound, is_permanent
from tasks.common import IO_RETRIES, RETRY_TRANSIENT
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
    def plan(source: str) -> tuple[State, BaseException | None]:
        # The task's state is read here, in the flow run: a flow that returns a failed state hands back a
        # FailedRun without it when the test server's SQLite is busy (seen once under CI load).
        state = plan_shards(str(tmp_path / "store"), source, 10, "acme/advisory", return_state=True)
        return state, state.result(raise_on_failure=False)

    state, error = plan(str(tmp_path / "no-such-folder"))
    assert state.is_failed()
    assert isinstance(error, FileNotFoundError)
    assert "source folder not found" in str(error)
    with get_client(sync_client=True) as client:
        task_run = client.read_task_run(state.state_details.task_run_id)
    assert task_run.run_count == 1  # IO_RETRIES allows 3 retries; none was spent on a missing folder


def _s3_error(code: str) -> BaseException:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": code}}, "PutObject")


def _mlflow_error(code: str) -> BaseException:
    from mlflow.exceptions import MlflowException
    from mlflow.protos import databricks_pb2

    return MlflowException(f"API request failed: {code}", error_code=getattr(databricks_pb2, code))


@pytest.mark.parametrize(
    "make, code, permanent",
    [
        (_s3_error, "InvalidAccessKeyId", True),
        (_s3_error, "SignatureDoesNotMatch", True),
        (_s3_error, "AccessDenied", True),
        (_s3_error, "SlowDown", False),
        (_s3_error, "InternalError", False),
        (_mlflow_error, "UNAUTHENTICATED", True),  # 401
        (_mlflow_error, "PERMISSION_DENIED", True),  # 403
        (_mlflow_error, "TEMPORARILY_UNAVAILABLE", False),  # 503
    ],
)
def test_credentials_and_rights_are_permanent(make, code: str, permanent: bool) -> None:  # type: ignore[no-untyped-def]
    assert is_permanent(make(code)) is permanent


def test_a_missing_model_path_says_so(tmp_path: Path) -> None:
    from loraforge.basemodel import check_available

    for path in (str(tmp_path / "no-such-model"), "./models/llama", "~/models/none-here"):
        with pytest.raises(ModelNotFound, match="base model path not found: "):
            check_available(path)


timed: list[float] = []


@task(**IO_RETRIES)
def raising(make, code: str) -> None:  # type: ignore[no-untyped-def]
    timed.append(time.monotonic())
    raise make(code)


@pytest.mark.parametrize(
    "make, code",
    [
        (_s3_error, "InvalidAccessKeyId"),
        (_s3_error, "SignatureDoesNotMatch"),
        (_s3_error, "AccessDenied"),
        (_mlflow_error, "UNAUTHENTICATED"),
        (_mlflow_error, "PERMISSION_DENIED"),
        (lambda path: _model(path), "/nowhere/llama-7b"),
    ],
)
def test_permanent_errors_fail_an_io_task_on_the_first_attempt(prefect_server: None, make, code: str) -> None:  # type: ignore[no-untyped-def]
    @flow
    def once() -> tuple[State, BaseException | None]:
        state = raising(make, code, return_state=True)  # read here: see the missing-folder test
        return state, state.result(raise_on_failure=False)

    timed.clear()
    start = time.monotonic()
    state, error = once()
    elapsed = time.monotonic() - start
    assert state.is_failed()
    assert isinstance(error, Exception)
    assert code.split("/")[-1] in str(error)
    assert len(timed) == 1  # IO_RETRIES allows 3 retries with backoff; none was spent
    assert elapsed < 10, elapsed
    print(f"time to fail, {code}: {elapsed:.2f} s")


def _model(path: str) -> None:
    from loraforge.basemodel import check_available

    check_available(path)


@pytest.mark.parametrize(
    "dataset_version, tenant, cause",
    [("ds-../../etc", "acme", "not a data-prep version name"), ("ds-0123456789ab", "Acme Corp", "tenant")],
)
def test_fine_tune_rejects_bad_names_at_its_entry(
    prefect_server: None, tmp_path: Path, dataset_version: str, tenant: str, cause: str
) -> None:
    from flows.fine_tune import fine_tune
    from loraforge.target import Target

    target = Target.model_construct(  # as a caller that bypasses the form's validation would pass it
        tenant=tenant, project="advisory", store=str(tmp_path), store_block=None, tracking_uri=None, mlflow_block=None
    )
    start = time.monotonic()
    with pytest.raises(Exception, match=cause):  # before any task ran: nothing to retry
        fine_tune(dataset_version=dataset_version, target=target)
    elapsed = time.monotonic() - start
    assert elapsed < 15, elapsed
    print(f"time to fail, fine-tune {dataset_version=} {tenant=}: {elapsed:.2f} s")
