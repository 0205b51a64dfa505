"""Typed records passed between the data-prep stages.

Every record is a small slotted dataclass with a JSON round trip, so shards can be written as JSONL
to the artifact store and read back by the next stage. Ids are derived from content hashes: rerunning
a stage over the same input yields the same ids, which is what makes caching and dedup idempotent.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

# Element kinds kept as structure (not flattened): headings start sections, tables stay tables,
# conversation turns keep their role in ``meta["role"]``.
ELEMENT_KINDS = ("title", "text", "list_item", "table", "turn")

# Why a file or document left the pipeline. Closed vocabulary so reports can count by reason.
QUARANTINE_REASONS = (
    "empty",  # zero bytes or whitespace only / no extractable text
    "needs_ocr",  # scanned pages without a text layer, and OCR off or Tesseract not installed
    "unreadable",  # corrupt, truncated, undecodable
    "encrypted",  # password-protected PDF/DOCX
    "unsupported",  # a type we do not ingest
    "too_large",  # over the configured byte limit
    "timeout",  # parsing took longer than the configured limit
    "pii_drop",  # PII policy "drop" removed the document
    "pii_review",  # PII policy "flag" holds the document for human review
    "bomb",  # an archive that would decompress far beyond the byte limit
    "skipped_symlink",  # a symbolic link (never followed: it could reach outside the source)
    "skipped_special",  # a FIFO, socket or device: reading it could block forever
    "skipped_hidden",  # a hidden name (".git", ".DS_Store", editor swap files)
)


def sha256_hex(data: bytes | str) -> str:
    """Hex sha256 of bytes or UTF-8 text (a file name that is not UTF-8 hashes by its raw bytes)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    return hashlib.sha256(data).hexdigest()


@dataclass(slots=True)
class Element:
    """One structural unit of a document: a heading, a paragraph, a list item, a table or a chat turn."""

    kind: str
    text: str
    level: int = 0  # heading depth for titles (1 = top), 0 otherwise
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in ELEMENT_KINDS:
            raise ValueError(f"unknown element kind {self.kind!r}; one of {ELEMENT_KINDS}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Element:
        return cls(kind=d["kind"], text=d["text"], level=d.get("level", 0), meta=d.get("meta") or {})


@dataclass(slots=True)
class Document:
    """An ingested document. ``id`` is a content hash of its extracted text, stable across reruns."""

    id: str
    source: str  # path or URI of the input file (plus "#n" for the n-th conversation of a file)
    doc_type: str  # pdf, docx, html, md, txt, csv, conversation
    elements: list[Element]
    sha256: str  # sha256 of the raw input bytes (the whole file)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n\n".join(e.text for e in self.elements if e.text)

    @property
    def is_conversation(self) -> bool:
        return self.doc_type == "conversation"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        return cls(
            id=d["id"],
            source=d["source"],
            doc_type=d["doc_type"],
            elements=[Element.from_dict(e) for e in d["elements"]],
            sha256=d["sha256"],
            meta=d.get("meta") or {},
        )

    @staticmethod
    def make_id(doc_type: str, elements: list[Element]) -> str:
        """Content id: the same text and structure always give the same id."""
        h = hashlib.sha256(doc_type.encode())
        for e in elements:
            h.update(b"\x1e" + e.kind.encode() + b"\x1f" + e.text.encode("utf-8"))
            if e.kind == "turn":
                h.update(str(e.meta.get("role", "")).encode())
        return h.hexdigest()[:16]


@dataclass(slots=True)
class Quarantined:
    """A file or document that left the pipeline, with a reason from ``QUARANTINE_REASONS``.

    ``detail`` is a short human explanation; it never carries document text or PII values.
    """

    source: str
    reason: str
    stage: str
    detail: str = ""
    doc_id: str | None = None

    def __post_init__(self) -> None:
        if self.reason not in QUARANTINE_REASONS:
            raise ValueError(f"unknown quarantine reason {self.reason!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Quarantined:
        return cls(**d)


@dataclass(slots=True)
class Example:
    """One chat-format training example."""

    messages: list[dict[str, str]]
    kind: str  # conversation, instruction, refusal
    source_ids: list[str]
    id: str = ""
    group: str = ""  # split group: examples of one group always land on the same side
    split: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = sha256_hex("\x1e".join(f"{m['role']}\x1f{m['content']}" for m in self.messages))[:16]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Example:
        return cls(**d)
