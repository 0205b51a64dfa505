"""The ``data-prep`` flow: raw documents in, a clean, versioned fine-tuning dataset out.

from flows.data_prep import data_prep
manifest = data_prep(source="examples/docs")
"""

from __future__ import annotations

from typing import Any

from prefect import flow, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from pydantic import BaseModel

from loraforge import prep, report
from loraforge.dataset.build import DatasetConfig
from loraforge.dedup import DedupConfig
from loraforge.ingest import IngestConfig
from loraforge.pii import PiiConfig
from tasks.common import resolve_store, store_spec
from tasks.data_prep import build_dataset, deduplicate, ingest_shard, plan_shards, scan_pii


class DataPrepManifest(BaseModel):
    """What the flow returns: where the dataset is, its version, and the counts of every stage."""

    tenant: str
    project: str
    dataset_uri: str
    version: str
    n_files: int
    n_documents: int
    n_examples: int
    quarantined_by_reason: dict[str, int]
    pii_by_entity: dict[str, int]
    pii_by_recognizer: dict[str, int] = {}
    dedup: dict[str, int]
    examples: dict[str, dict[str, int]]
    examples_dropped_by_reason: dict[str, int]


@flow(name="data-prep", description="Ingest, PII-scan, deduplicate and build a versioned chat dataset.")
def data_prep(
    source: str = "examples/docs",
    tenant: str = "default",
    project: str = "default",
    store: str | None = None,
    store_block: str | None = None,
    shard_size: int = 200,
    ingest: IngestConfig = IngestConfig(),
    pii: PiiConfig = PiiConfig(),
    dedup: DedupConfig = DedupConfig(),
    dataset: DatasetConfig = DatasetConfig(),
) -> DataPrepManifest:
    """Run the data-prep chain over the files under ``source`` (a folder or an ``s3://bucket/prefix/``).

    Artifacts go to the ``store_block`` object-store block when named, else ``store`` (a folder or an
    ``s3://`` URI; default ``.loraforge/artifacts``). Returns the dataset manifest.
    """
    config = prep.DataPrepConfig(
        tenant=tenant, project=project, shard_size=shard_size, ingest=ingest, pii=pii, dedup=dedup, dataset=dataset
    )
    store = store_spec(store, store_block)
    shards = plan_shards(store, source, shard_size)
    ingested = ingest_shard.map(unmapped(store), shards, unmapped(config)).result()
    scanned = scan_pii.map(unmapped(store), ingested, unmapped(config)).result()
    deduped = deduplicate(store, scanned, config)
    summary = prep.summarize(ingested, scanned, deduped)
    built = build_dataset(store, deduped, config, summary)
    manifest = DataPrepManifest(
        tenant=tenant,
        project=project,
        dataset_uri=built.extra["uri"],
        version=built.extra["version"],
        n_files=summary["files"],
        n_documents=summary["documents"],
        n_examples=built.n_out,
        quarantined_by_reason=summary["quarantined_by_reason"],
        pii_by_entity=summary["pii_by_entity"],
        pii_by_recognizer=summary["pii_by_recognizer"],
        dedup=summary["dedup"],
        examples=built.extra["counts"],
        examples_dropped_by_reason=built.dropped_by_reason,
    )
    _publish(store, manifest, [*ingested, *scanned, deduped, built])
    return manifest


def _publish(store: str, manifest: DataPrepManifest, stages: list[Any]) -> None:
    key = f"data-prep-{manifest.tenant}-{manifest.project}"
    create_markdown_artifact(
        report.summary_markdown(manifest.model_dump(), stages), key=key, description="data-prep summary"
    )
    create_table_artifact(report.stage_rows(stages), key=f"{key}-stages", description="records in/out per stage")
    create_table_artifact(
        report.pii_rows(manifest.pii_by_entity), key=f"{key}-pii", description="PII findings by entity type"
    )
    create_table_artifact(
        report.pii_recognizer_rows(manifest.pii_by_recognizer),
        key=f"{key}-pii-recognizers",
        description="PII findings by recognizer (rule or model)",
    )
    create_table_artifact(
        report.quarantine_rows(resolve_store(store), stages),
        key=f"{key}-quarantine",
        description="quarantined files and documents, with reasons",
    )


if __name__ == "__main__":
    print(data_prep().model_dump_json(indent=2))
