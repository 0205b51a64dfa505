"""What the data-prep stages take and return: the config, shard specs and small stage manifests.

Manifests hold store keys and counts, never data: they are what passes between Prefect tasks, what
Prefect hashes for its cache keys, and what ``run_data_prep`` and the flow return.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from loraforge.dataset.build import DatasetConfig
from loraforge.dedup import DedupConfig
from loraforge.ingest import IngestConfig
from loraforge.pii import PiiConfig
from loraforge.records import sha256_hex

DEFAULT_PREFIX = "default/default"


class DataPrepConfig(BaseModel):
    """Every knob of the data-prep chain, with working defaults (where it runs is the ``Target``)."""

    model_config = ConfigDict(extra="forbid")

    shard_size: int = Field(200, ge=1, description="Files per ingest/PII shard (one task run each).")
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    pii: PiiConfig = Field(default_factory=PiiConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    dataset: DatasetConfig = Field(default_factory=DatasetConfig)


class ShardSpec(BaseModel):
    """A batch of input files, identified by content so an unchanged shard hashes the same.

    ``root`` is a local folder or an ``s3://bucket/prefix`` URI. The content id of a local file is
    ``stat:<size>:<mtime_ns>:<inode>`` (``skipped:<reason>:<detail>`` for an entry not ingested); of an
    object, ``etag:<ETag>:<size>`` from the bucket listing. ``prefix`` is the
    ``tenant/project`` scope every stage downstream writes under.
    """

    root: str
    files: list[tuple[str, str]]  # (path relative to root, content id)
    prefix: str = DEFAULT_PREFIX

    @property
    def key(self) -> str:
        return sha256_hex("\n".join(f"{p}\x1f{h}" for p, h in self.files))[:16]


class StageManifest(BaseModel):
    """What a stage wrote (store keys) and its in/out counts: the only thing passed between tasks."""

    stage: str
    prefix: str = DEFAULT_PREFIX  # the tenant/project scope of the keys, passed on to the next stage
    outputs: list[str] = Field(default_factory=list)  # store keys (not "keys": pydantic models with a
    # "keys" attribute break dict(model), which Prefect calls on task results)
    quarantine_keys: list[str] = Field(default_factory=list)
    # MinHash signatures of the outputs' documents (``.npy``, rows aligned), where the stage computed
    # them: the PII shard tasks do, so dedup, one task for the whole run, only reads them
    signatures: list[str] = Field(default_factory=list)
    n_in: int = 0
    n_out: int = 0
    dropped_by_reason: dict[str, int] = Field(default_factory=dict)
    extra: dict[str, Any] = Field(default_factory=dict)


class DataPrepManifest(BaseModel):
    """What data-prep returns: where the dataset is, its version, and the counts of every stage."""

    tenant: str
    project: str
    dataset_uri: str
    version: str
    n_files: int
    n_documents: int
    n_examples: int
    quarantined_by_reason: dict[str, int]
    pii_by_entity: dict[str, int]
    pii_by_recognizer: dict[str, int] = Field(default_factory=dict)
    dedup: dict[str, int]
    examples: dict[str, dict[str, int]]
    examples_dropped_by_reason: dict[str, int]

    @property
    def dataset_key(self) -> str:
        """Store key of the dataset folder (what ``FineTuneRun.dataset_key`` reads)."""
        return f"{self.tenant}/{self.project}/datasets/{self.version}"

    @classmethod
    def of(cls, summary: dict[str, Any], built: StageManifest) -> DataPrepManifest:
        """The manifest of a finished chain: upstream counts (``summarize``) and the dataset stage's manifest."""
        tenant, project = built.prefix.split("/", 1)
        return cls(
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
