"""``prefect-dask``'s task runner as the data-prep flow uses it (imported only when a run picks Dask)."""

from __future__ import annotations

import gc

import dask
from distributed import Worker, WorkerPlugin
from distributed.core import Status
from prefect_dask import DaskTaskRunner

# Dask's nanny starts every worker with MALLOC_TRIM_THRESHOLD_=65536, so that glibc hands freed memory
# back to the OS at once. The PII stage allocates and frees many small spaCy and regex objects per
# document: with that setting the same shards took 1.27x the time (measured on the sample corpus). A local
# cluster's workers start without it; a remote cluster is configured where it runs (README, compose).
LOCAL_WORKER_CONFIG = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}


class LoraforgeWorker(WorkerPlugin):
    """In each Dask worker: loraforge's run-log forwarding (as importing ``flows`` does here), and a quick
    exit when the worker closes."""

    name = "loraforge-worker"

    def setup(self, worker: Worker) -> None:
        import flows  # noqa: F401  (forwards loraforge.* records to the run logs)

    def teardown(self, worker: Worker) -> None:
        # Called when the worker closes, and when the next flow run registers this plugin again (then
        # nothing is done). On close the process ends next: Python's shutdown runs full garbage
        # collections over every object still alive (the PII models, the parsers), 1.1 s of the 1.3 s
        # a process with the stages loaded takes to exit, and a local cluster waits for its workers to
        # exit. Frozen objects are left out of those collections; atexit handlers (log delivery) still run.
        if worker.status == Status.closing:
            gc.freeze()


class LoraforgeDaskTaskRunner(DaskTaskRunner):
    """``DaskTaskRunner`` that starts a local cluster's workers with ``LOCAL_WORKER_CONFIG`` and registers
    ``LoraforgeWorker`` on the cluster once its client exists (both happen on first use)."""

    @property
    def client(self):  # type: ignore[no-untyped-def]
        if self._client is not None:
            return super().client
        with dask.config.set(LOCAL_WORKER_CONFIG):  # read when the local cluster's nannies are made
            client = super().client
        client.register_plugin(LoraforgeWorker())
        return client

    def duplicate(self) -> LoraforgeDaskTaskRunner:
        return type(self)(address=self.address, cluster_kwargs=self.cluster_kwargs, client_kwargs=self.client_kwargs)
