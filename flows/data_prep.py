"""The ``data-prep`` flow: raw documents in, a clean, versioned fine-tuning dataset out.

from flows.data_prep import data_prep
manifest = data_prep(source="examples/docs")
"""

from __future__ import annotations

from typing import Any

from prefect import flow, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from flows.names import data_prep_run_name
from flows.progress import RunProgress
from flows.runners import ShardRunner, shard_pool
from flows.target import FlowTarget
from loraforge import report
from loraforge.prep import DataPrepConfig, DataPrepManifest, summarize
from tasks.common import resolve_store, target_store
from tasks.data_prep import build_dataset, deduplicate, ingest_shard, plan_shards, scan_pii


@flow(
    name="data-prep",
    flow_run_name=data_prep_run_name,
    description="Ingest, PII-scan, deduplicate and build a versioned chat dataset.",
)
def data_prep(
    source: str = "examples/docs",
    target: FlowTarget = FlowTarget(),
    config: DataPrepConfig = DataPrepConfig(),
    runner: ShardRunner = ShardRunner(),
) -> DataPrepManifest:
    """Run the data-prep chain over the files under ``source`` (a folder or an ``s3://bucket/prefix/``).

    Returns the dataset manifest.

    Args:
        source: The documents: a folder on the worker, or s3://bucket/prefix/ in the store's endpoint.
        target: Where the run lives: tenant/project scope and the artifact store (its block wins; default
            .loraforge/artifacts).
        config: Shard size, ingest limits, PII policy and allow-list, dedup threshold, dataset scope and splits.
        runner: Where the ingest and PII shard tasks run: threads, a local Dask cluster or an existing one
            (its address, or LORAFORGE_DASK_ADDRESS); by default chosen by input size (flows/runners.py).
    """
    store = target_store(target.library())
    shards = plan_shards(store, source, config.shard_size, target.prefix, config.ingest.follow_symlinks)
    progress = RunProgress(
        f"data-prep-{target.tenant}-{target.project}-progress",
        f"data-prep progress: {len(shards)} shards through ingest and PII, then dedup and the dataset",
        total=2 * len(shards) + 2,
    )
    # Shard tasks go to the chosen runner (a Dask cluster: worker processes); the rest runs here. A
    # shard's PII scan starts as soon as its ingest ends (no barrier between the stages: a worker
    # never idles while the last ingest shards finish elsewhere).
    with shard_pool(runner, shards) as pool:
        ingesting = pool.map(ingest_shard, {"store": unmapped(store), "shard": shards, "config": unmapped(config)})
        scanning = pool.map(scan_pii, {"store": unmapped(store), "ingested": ingesting, "config": unmapped(config)})
        done = progress.wait([*ingesting, *scanning])
    ingested, scanned = done[: len(shards)], done[len(shards) :]
    deduped = deduplicate(store, scanned, config)
    progress.advance()
    summary = summarize(ingested, scanned, deduped)
    built = build_dataset(store, deduped, config, summary)
    progress.advance()
    manifest = DataPrepManifest.of(summary, built)
    _publish(store, manifest, [*ingested, *scanned, deduped, built])
    return manifest


def _publish(store: str, manifest: DataPrepManifest, stages: list[Any]) -> None:
    key = f"data-prep-{manifest.tenant}-{manifest.project}"
    create_markdown_artifact(
        report.summary_markdown(manifest.model_dump(), stages),
        key=key,
        description=f"data-prep summary of dataset {manifest.version}: where it is, records per stage, quarantine, "
        "PII findings, duplicates and examples by kind",
    )
    create_table_artifact(
        report.stage_rows(stages),
        key=f"{key}-stages",
        description="records in and out of each stage (ingest, PII scan, dedup, build), and why the rest were dropped",
    )
    create_table_artifact(
        report.pii_rows(manifest.pii_by_entity),
        key=f"{key}-pii",
        description="PII findings by entity type, most frequent first (counts only: values are never stored)",
    )
    create_table_artifact(
        report.pii_recognizer_rows(manifest.pii_by_recognizer),
        key=f"{key}-pii-recognizers",
        description="PII findings by recognizer: which rule or model labelled them, most frequent first",
    )
    create_table_artifact(
        report.quarantine_rows(resolve_store(store), stages),
        key=f"{key}-quarantine",
        description="quarantined files and documents, with the stage and the reason (never document text)",
    )


if __name__ == "__main__":
    from flows.logs import quiet_console
    from flows.runners import runner_from, runner_options
    from loraforge.cli import flow_arguments, print_dataset

    # the arguments of `loraforge prep` and where the shard tasks run, through Prefect
    args, config = flow_arguments("prep", on_quiet=quiet_console, options=runner_options)
    runner = runner_from(args)
    print_dataset(data_prep(source=config.source, target=config.target, config=config.data_prep, runner=runner))
