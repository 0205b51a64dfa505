"""Ingest entry points: discover files, read each once, detect its type, parse it under a time limit.

Every file ends as Documents or Quarantined records; nothing a single file does can raise out of
``ingest_files`` (a configuration error still raises, before any file is read).
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from loraforge.ingest.base import (
    Blob,
    IngestConfig,
    IngestResult,
    ParseError,
    Parser,
    deadline_extender,
    oversize,
    quarantine,
    short_error,
    shown,
)
from loraforge.ingest.conversations import parse_conversations
from loraforge.ingest.detect import declared_type, detect_type, unpacked_size
from loraforge.ingest.pdf import parse_pdf
from loraforge.ingest.structured import parse_csv, parse_docx, parse_html, parse_md, parse_txt
from loraforge.offline import ensure_offline
from loraforge.records import Document, Quarantined

T = TypeVar("T")

logger = logging.getLogger(__name__)

# Detected type → parser. A registry rather than if/else so a caller (or a test) can swap one parser,
# e.g. a slow parser to exercise the timeout, or a custom one for a house format.
PARSERS: dict[str, Parser] = {
    "pdf": parse_pdf,
    "docx": parse_docx,
    "html": parse_html,
    "md": parse_md,
    "txt": parse_txt,
    "csv": parse_csv,
    "conversation": parse_conversations,
}


def survey(source: Path, follow_symlinks: bool = False) -> tuple[list[Path], list[Quarantined]]:
    """Every regular file under ``source`` (recursively, sorted by relative path), and a ``skipped_*`` or
    ``unreadable`` record for every other entry, so nothing under the source goes unaccounted for.

    Hidden names (editor swap files, VCS metadata, OS droppings) are skipped, a hidden folder as one
    record. Symlinks are skipped so a corpus cannot pull in files from outside its folder; with
    ``follow_symlinks``, a linked file whose target is a regular file inside ``source`` is listed (a
    linked folder is still skipped: it could loop). FIFOs, sockets and devices are skipped: reading one
    could block forever. Decided by ``lstat`` (and ``stat`` of a followed link's target) alone.
    """
    source = Path(source)
    if source.is_file():
        return [source], []
    if not source.is_dir():
        raise FileNotFoundError(f"no such folder: {source}")
    found: list[Path] = []
    skipped: list[Quarantined] = []
    inside = source.resolve() if follow_symlinks else None

    def skip(path: Path, reason: str, detail: str) -> None:
        skipped.append(quarantine(shown(path.relative_to(source).as_posix()), reason, detail))

    def unreadable_folder(exc: OSError) -> None:
        skip(Path(exc.filename), "unreadable", f"folder not listed: {short_error(exc)}")

    for dirpath, dirnames, filenames in os.walk(source, onerror=unreadable_folder):
        for name in list(dirnames):
            path = Path(dirpath, name)
            if path.is_symlink() or name.startswith("."):
                dirnames.remove(name)
                skip(path, *(_skip_reason(path, name) or ("skipped_hidden", "hidden folder")))
        for name in filenames:
            path = Path(dirpath, name)
            if (reason := _skip_reason(path, name, inside)) is None:
                found.append(path)
            else:
                skip(path, *reason)
    found.sort(key=lambda p: p.relative_to(source).as_posix())
    skipped.sort(key=lambda q: q.source)
    return found, skipped


def discover(source: Path) -> list[Path]:
    """The regular files of ``survey(source)``."""
    return survey(source)[0]


def _skip_reason(path: Path, name: str, follow_inside: Path | None = None) -> tuple[str, str] | None:
    """Why ``path`` is not ingested, or None. ``follow_inside``: follow links to regular files under it."""
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return "unreadable", short_error(exc)
    if stat.S_ISLNK(mode):
        if follow_inside is None:
            return "skipped_symlink", "symbolic link (not followed)"
        target = path.resolve()
        if not target.is_relative_to(follow_inside):
            return "skipped_symlink", "symbolic link to outside the source"
        mode = target.stat().st_mode if target.exists() else 0
        if not stat.S_ISREG(mode):
            return "skipped_symlink", "symbolic link to something other than a file"
    if name.startswith("."):
        return "skipped_hidden", "hidden name"
    if not stat.S_ISREG(mode):
        return "skipped_special", _kind(mode)
    return None


def _kind(mode: int) -> str:
    kinds = {
        stat.S_ISFIFO: "FIFO",
        stat.S_ISSOCK: "socket",
        stat.S_ISCHR: "character device",
        stat.S_ISBLK: "block device",
    }
    kind = next((k for test, k in kinds.items() if test(mode)), "special file")
    return f"{kind}, not a regular file"


def ingest_file(path: Path, config: IngestConfig | None = None, source_name: str | None = None) -> IngestResult:
    """Ingest one file into Documents (one, or one per conversation) or Quarantined records.

    ``source_name`` overrides the recorded source (e.g. a path relative to the corpus root or an
    object-store URI). Never raises for a problem with the file itself.
    """
    config = config or IngestConfig()
    ensure_offline()  # before unstructured is first imported: its import sends a telemetry ping
    path = Path(path)
    source = source_name or shown(str(path))
    result = IngestResult(n_files=1)
    try:
        info = path.stat()  # before any open: a FIFO or device is refused, a huge file never read
        if not stat.S_ISREG(info.st_mode):
            result.quarantined.append(quarantine(source, "skipped_special", _kind(info.st_mode)))
            return _logged(result, path)
        if (rejected := oversize(source, info.st_size, config.max_bytes)) is not None:
            result.quarantined.append(rejected)
            return _logged(result, path)
    except OSError as exc:
        result.quarantined.append(quarantine(source, "unreadable", short_error(exc)))
        return _logged(result, path)
    try:
        result.n_bytes, parsed = _with_timeout(lambda: _read_and_parse(path, source, config), path, config)
    except ParseError as exc:
        result.quarantined.append(quarantine(source, exc.reason, exc.detail))
        return _logged(result, path)
    except Exception as exc:  # a parser bug or library failure on this file must not stop the batch
        logger.debug("parser failed on %s", path, exc_info=True)
        result.quarantined.append(quarantine(source, "unreadable", short_error(exc)))
        return _logged(result, path)
    if not parsed:  # e.g. a conversation export with an empty "conversations" list
        result.quarantined.append(quarantine(source, "empty", "no records"))
    for item in parsed:
        if isinstance(item, Document) and not any(e.text.strip() for e in item.elements):
            result.quarantined.append(quarantine(item.source, "empty", "nothing extractable"))
        elif isinstance(item, Document):
            result.documents.append(item)
        else:
            result.quarantined.append(item)
    return _logged(result, path)


def ingest_files(paths: Iterable[Path], config: IngestConfig | None = None, root: Path | None = None) -> IngestResult:
    """Ingest many files; one bad file only ever becomes a Quarantined record.

    With ``root``, sources are recorded relative to it (stable across machines and checkouts).
    """
    config = config or IngestConfig()
    total = IngestResult()
    started = time.perf_counter()
    for path in paths:
        path = Path(path)
        source = str(path)
        try:
            source = shown(path.relative_to(root).as_posix() if root is not None else source)
            total.merge(ingest_file(path, config, source_name=source))
        except Exception as exc:  # belt and braces: ingest_file already catches per-file failures
            total.merge(IngestResult([], [quarantine(source, "unreadable", short_error(exc))], 1, 0))
    logger.info(
        "ingested %d files (%d bytes) in %.1fs: %d documents, quarantined %s",
        total.n_files,
        total.n_bytes,
        time.perf_counter() - started,
        len(total.documents),
        total.quarantined_by_reason(),
    )
    return total


def _with_timeout(work_fn: Callable[[], T], path: Path, config: IngestConfig) -> T:
    """Run ``work_fn`` (read, detect, parse one file) in a worker thread, waiting at most ``config.timeout_s``
    plus the seconds the parser granted itself with ``extend_deadline`` (each OCR'd page has its own limit).

    Python cannot kill a thread: on timeout the worker is abandoned (a daemon thread, so it never
    blocks interpreter exit) and finishes in the background while the batch moves on; its result is
    discarded. A parser that never returns keeps one core busy until the process ends. While it runs
    it may share unstructured's spaCy pipeline with the next file's parse: spaCy inference is not
    documented as thread-safe, though read-only use has been safe in practice. A lock would be worse:
    an abandoned worker holding it would time out every following file.
    """
    outcome: dict[str, Any] = {}
    granted = [0.0]  # seconds added by the parser (extend_deadline): one per OCR'd page

    def grant(seconds: float) -> None:
        granted[0] += seconds

    def work() -> None:
        deadline_extender.set(grant)  # a new thread starts with an empty context: set it in the thread
        try:
            outcome["value"] = work_fn()
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, name=f"ingest:{path.name}", daemon=True)
    started = time.monotonic()
    worker.start()
    while worker.is_alive():
        left = started + config.timeout_s + granted[0] - time.monotonic()
        if left <= 0:
            extra = f" plus {granted[0]:g} s granted for OCR" if granted[0] else ""
            raise ParseError("timeout", f"parsing took longer than timeout_s={config.timeout_s:g}{extra}")
        worker.join(left)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _read_and_parse(path: Path, source: str, config: IngestConfig) -> tuple[int, list[Any]]:
    """``(bytes read, parsed records)``. Opened non-blocking and checked again after the open: a file
    swapped for a FIFO since planning neither blocks nor gets read. Never more than max_bytes + 1 read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise ParseError("skipped_special", _kind(mode))
        data = f.read(config.max_bytes + 1)
    if len(data) > config.max_bytes:
        raise ParseError("too_large", f"grew past max_bytes={config.max_bytes} while read")
    if not data.strip():  # 0 bytes or ASCII whitespace only
        raise ParseError("empty", "no content" if data else "0 bytes")
    return len(data), _parse(data, path, source, config)


def _parse(data: bytes, path: Path, source: str, config: IngestConfig) -> list[Any]:
    detected, detail = detect_type(data, path)
    if (unpacked := unpacked_size(data)) > config.max_unpacked_bytes:
        raise ParseError(
            "bomb", f"zip members unpack to {unpacked} bytes > max_unpacked_bytes={config.max_unpacked_bytes}"
        )
    if detected == "html" and (tags := data.count(b"<")) > config.max_html_tags:
        raise ParseError("too_large", f"HTML with {tags} tags > max_html_tags={config.max_html_tags}")
    declared = declared_type(path)
    if detected == "encrypted-ooxml":
        raise ParseError("encrypted", detail)
    if detected.startswith("broken-"):
        raise ParseError("unreadable", detail)
    parser = PARSERS.get(detected)
    if parser is None:
        raise ParseError("unsupported", detail or f"detected type {detected}")
    blob = Blob(path, source, data, hashlib.sha256(data).hexdigest(), declared, detected, detail)
    return parser(blob, config)


def _logged(result: IngestResult, path: Path) -> IngestResult:
    for q in result.quarantined:
        logger.debug("quarantined %s: %s (%s)", q.source, q.reason, q.detail)  # names: the quarantine table
    logger.debug("%s: %d documents", path.name, len(result.documents))
    return result
