"""Prefect tasks of the data-prep flow: one line each around ``loraforge.prep`` stages (no logic here).

Each task takes a store spec (tasks/common.py) and small pydantic specs/manifests, so Prefect's INPUTS cache key is a
hash of *content* (shard file hashes, upstream manifests, config): an unchanged rerun is served from
the cache, a changed file re-runs only its shard and what depends on it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from prefect import task
from prefect.cache_policies import INPUTS, TASK_SOURCE, CachePolicy

from loraforge import prep
from loraforge.prep import DataPrepConfig, ShardSpec, StageManifest
from loraforge.storage import generation
from tasks.common import IO_RETRIES, RETRY_TRANSIENT, resolve_store

# Every stage task: cached by input content for a week. No Prefect timeout: shard tasks run in worker
# threads or in a Dask worker's thread (flows/runners.py), where a Prefect timeout cannot interrupt
# anything (Prefect says so in a warning); the bound that works is the ingest stage's per-file parse
# timeout (``ingest.timeout_s``). Task results are manifests of store keys: on Dask, only they travel
# through the scheduler, the documents stay in the store.
# The store's generation is part of the key: a wiped store (rm -rf .loraforge) never gets cache hits
# that point at outputs it no longer holds.
STORE_GENERATION = CachePolicy.from_cache_key_fn(lambda _ctx, inputs: generation(resolve_store(inputs["store"])))
CACHED = {"cache_policy": INPUTS + TASK_SOURCE + STORE_GENERATION, "cache_expiration": timedelta(days=7)}


@task(name="plan-shards", tags=["data-prep"], **IO_RETRIES)
def plan_shards(
    store: str, source: str, shard_size: int, prefix: str, follow_symlinks: bool = False
) -> list[ShardSpec]:
    """List the input files (a folder or a bucket prefix), cut into shards (never one task per document)."""
    return prep.plan_shards(
        source, shard_size, store=resolve_store(store), prefix=prefix, follow_symlinks=follow_symlinks
    )


@task(name="ingest-shard", tags=["data-prep", "ingest"], task_run_name="ingest-{shard.key}", **CACHED, **IO_RETRIES)
def ingest_shard(store: str, shard: ShardSpec, config: DataPrepConfig) -> StageManifest:
    return prep.ingest_shard(resolve_store(store), shard, config)


@task(name="scan-pii", tags=["data-prep", "pii"], retries=1, **CACHED, **RETRY_TRANSIENT)
def scan_pii(store: str, ingested: StageManifest, config: DataPrepConfig) -> StageManifest:
    return prep.scan_pii(resolve_store(store), ingested, config)


@task(name="deduplicate", tags=["data-prep", "dedup"], retries=1, **CACHED, **RETRY_TRANSIENT)
def deduplicate(store: str, scanned: list[StageManifest], config: DataPrepConfig) -> StageManifest:
    return prep.deduplicate(resolve_store(store), scanned, config)


@task(name="build-dataset", tags=["data-prep", "dataset"], **CACHED, **IO_RETRIES)
def build_dataset(store: str, deduped: StageManifest, config: DataPrepConfig, report: dict[str, Any]) -> StageManifest:
    return prep.build_dataset(resolve_store(store), deduped, config, report)
