"""The ``data-prep`` flow: raw documents in, a clean, versioned fine-tuning dataset out.

from flows.data_prep import data_prep
manifest = data_prep(source="examples/docs")
"""

from __future__ import annotations

from typing import Any

from prefect import flow, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from loraforge import report
from loraforge.prep import DataPrepConfig, DataPrepManifest, summarize
from loraforge.target import Target
from tasks.common import resolve_store, target_store
from tasks.data_prep import build_dataset, deduplicate, ingest_shard, plan_shards, scan_pii


@flow(name="data-prep", description="Ingest, PII-scan, deduplicate and build a versioned chat dataset.")
def data_prep(
    source: str = "examples/docs", target: Target = Target(), config: DataPrepConfig = DataPrepConfig()
) -> DataPrepManifest:
    """Run the data-prep chain over the files under ``source`` (a folder or an ``s3://bucket/prefix/``).

    ``target`` scopes the run (tenant/project) and names the artifact store (its ``store_block`` when
    set, else ``store``; default ``.loraforge/artifacts``). Returns the dataset manifest.
    """
    store = target_store(target)
    shards = plan_shards(store, source, config.shard_size, target.prefix)
    ingested = ingest_shard.map(unmapped(store), shards, unmapped(config)).result()
    scanned = scan_pii.map(unmapped(store), ingested, unmapped(config)).result()
    deduped = deduplicate(store, scanned, config)
    summary = summarize(ingested, scanned, deduped)
    built = build_dataset(store, deduped, config, summary)
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
    print(data_prep().model_dump_json(indent=2))
