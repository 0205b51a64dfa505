"""The artifact store in a folder on local disk (the embedded default). URIs are ``file://`` absolute paths."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


class LocalStore:
    """A folder on local disk."""

    def __init__(self, root: str | Path) -> None:
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

    def size(self, key: str) -> int:
        """Size in bytes of ``key`` (``FileNotFoundError`` when missing)."""
        return self._path(key).stat().st_size

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

    def get_file(self, key: str, path: Path) -> Path:
        """Copy ``key`` to ``path``."""
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._path(key), path)
        return Path(path)
