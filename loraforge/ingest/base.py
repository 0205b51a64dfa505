"""Shared types of the ingest stage: configuration, the raw file handed to a parser, parse errors."""

from __future__ import annotations

import codecs
import contextvars
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from loraforge.records import Document, Element, Quarantined


class IngestConfig(BaseModel):
    """Limits and parser choices for ingesting files (a Pydantic model: it is a flow parameter).

    ``pdf_strategy``: "fast" (default) extracts the PDF text layer with pdfminer.six and works with the
    base install; pages without a text layer (scans) are read by Tesseract OCR when ``ocr`` is on and the
    ``tesseract-ocr`` package is installed, else the file is quarantined as ``needs_ocr``. "hi_res",
    "ocr_only" and "auto" are passed to ``unstructured.partition.pdf.partition_pdf`` and need
    ``pip install "unstructured[pdf]"`` (unstructured-inference, pi-heif, a torch build): layout models.

    ``encoding_fallback``: the legacy 8-bit encoding assumed for text that is neither BOM-marked nor
    UTF-8 and reads as mostly-Latin text (Windows-1252 for files written by Western Office installs).
    charset-normalizer alone mislabels short cp1252 text as cp1250/cp775/cp850, mangling ’ € – é.
    ``None`` relies on charset-normalizer only.
    """

    model_config = ConfigDict(extra="forbid")

    max_bytes: int = Field(50 * 1024 * 1024, gt=0, description="Files larger than this are quarantined unread.")
    max_unpacked_bytes: int = Field(
        500 * 1024 * 1024,
        gt=0,
        description="A DOCX/zip whose members would decompress to more than this is quarantined as a bomb, unparsed.",
    )
    max_html_tags: int = Field(
        200_000,
        gt=0,
        description="An HTML file with more tags than this is quarantined as too_large, unparsed (parsing costs "
        "about 3 KB of memory per element: 200,000 tags, open and close, stay near 300 MB).",
    )
    timeout_s: float = Field(120.0, gt=0, description="Parse time limit per file, in seconds.")
    pdf_strategy: Literal["fast", "hi_res", "ocr_only", "auto"] = Field(
        "fast",
        description='"fast" = PDF text layer (+ Tesseract for scans); others need unstructured[pdf] (layout models).',
    )
    ocr: bool = Field(True, description="OCR PDF pages that have no text layer (scans) with Tesseract.")
    ocr_languages: str = Field(
        "eng",
        pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$",
        description='Tesseract languages, "+"-joined ("eng+deu"); each needs its tesseract-ocr-<lang> package.',
    )
    ocr_page_timeout_s: float = Field(
        60.0, gt=0, description="OCR time limit per page, in seconds; each OCR'd page adds it to timeout_s."
    )
    ocr_dpi: int = Field(300, ge=72, le=600, description="Resolution scanned pages are rendered at for OCR.")
    rule_based_sentences: bool = Field(
        True,
        description="Count sentences by punctuation rules, not spaCy's parser, when unstructured guesses "
        "title vs text in plain text, HTML and DOCX (several times faster; see ingest/sentences.py).",
    )
    encoding_fallback: str | None = Field("cp1252", description="8-bit encoding tried for non-UTF-8 text.")
    follow_symlinks: bool = Field(
        False,
        description="Ingest symlinked files whose target is a regular file inside the source folder (links "
        "that leave it, and linked folders, are always skipped with a record).",
    )

    @field_validator("encoding_fallback")
    @classmethod
    def _known_codec(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(f"unknown encoding {value!r}") from None
        return value

    @model_validator(mode="after")
    def _pdf_extras_installed(self) -> IngestConfig:
        # Fail at configuration time, not by quarantining every PDF of a corpus one by one.
        if self.pdf_strategy != "fast":
            missing = [m for m in ("unstructured_inference", "pi_heif") if importlib.util.find_spec(m) is None]
            if missing:
                raise ValueError(
                    f"pdf_strategy={self.pdf_strategy!r} needs unstructured's PDF extras ({', '.join(missing)} "
                    'missing): pip install "unstructured[pdf]==<the installed unstructured version>"'
                )
        return self


@dataclass(slots=True)
class Blob:
    """One input file as handed to a parser: the bytes were read once, hashed once."""

    path: Path
    source: str
    data: bytes
    sha256: str
    declared_type: str  # what the extension claims
    detected_type: str  # what the content says (magic bytes first)
    detail: str = ""  # why detection decided what it did (for unsupported/unreadable reports)


class ParseError(Exception):
    """A file that cannot be ingested for a known reason (one of records.QUARANTINE_REASONS)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


Parsed = list[Document | Quarantined]

# Set by the ingest runner in the thread that parses a file: adds seconds to that file's time limit.
deadline_extender: contextvars.ContextVar[Callable[[float], None] | None] = contextvars.ContextVar(
    "deadline_extender", default=None
)


def extend_deadline(seconds: float) -> None:
    """Give the file being parsed ``seconds`` more before it times out (a parser starting a slow step with
    its own bound, e.g. OCR of one page). A no-op outside a timed parse."""
    extender = deadline_extender.get()
    if extender is not None:
        extender(seconds)


Parser = Callable[[Blob, IngestConfig], Parsed]


def make_document(
    blob: Blob,
    elements: list[Element],
    *,
    doc_type: str | None = None,
    source: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Document:
    """A Document with a content id, the file's sha256 and the declared/detected types in meta."""
    doc_type = doc_type or blob.detected_type
    full_meta: dict[str, Any] = {"declared_type": blob.declared_type, "detected_type": blob.detected_type}
    full_meta.update(meta or {})
    return Document(
        id=Document.make_id(doc_type, elements),
        source=source or blob.source,
        doc_type=doc_type,
        elements=elements,
        sha256=blob.sha256,
        meta=full_meta,
    )


def quarantine(source: str, reason: str, detail: str) -> Quarantined:
    """A Quarantined record of the ingest stage."""
    return Quarantined(source=source, reason=reason, stage="ingest", detail=detail)


def oversize(source: str, size: int, max_bytes: int) -> Quarantined | None:
    """The ``too_large`` record when ``size`` exceeds ``max_bytes``: decided from the size alone, before
    any byte is read or downloaded, so a 5 GB dump costs nothing."""
    if size > max_bytes:
        return quarantine(source, "too_large", f"{size} bytes > max_bytes={max_bytes}")
    return None


def shown(name: str) -> str:
    """A file name as records show it: bytes that are not UTF-8 (kept by the OS as surrogates) as ``\\xNN``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def short_error(exc: BaseException, limit: int = 160) -> str:
    """``ClassName: message`` cut short: enough to debug, too short to leak a page of document text."""
    msg = " ".join(str(exc).split())
    if len(msg) > limit:
        msg = msg[: limit - 1] + "…"
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


@dataclass(slots=True)
class IngestResult:
    """Documents and quarantined files of one ingest call, with simple counters."""

    documents: list[Document] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    n_files: int = 0
    n_bytes: int = 0  # bytes actually read from disk (too_large files are never read)

    def merge(self, other: IngestResult) -> None:
        self.documents.extend(other.documents)
        self.quarantined.extend(other.quarantined)
        self.n_files += other.n_files
        self.n_bytes += other.n_bytes

    def quarantined_by_reason(self) -> dict[str, int]:
        """Counts of quarantined records per reason, sorted by reason."""
        counts: dict[str, int] = {}
        for q in self.quarantined:
            counts[q.reason] = counts.get(q.reason, 0) + 1
        return dict(sorted(counts.items()))
