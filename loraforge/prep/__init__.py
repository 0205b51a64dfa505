"""The data-prep half: ingest → PII → dedup → dataset over shards in the artifact store.

from loraforge.prep import DataPrepConfig, run_data_prep
from loraforge.storage import LocalStore
from loraforge.target import Target

manifest = run_data_prep("examples/docs", LocalStore("/tmp/store"), DataPrepConfig(), Target(tenant="acme"))
"""

from __future__ import annotations

from pathlib import Path

from loraforge.prep.manifests import DEFAULT_PREFIX, DataPrepConfig, DataPrepManifest, ShardSpec, StageManifest
from loraforge.prep.stages import build_dataset, deduplicate, ingest_shard, plan_shards, read_docs, scan_pii, summarize
from loraforge.storage import ArtifactStore
from loraforge.target import Target

__all__ = [
    "DEFAULT_PREFIX",
    "DataPrepConfig",
    "DataPrepManifest",
    "ShardSpec",
    "StageManifest",
    "build_dataset",
    "deduplicate",
    "ingest_shard",
    "plan_shards",
    "read_docs",
    "run_data_prep",
    "scan_pii",
    "summarize",
]


def run_data_prep(
    source: str | Path, store: ArtifactStore, config: DataPrepConfig | None = None, target: Target | None = None
) -> DataPrepManifest:
    """The whole chain in one process, no orchestration: same stages, same outputs as the flow."""
    config, target = config or DataPrepConfig(), target or Target()
    shards = plan_shards(
        source, config.shard_size, store=store, prefix=target.prefix, follow_symlinks=config.ingest.follow_symlinks
    )
    ingested = [ingest_shard(store, shard, config) for shard in shards]
    scanned = [scan_pii(store, m, config) for m in ingested]
    deduped = deduplicate(store, scanned, config)
    summary = summarize(ingested, scanned, deduped)
    return DataPrepManifest.of(summary, build_dataset(store, deduped, config, summary))
