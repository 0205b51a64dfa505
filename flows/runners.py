"""Where the data-prep shard tasks (ingest, PII) run: Prefect's thread pool or a Dask cluster.

Shard work is CPU-bound Python, so threads share one core (the GIL). ``prefect-dask``'s
``DaskTaskRunner`` runs each shard task in a Dask worker *process*: a local cluster sized to the
machine, or an existing cluster (dask-kubernetes, dask-gateway, the compose stack) by its scheduler
address. Workers read inputs from and write outputs to the store themselves; only shard specs and
stage manifests (file lists and store keys) travel through the scheduler.

``kind="auto"`` (the default) picks threads for a small input: starting worker processes and loading
the PII models in each costs seconds that a couple of MB of documents do not repay.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Literal, get_args

from prefect.context import FlowRunContext
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from pydantic import BaseModel, Field

from loraforge.prep import ShardSpec
from loraforge.settings import Settings
from loraforge.storage.sources import content_size

logger = logging.getLogger("loraforge.runners")

# Below this much input (and with fewer than two shards) "auto" stays on threads: a local cluster of
# two processes takes ~4 s to start, and each worker imports the parsers and loads the PII models before
# its first shard. Measured on 2 cores (bench/scale_out.py, shards of 20 files): 0.8 MB of documents
# took 14.1 s on a local cluster vs 10.5 s on threads, 1.6 MB 19.1 vs 20.0 s, 6.3 MB 46.2 vs 61.1 s.
AUTO_MIN_BYTES = 4_000_000


class ShardRunner(BaseModel):
    """How the ingest and PII shard tasks run (a flow parameter; the environment fills the address)."""

    kind: Literal["auto", "threads", "dask"] = Field(
        "auto",
        description="auto: Dask when an address is set or the input is large (>= min_bytes over 2+ shards), "
        "else threads; threads: Prefect's thread pool; dask: a Dask cluster always.",
    )
    address: str | None = Field(
        None,
        description="Scheduler address of an existing Dask cluster (tcp://host:8786); default the "
        "environment variable LORAFORGE_DASK_ADDRESS; unset: a local cluster of processes.",
    )
    workers: int | None = Field(None, ge=1, description="Processes of a local cluster (default: one per core).")
    memory_limit: str = Field(
        "auto", description="Memory limit per local worker ('4GiB'; auto: the machine's memory / workers)."
    )
    min_bytes: int = Field(AUTO_MIN_BYTES, ge=0, description="auto: input bytes from which a local cluster is used.")

    def resolved_address(self) -> str | None:
        return self.address or Settings().dask_address or None

    def local_workers(self) -> int:
        """Processes of a local cluster: ``workers``, else one per core."""
        return self.workers or os.cpu_count() or 1


def runner_options(parser: argparse.ArgumentParser) -> None:
    """``python -m flows.data_prep`` / ``flows.pipeline`` options for ``ShardRunner`` (the flow parameter)."""
    fields = ShardRunner.model_fields
    kinds = get_args(fields["kind"].annotation)
    parser.add_argument("--runner", choices=kinds, default=fields["kind"].default, help=fields["kind"].description)
    parser.add_argument("--dask-address", metavar="tcp://HOST:8786", help=fields["address"].description)
    parser.add_argument("--dask-workers", type=int, metavar="N", help=fields["workers"].description)


def runner_from(args: argparse.Namespace) -> ShardRunner:
    """The ``ShardRunner`` those options name (a worker count or address alone means Dask)."""
    kind = args.runner
    if kind == "auto" and (args.dask_address or args.dask_workers):
        kind = "dask"
    return ShardRunner(kind=kind, address=args.dask_address, workers=args.dask_workers)


def shard_bytes(shards: Sequence[ShardSpec]) -> int:
    """Input bytes of ``shards``, from the sizes recorded in their content ids (skipped entries count 0)."""
    return sum(content_size(content_id) for shard in shards for _, content_id in shard.files)


def local_cluster_kwargs(runner: ShardRunner) -> dict[str, object]:
    """A ``distributed.LocalCluster`` of single-threaded processes, one per core unless set."""
    return {
        "n_workers": runner.local_workers(),
        "threads_per_worker": 1,  # one shard per process at a time: the work is CPU-bound Python
        "processes": True,
        "memory_limit": runner.memory_limit,
        "dashboard_address": None,  # the dashboard needs bokeh, which is not a dependency
    }


def choose(runner: ShardRunner, shards: Sequence[ShardSpec]) -> TaskRunner:
    """The task runner for this run's shard tasks (see ``ShardRunner.kind``)."""
    address = runner.resolved_address()
    size = shard_bytes(shards)
    dask = runner.kind == "dask" or (
        runner.kind == "auto" and (address is not None or (len(shards) > 1 and size >= runner.min_bytes))
    )
    if not dask:
        logger.info("shard tasks on threads (%d shards, %.1f MB)", len(shards), size / 1e6)
        return ThreadPoolTaskRunner()
    from flows.dask_runner import LoraforgeDaskTaskRunner  # distributed is imported only when used

    if address:
        logger.info("shard tasks on the Dask cluster at %s (%d shards)", address, len(shards))
        return LoraforgeDaskTaskRunner(address=address)
    kwargs = local_cluster_kwargs(runner)
    workers = runner.local_workers()
    logger.info("shard tasks on a local Dask cluster of %d processes (%d shards)", workers, len(shards))
    if len(shards) < 2 * workers:  # each shard is one task on one worker: the last ones run alone
        logger.warning(
            "%d shards for %d worker processes: some workers will idle; a smaller data_prep.shard_size "
            "(20-40 files) gives each several",
            len(shards),
            workers,
        )
    return LoraforgeDaskTaskRunner(cluster_kwargs=kwargs)


@contextmanager
def shard_pool(runner: ShardRunner, shards: Sequence[ShardSpec]) -> Iterator[TaskRunner]:
    """The chosen task runner, started (a local cluster: up) for the ``with`` block and stopped after it."""
    task_runner = choose(runner, shards)
    with _api_for_workers(task_runner), task_runner as pool:
        yield pool


def _api_for_workers(task_runner: TaskRunner):  # type: ignore[no-untyped-def]
    """Without PREFECT_API_URL a flow runs on Prefect's temporary local server, which other processes do
    not know of: each Dask worker would start a server of its own. Its URL goes into the settings that
    prefect-dask sends along with every task instead (a remote cluster needs a real server anyway)."""
    context = FlowRunContext.get()
    if isinstance(task_runner, ThreadPoolTaskRunner) or PREFECT_API_URL.value() or context is None:
        return nullcontext()
    return temporary_settings({PREFECT_API_URL: str(context.client.api_url).rstrip("/")})
