"""Ingest entry points: discover files, read each once, detect its type, parse it under a time limit.

Every file ends as Documents or Quarantined records; nothing a single file does can raise out of
``ingest_files`` (a configuration error still raises, before any file is read).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from loraforge.ingest.base import (
    Blob,
    IngestConfig,
    IngestResult,
    ParseError,
    Parser,
    oversize,
    quarantine,
    short_error,
)
from loraforge.ingest.conversations import parse_conversations
from loraforge.ingest.detect import declared_type, detect_type
from loraforge.ingest.pdf import parse_pdf
from loraforge.ingest.structured import parse_csv, parse_docx, parse_html, parse_md, parse_txt
from loraforge.offline import ensure_offline
from loraforge.records import Document

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


def discover(source: Path) -> list[Path]:
    """Every regular file under ``source`` (recursively), sorted by relative path.

    Hidden files and folders (names starting with ".") are skipped: they are editor swap files, VCS
    metadata and OS droppings, never documents. Symlinks are skipped so a corpus cannot pull in files
    from outside its folder. A file path is returned as-is.
    """
    source = Path(source)
    if source.is_file():
        return [source]
    if not source.is_dir():
        raise FileNotFoundError(f"no such folder: {source}")
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(source, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            path = Path(dirpath, name)
            if not name.startswith(".") and not path.is_symlink() and path.is_file():
                found.append(path)
    return sorted(found, key=lambda p: p.relative_to(source).as_posix())


def ingest_file(path: Path, config: IngestConfig | None = None, source_name: str | None = None) -> IngestResult:
    """Ingest one file into Documents (one, or one per conversation) or Quarantined records.

    ``source_name`` overrides the recorded source (e.g. a path relative to the corpus root or an
    object-store URI). Never raises for a problem with the file itself.
    """
    config = config or IngestConfig()
    ensure_offline()  # before unstructured is first imported: its import sends a telemetry ping
    path = Path(path)
    source = source_name or str(path)
    result = IngestResult(n_files=1)
    try:
        size = path.stat().st_size
        if (rejected := oversize(source, size, config.max_bytes)) is not None:
            result.quarantined.append(rejected)
            return _logged(result, path)
        data = path.read_bytes()
    except OSError as exc:
        result.quarantined.append(quarantine(source, "unreadable", short_error(exc)))
        return _logged(result, path)
    result.n_bytes = len(data)
    if not data.strip():  # 0 bytes or ASCII whitespace only
        result.quarantined.append(quarantine(source, "empty", "no content" if data else "0 bytes"))
        return _logged(result, path)
    try:
        parsed = _parse_with_timeout(data, path, source, config)
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
            source = path.relative_to(root).as_posix() if root is not None else source
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


def _parse_with_timeout(data: bytes, path: Path, source: str, config: IngestConfig) -> list[Any]:
    """Detect the type and run its parser in a worker thread, waiting at most ``config.timeout_s``.

    Python cannot kill a thread: on timeout the worker is abandoned (a daemon thread, so it never
    blocks interpreter exit) and finishes in the background while the batch moves on; its result is
    discarded. A parser that never returns keeps one core busy until the process ends. While it runs
    it may share unstructured's spaCy pipeline with the next file's parse: spaCy inference is not
    documented as thread-safe, though read-only use has been safe in practice. A lock would be worse:
    an abandoned worker holding it would time out every following file.
    """
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["value"] = _parse(data, path, source, config)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=work, name=f"ingest:{path.name}", daemon=True)
    worker.start()
    worker.join(config.timeout_s)
    if worker.is_alive():
        raise ParseError("timeout", f"parsing took longer than timeout_s={config.timeout_s:g}")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _parse(data: bytes, path: Path, source: str, config: IngestConfig) -> list[Any]:
    detected, detail = detect_type(data, path)
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
