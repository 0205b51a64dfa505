"""Where input documents come from: a folder or a bucket prefix, behind one small interface.

``list`` names every input with a content id (planning reads no object of a bucket), ``fetch`` gives a
local file for one of them, so the data-prep stages never branch on a URI scheme.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from loraforge.ingest.base import shown
from loraforge.storage.s3 import S3Store, parse_s3_uri

if TYPE_CHECKING:
    from loraforge.settings import Settings


class InputSource(Protocol):
    """Input files under ``root`` (a folder, or an ``s3://bucket/prefix`` URI)."""

    root: str

    def list(self) -> list[tuple[str, str]]:
        """``(path relative to root, content id)`` of every input, sorted; hidden names are skipped."""
        ...

    def name(self, rel: str) -> str:
        """What a document from ``rel`` records as its source."""
        ...

    def size(self, rel: str) -> int: ...

    def fetch(self, rel: str, scratch: Path) -> Path:
        """A local file with the content of ``rel`` (a download goes under ``scratch``)."""
        ...


SKIPPED = "skipped:"  # a content id that is not one: ``skipped:<reason>:<detail>`` for an entry not ingested


def content_size(content_id: str) -> int:
    """The size in bytes a content id records (``stat:<size>:…``, ``etag:<ETag>:<size>``); 0 for a skipped
    entry and for a file whose ``stat`` failed after the listing (``stat:<error name>``)."""
    kind, _, rest = content_id.partition(":")
    size = rest.split(":", 1)[0] if kind == "stat" else rest.rsplit(":", 1)[-1] if kind == "etag" else ""
    return int(size) if size.isdigit() else 0


class FolderSource:
    """Files in a local folder. Sources are recorded relative to it (stable across machines and checkouts).

    Planning reads no file: the content id is ``stat:<size>:<mtime_ns>:<inode>`` (a changed file gets a
    new id, an unchanged one keeps it), so an unreadable or huge file costs one ``stat``. Entries that are
    not ingested (symlinks, hidden names, FIFOs, unreadable folders) are listed with a ``skipped:`` id so
    the ingest manifest accounts for every path under the folder."""

    def __init__(self, folder: str | Path, follow_symlinks: bool = False) -> None:
        self.given = str(folder)
        self.follow_symlinks = follow_symlinks
        self.folder = Path(folder).resolve()
        self.root = str(self.folder)

    def list(self) -> list[tuple[str, str]]:
        from loraforge.ingest.core import survey

        if not self.folder.is_dir():
            raise FileNotFoundError(f"source folder not found: {self.given}")
        files, skipped = survey(self.folder, self.follow_symlinks)
        listed = [(p.relative_to(self.folder).as_posix(), _stat_id(p)) for p in files]
        listed += [(q.source, f"{SKIPPED}{q.reason}:{q.detail}") for q in skipped]
        return sorted(listed)

    def name(self, rel: str) -> str:
        return shown(rel)

    def size(self, rel: str) -> int:
        return (self.folder / rel).stat().st_size

    def fetch(self, rel: str, scratch: Path) -> Path:
        return self.folder / rel  # already on local disk


class BucketSource:
    """Objects under a bucket prefix. Sources are the objects' ``s3://`` URIs; the content id is
    ``etag:<ETag>:<size>`` from the listing, so planning downloads nothing."""

    def __init__(self, store: S3Store) -> None:
        self.store = store
        self.root = store.uri("").rstrip("/")

    def list(self) -> list[tuple[str, str]]:
        # hidden names (".git/...", ".DS_Store") are skipped with a record, as in a folder
        listed = self.store.list_identities()
        if not listed:
            raise FileNotFoundError(f"no input objects under {self.root}/")
        hidden = f"{SKIPPED}skipped_hidden:hidden name"
        return [(k, hidden if any(p.startswith(".") for p in k.split("/")) else h) for k, h in listed]

    def name(self, rel: str) -> str:
        return self.store.uri(rel)

    def size(self, rel: str) -> int:
        return self.store.size(rel)

    def fetch(self, rel: str, scratch: Path) -> Path:
        return self.store.get_file(rel, scratch / rel)  # streamed and checked against its sha256


def _stat_id(path: Path) -> str:
    try:
        info = path.stat()
    except OSError as exc:  # gone or denied since the listing: the ingest task records why
        return f"stat:{type(exc).__name__}"
    return f"stat:{info.st_size}:{info.st_mtime_ns}:{info.st_ino}"


def open_source(
    root: str | Path, store: object | None = None, settings: Settings | None = None, follow_symlinks: bool = False
) -> InputSource:
    """The inputs under ``root``: a folder, or ``s3://bucket/prefix`` read with the credentials of ``store``
    when it is an ``S3Store`` (any bucket of its endpoint), else of the ``LORAFORGE_S3_*`` settings.
    ``follow_symlinks``: a folder's links to files inside it are inputs too (``IngestConfig``)."""
    if not str(root).strip():
        raise ValueError("source is empty: give a folder or an s3://bucket/prefix")
    if not str(root).startswith("s3://"):
        if Path(root).resolve() == Path("/"):
            raise ValueError("source is the filesystem root '/': give the folder that holds the documents")
        return FolderSource(root, follow_symlinks)
    bucket, prefix = parse_s3_uri(str(root))
    if isinstance(store, S3Store):
        return BucketSource(store.at(bucket, prefix))
    from loraforge.settings import Settings

    return BucketSource(S3Store.from_settings(settings or Settings(), bucket, prefix))
