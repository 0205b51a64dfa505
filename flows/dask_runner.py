"""``prefect-dask``'s task runner as the data-prep flow uses it (imported only when a run picks Dask)."""

from __future__ import annotations

from distributed import WorkerPlugin
from prefect_dask import DaskTaskRunner


class ForwardLibraryLogs(WorkerPlugin):
    """Installs loraforge's run-log forwarding in each Dask worker, as importing ``flows`` does here."""

    name = "loraforge-forward-logs"

    def setup(self, worker: object) -> None:
        import flows  # noqa: F401  (forwards loraforge.* records to the run logs)


class LoraforgeDaskTaskRunner(DaskTaskRunner):
    """``DaskTaskRunner`` that registers ``ForwardLibraryLogs`` on the cluster once its client exists."""

    @property
    def client(self):  # type: ignore[no-untyped-def]
        fresh = self._client is None
        client = super().client
        if fresh:
            client.register_plugin(ForwardLibraryLogs())
        return client

    def duplicate(self) -> LoraforgeDaskTaskRunner:
        return type(self)(address=self.address, cluster_kwargs=self.cluster_kwargs, client_kwargs=self.client_kwargs)
