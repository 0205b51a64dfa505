"""Artifact stores (a local folder, or an S3/MinIO bucket or prefix of it) and input sources.

store = open_store("s3://loraforge/acme")      # or a folder, or None: the default local folder
store.put_dir("acme/advisory/datasets/ds-…", Path("out"))
source = open_source("s3://loraforge/acme/advisory/inbox/", store)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from loraforge.storage.base import (
    ArtifactStore,
    ChecksumMismatch,
    clean_key,
    generation,
    read_json,
    read_jsonl,
    write_json,
    write_jsonl,
)
from loraforge.storage.checksum import Digest, digest
from loraforge.storage.local import LocalStore
from loraforge.storage.s3 import S3Store, S3StoreError, parse_s3_uri
from loraforge.storage.sources import BucketSource, FolderSource, InputSource, open_source

if TYPE_CHECKING:
    from loraforge.settings import Settings

__all__ = [
    "ArtifactStore",
    "BucketSource",
    "ChecksumMismatch",
    "Digest",
    "FolderSource",
    "InputSource",
    "LocalStore",
    "S3Store",
    "S3StoreError",
    "clean_key",
    "digest",
    "generation",
    "open_source",
    "open_store",
    "parse_s3_uri",
    "read_json",
    "read_jsonl",
    "write_json",
    "write_jsonl",
]


def open_store(spec: str | Path | None = None, settings: Settings | None = None) -> ArtifactStore:
    """The store named by ``spec``: a folder or ``file://`` URI (default ``$LORAFORGE_HOME/artifacts``),
    or ``s3://bucket[/prefix]`` with the endpoint and credentials of the ``LORAFORGE_S3_*`` settings."""
    from loraforge.settings import Settings

    if spec is None:
        return LocalStore((settings or Settings()).artifacts_root)
    spec = str(spec)
    if spec.startswith("s3://"):
        bucket, prefix = parse_s3_uri(spec)
        return S3Store.from_settings(settings or Settings(), bucket, prefix)
    if spec.startswith("file://"):
        spec = spec[len("file://") :]
    if "://" in spec:
        raise ValueError(f"unsupported store URI {spec!r}: use a folder, file:// or s3://")
    return LocalStore(spec)
