"""Data-prep shard tasks on Dask (flows/runners.py): a local cluster of processes and an existing cluster
by address give the same dataset as Prefect's thread pool, and ``auto`` picks the runner by input size."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.task_runners import ThreadPoolTaskRunner

from flows.dask_runner import LoraforgeDaskTaskRunner
from flows.runners import AUTO_MIN_BYTES, ShardRunner, choose, runner_from, runner_options, shard_bytes
from loraforge.prep import DataPrepConfig, ShardSpec, plan_shards
from loraforge.target import Target

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "examples" / "docs"
# 39 files in shards of 10: four shard tasks per stage, so two workers both get work
CONFIG = DataPrepConfig(shard_size=10)
SHARDS = 4


def _run(store: Path, runner: ShardRunner):
    from flows.data_prep import data_prep

    return data_prep(
        source=str(DOCS), target=Target(tenant="acme", project="dask", store=str(store)), config=CONFIG, runner=runner
    )


@pytest.fixture(scope="module")
def on_threads(prefect_server, tmp_path_factory):
    return _run(tmp_path_factory.mktemp("threads"), ShardRunner(kind="threads"))


# -- choosing the runner (no cluster started) ----------------------------------------------------


def test_shard_bytes_adds_the_recorded_sizes_of_files_and_objects():
    shards = [
        ShardSpec(
            root="/docs",
            files=[
                ("a.md", "stat:1200:17:9"),
                ("b.bin", "skipped:unsupported:.bin"),
                ("gone.txt", "stat:FileNotFoundError"),  # deleted between listing and stat: ingest records it
            ],
        ),
        ShardSpec(root="s3://b/p", files=[("c.pdf", 'etag:"9f:x":3400')]),
    ]
    assert shard_bytes(shards) == 4600
    assert shard_bytes(plan_shards(DOCS, 10)) == sum(p.stat().st_size for p in DOCS.rglob("*") if p.is_file())


def test_auto_keeps_the_sample_corpus_on_threads(monkeypatch):
    monkeypatch.delenv("LORAFORGE_DASK_ADDRESS", raising=False)
    shards = plan_shards(DOCS, 10)
    assert len(shards) == SHARDS and shard_bytes(shards) < AUTO_MIN_BYTES
    assert isinstance(choose(ShardRunner(), shards), ThreadPoolTaskRunner)
    # one shard never goes to a cluster, whatever its size
    assert isinstance(choose(ShardRunner(min_bytes=0), plan_shards(DOCS, 200)), ThreadPoolTaskRunner)


def test_auto_uses_a_local_cluster_sized_to_the_machine_for_a_large_input(monkeypatch):
    monkeypatch.delenv("LORAFORGE_DASK_ADDRESS", raising=False)
    runner = choose(ShardRunner(min_bytes=1000), plan_shards(DOCS, 10))
    assert isinstance(runner, LoraforgeDaskTaskRunner)
    assert runner.address is None
    assert runner.cluster_kwargs == {
        "n_workers": os.cpu_count(),
        "threads_per_worker": 1,
        "processes": True,
        "memory_limit": "auto",
        "dashboard_address": None,
    }
    sized = choose(ShardRunner(kind="dask", workers=3, memory_limit="2GiB"), plan_shards(DOCS, 200))
    assert (sized.cluster_kwargs["n_workers"], sized.cluster_kwargs["memory_limit"]) == (3, "2GiB")
    assert isinstance(choose(ShardRunner(kind="threads", min_bytes=0), plan_shards(DOCS, 10)), ThreadPoolTaskRunner)


def test_a_local_cluster_with_fewer_than_two_shards_per_worker_says_to_cut_smaller_shards(caplog, monkeypatch):
    monkeypatch.delenv("LORAFORGE_DASK_ADDRESS", raising=False)
    with caplog.at_level("WARNING", logger="loraforge.runners"):
        choose(ShardRunner(kind="dask", workers=2), plan_shards(DOCS, 10))  # 4 shards: 2 per worker
    assert not caplog.records
    with caplog.at_level("WARNING", logger="loraforge.runners"):
        choose(ShardRunner(kind="dask", workers=3), plan_shards(DOCS, 10))
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["4 shards for 3 worker processes"]


def test_an_address_from_the_parameter_or_the_environment_selects_that_cluster(monkeypatch):
    shards = plan_shards(DOCS, 200)
    monkeypatch.setenv("LORAFORGE_DASK_ADDRESS", "tcp://dask-scheduler:8786")
    from_env = choose(ShardRunner(), shards)
    assert isinstance(from_env, LoraforgeDaskTaskRunner)
    assert (from_env.address, from_env.cluster_kwargs) == ("tcp://dask-scheduler:8786", {})
    assert choose(ShardRunner(address="tcp://10.0.0.5:8786"), shards).address == "tcp://10.0.0.5:8786"
    # an explicit "threads" wins over the environment
    assert isinstance(choose(ShardRunner(kind="threads"), shards), ThreadPoolTaskRunner)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ShardRunner()),
        (["--runner", "threads"], ShardRunner(kind="threads")),
        (["--dask-workers", "3"], ShardRunner(kind="dask", workers=3)),  # a worker count alone means Dask
        (["--dask-address", "tcp://s:8786"], ShardRunner(kind="dask", address="tcp://s:8786")),
        (["--runner", "auto", "--dask-workers", "2"], ShardRunner(kind="dask", workers=2)),
    ],
)
def test_the_flow_modules_runner_options_make_the_flow_parameter(argv, expected):
    parser = argparse.ArgumentParser()
    runner_options(parser)
    assert runner_from(parser.parse_args(argv)) == expected


# -- real clusters ------------------------------------------------------------------------------


def test_a_local_cluster_of_two_processes_builds_the_same_dataset_as_threads(on_threads, tmp_path, monkeypatch):
    monkeypatch.delenv("LORAFORGE_DASK_ADDRESS", raising=False)
    on_dask = _run(tmp_path, ShardRunner(kind="dask", workers=2))
    assert on_dask.version == on_threads.version
    assert (on_dask.n_documents, on_dask.dedup, on_dask.examples) == (
        on_threads.n_documents,
        on_threads.dedup,
        on_threads.examples,
    )
    assert (tmp_path / "acme" / "dask" / "datasets" / on_dask.version).is_dir()


def test_the_flow_module_runs_on_a_local_cluster_named_on_its_command_line(on_threads, tmp_path):
    """``python -m flows.data_prep --runner dask``: the worker processes start from a module run with -m."""
    from prefect.settings import PREFECT_API_URL

    env = {k: v for k, v in os.environ.items() if k != "LORAFORGE_DASK_ADDRESS"}
    env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())  # the test session's server
    argv = [sys.executable, "-m", "flows.data_prep", "--source", str(DOCS), "--runner", "dask", "--dask-workers", "2"]
    argv += ["target.tenant=acme", "target.project=dask", f"target.store={tmp_path}", "data_prep.shard_size=10"]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=REPO, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "shard tasks on a local Dask cluster of 2 processes (4 shards)" in done.stderr
    assert f"dataset  {on_threads.version}:" in done.stdout
    assert (tmp_path / "acme" / "dask" / "datasets" / on_threads.version).is_dir()


@pytest.fixture
def dask_cluster(tmp_path) -> Iterator[str]:
    """A scheduler and two single-threaded worker processes started as separate programs (``dask`` CLI)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from servers import free_port, start

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(REPO), "DASK_LOGGING__DISTRIBUTED": "warning"}
    dask = str(Path(sys.executable).parent / "dask")
    scheduler_log = tmp_path / "scheduler.log"
    scheduler = start(
        "dask scheduler",
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        scheduler_log,
        lambda: _listening(port),
        env,
        cwd=tmp_path,
    )
    workers = []
    try:
        for i in range(2):
            argv = [dask, "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard", "--name", f"w{i}"]
            workers.append(
                start(f"dask worker {i}", argv, tmp_path / f"worker{i}.log", lambda: True, env, cwd=tmp_path)
            )
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in [*workers, scheduler]:
            process.stop()


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_an_existing_cluster_named_by_the_environment_runs_the_shard_tasks(
    on_threads, dask_cluster, tmp_path, monkeypatch
):
    from distributed import Client

    monkeypatch.setenv("LORAFORGE_DASK_ADDRESS", dask_cluster)
    on_remote = _run(tmp_path / "store", ShardRunner())  # auto: the address wins over the small input
    assert on_remote.version == on_threads.version
    with Client(dask_cluster) as client:
        done = client.run_on_scheduler(
            lambda dask_scheduler: {p: tp.state_counts["memory"] for p, tp in dask_scheduler.task_prefixes.items()}
        )
    # every shard task of both stages ran (and finished) on that cluster's workers
    assert done == {
        "ingest_shard": SHARDS,
        "scan_pii": SHARDS,
    }


def test_a_worker_freezes_its_objects_only_when_it_closes():
    """The worker plugin's exit shortcut (gc.freeze) must not hit a worker that stays up: a running
    cluster sees the plugin registered again by every flow run."""
    import gc

    from distributed import Client, LocalCluster

    from flows.dask_runner import LoraforgeWorker

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            for _ in range(2):  # the second registration tears the first down
                client.register_plugin(LoraforgeWorker())
            assert list(client.run(gc.get_freeze_count).values()) == [0]
            closing = client.run(_teardown_while_closing)
    assert list(closing.values()) == [True]


def _teardown_while_closing() -> bool:
    """In the worker process: the plugin's teardown as ``Worker.close`` calls it (status closing)."""
    import gc
    from types import SimpleNamespace

    from distributed.core import Status

    from flows.dask_runner import LoraforgeWorker

    try:
        LoraforgeWorker().teardown(SimpleNamespace(status=Status.closing))  # type: ignore[arg-type]
        return gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
