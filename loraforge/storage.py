"""Artifact store: where shards, manifests, indexes and datasets live.

Stages exchange *references* (URIs) rather than data. The embedded default is a local folder; an
S3/MinIO bucket (optionally a prefix of it) plugs in behind the same small interface. Keys are
POSIX-style paths relative to the store root and are always scoped by ``tenant/project``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from loraforge.s3store import ChecksumMismatch, S3Store, S3StoreError, clean_key, parse_s3_uri

__all__ = [
    "DEFAULT_ROOT",
    "ArtifactStore",
    "ChecksumMismatch",
    "LocalStore",
    "S3Store",
    "S3StoreError",
    "clean_key",
    "open_store",
    "parse_s3_uri",
    "read_json",
    "read_jsonl",
    "write_json",
    "write_jsonl",
]

DEFAULT_ROOT = Path(os.environ.get("LORAFORGE_HOME", ".loraforge")) / "artifacts"


class ArtifactStore(Protocol):
    """The operations every store provides."""

    def uri(self, key: str) -> str: ...
    def download_url(self, key: str) -> str: ...
    def put_bytes(self, key: str, data: bytes) -> str: ...
    def get_bytes(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str) -> list[str]: ...
    def put_dir(self, key: str, local_dir: Path) -> str: ...
    def get_dir(self, key: str, local_dir: Path) -> Path: ...


class LocalStore:
    """A folder on local disk. URIs are ``file://`` absolute paths."""

    def __init__(self, root: str | Path = DEFAULT_ROOT) -> None:
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        p = (self.root / key).resolve()
        if p != self.root and self.root not in p.parents:
            raise ValueError(f"key escapes the store root: {key!r}")
        return p

    def uri(self, key: str) -> str:
        return self._path(key).as_uri()

    def download_url(self, key: str) -> str:
        """Where a person can fetch ``key``: the ``file://`` URI (the store is on this machine)."""
        return self.uri(key)

    def put_bytes(self, key: str, data: bytes) -> str:
        p = self._path(key)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, p)  # atomic: a retried task never sees a half-written shard
        return self.uri(key)

    def get_bytes(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).exists()

    def list(self, prefix: str) -> list[str]:
        base = self._path(prefix)
        if base.is_file():
            return [prefix]
        if not base.exists():
            return []
        return sorted(p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_file())

    def put_dir(self, key: str, local_dir: Path) -> str:
        dest = self._path(key)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(local_dir, dest)
        return self.uri(key)

    def get_dir(self, key: str, local_dir: Path) -> Path:
        src = self._path(key)
        if Path(local_dir).resolve() != src:
            shutil.copytree(src, local_dir, dirs_exist_ok=True)
        return Path(local_dir)


def open_store(spec: str | Path | None = None) -> ArtifactStore:
    """The store named by ``spec``: a folder or ``file://`` URI (default ``.loraforge/artifacts``), or
    ``s3://bucket[/prefix]`` with endpoint and credentials from ``LORAFORGE_S3_ENDPOINT``,
    ``LORAFORGE_S3_ACCESS_KEY``, ``LORAFORGE_S3_SECRET_KEY`` (and optional ``LORAFORGE_S3_SECURE``,
    ``LORAFORGE_S3_REGION``)."""
    if spec is None:
        return LocalStore()
    spec = str(spec)
    if spec.startswith("s3://"):
        return S3Store.from_env(*parse_s3_uri(spec))
    if spec.startswith("file://"):
        spec = spec[len("file://") :]
    if "://" in spec:
        raise ValueError(f"unsupported store URI {spec!r}: use a folder, file:// or s3://")
    return LocalStore(spec)


def write_jsonl(store: ArtifactStore, key: str, records: Iterable[Any]) -> str:
    """Write records (dataclasses with ``to_dict`` or plain dicts) as JSONL; returns the URI."""
    lines = [json.dumps(r.to_dict() if hasattr(r, "to_dict") else r, ensure_ascii=False) for r in records]
    return store.put_bytes(key, ("\n".join(lines) + "\n" if lines else "").encode("utf-8"))


def read_jsonl(store: ArtifactStore, key: str) -> Iterator[dict[str, Any]]:
    """Yield the dicts of a JSONL object."""
    for line in store.get_bytes(key).decode("utf-8").splitlines():
        if line.strip():
            yield json.loads(line)


def write_json(store: ArtifactStore, key: str, obj: Any) -> str:
    return store.put_bytes(key, json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8"))


def read_json(store: ArtifactStore, key: str) -> Any:
    return json.loads(store.get_bytes(key))
