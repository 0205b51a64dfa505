"""What every artifact store provides, and the small helpers stages use on any store.

Stages exchange *references* (store keys) rather than data. Keys are POSIX-style paths relative to the
store root and are always scoped by ``tenant/project``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol


class ChecksumMismatch(OSError):
    """A stored object does not hold the bytes that were written (or that its metadata claims)."""


class ArtifactStore(Protocol):
    """The operations every store provides (``LocalStore``, ``S3Store``)."""

    def uri(self, key: str) -> str: ...
    def download_url(self, key: str) -> str: ...
    def put_bytes(self, key: str, data: bytes) -> str: ...
    def get_bytes(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def list(self, prefix: str) -> list[str]: ...
    def size(self, key: str) -> int: ...
    def put_dir(self, key: str, local_dir: Path) -> str: ...
    def get_dir(self, key: str, local_dir: Path) -> Path: ...
    def get_file(self, key: str, path: Path) -> Path: ...


def clean_key(key: str) -> str:
    """``key`` as a normalized POSIX path; ``..`` is refused (a key never escapes its store)."""
    parts = [p for p in key.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ValueError(f"key escapes the store root: {key!r}")
    return "/".join(parts)


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


GENERATION_KEY = "loraforge-generation"


def generation(store: ArtifactStore) -> str:
    """An id for this store's lifetime: written on first use, gone when the store is wiped.

    Orchestrator caches that point at store keys include it in their key, so a wiped (or replaced)
    store is never answered from a cache whose outputs no longer exist.
    """
    if store.exists(GENERATION_KEY):
        return store.get_bytes(GENERATION_KEY).decode("ascii").strip()
    value = uuid.uuid4().hex
    store.put_bytes(GENERATION_KEY, value.encode("ascii"))
    return value
