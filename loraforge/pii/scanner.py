"""The PII stage over documents: find, then redact, mask, drop or flag.

Every element is analysed on its own text, so titles, table cells and chat turns keep their kind and
order. Findings that overlap (a phone pattern inside an IBAN, a name the NER also calls a place) are
merged into one redaction covering all of them, labelled with the most confident entity, so no
detected character survives and placeholders never nest.

Nothing this module logs, returns in a report or raises contains a PII value: only entity names,
counts, document ids and sources.
"""

from __future__ import annotations

import copy
import gc
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from presidio_analyzer import RecognizerResult

from loraforge.pii.analyzers import make_analyzer
from loraforge.pii.config import PiiConfig
from loraforge.pii.engine import install_log_redaction
from loraforge.pii.registry import recognizer_name
from loraforge.records import Document, Element, Quarantined

logger = logging.getLogger(__name__)

STAGE = "pii"
_CHUNK_TEXTS = 4096  # elements analysed per spaCy run: bounds memory, keeps batches full
# spaCy refuses texts over nlp.max_length (1,000,000 characters, E088) and its memory grows with the
# text: a longer element is analysed in windows, which overlap so an entity cut by one edge lies whole
# inside the next window; findings are shifted back to the element's offsets and merged.
_WINDOW = 100_000
_OVERLAP = 1_000


class PiiScanError(RuntimeError):
    """Analysis failed. The message names the document and element, never their text."""


@dataclass(slots=True)
class Finding:
    """One redacted span of an element's text (merged from overlapping recognizer results)."""

    entity: str
    start: int
    end: int
    score: float
    recognizer: str = ""  # the recognizer of the best member (reports by recognizer)


@dataclass(slots=True)
class PiiResult:
    """Kept (redacted or masked) documents, quarantined ones, and counts of what was found.

    ``findings`` maps a document id to its counts by entity type (documents without findings are
    absent); ``totals`` sums them over all scanned documents, kept or not; ``by_recognizer`` counts
    the findings in element text by the recognizer that labelled them.
    """

    documents: list[Document] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)
    findings: dict[str, dict[str, int]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    by_recognizer: dict[str, int] = field(default_factory=dict)
    n_in: int = 0

    def report(self) -> dict[str, Any]:
        """A JSON-ready summary with counts only (safe to log or publish as a flow artifact)."""
        return {
            "n_in": self.n_in,
            "n_kept": len(self.documents),
            "n_quarantined": len(self.quarantined),
            "quarantined_by_reason": dict(Counter(q.reason for q in self.quarantined)),
            "documents_with_pii": len(self.findings),
            "totals": dict(self.totals),
            "by_recognizer": dict(self.by_recognizer),
        }


def _starts(text: str) -> range:
    """Where the analysis windows of ``text`` start (one window for a text of normal length)."""
    return range(0, max(len(text) - _OVERLAP, 1), _WINDOW - _OVERLAP)


def merge_findings(results: Sequence[RecognizerResult]) -> list[Finding]:
    """Merge overlapping results into disjoint findings, each labelled by its best member.

    Best = highest score, then longest span; a tie keeps the earlier (then alphabetically first by
    entity, then recognizer) one, so the label does not depend on the order recognizers ran in.
    """
    merged: list[Finding] = []
    best: list[tuple[float, int]] = []
    for r in sorted(results, key=lambda r: (r.start, r.end, r.entity_type, recognizer_name(r))):
        score = r.score
        rank = (score, r.end - r.start)
        if merged and r.start < merged[-1].end:
            last = merged[-1]
            last.end = max(last.end, r.end)
            if rank > best[-1]:
                best[-1] = rank
                last.entity, last.score, last.recognizer = r.entity_type, score, recognizer_name(r)
        else:
            merged.append(Finding(r.entity_type, r.start, r.end, score, recognizer_name(r)))
            best.append(rank)
    return merged


def apply_findings(text: str, findings: Sequence[Finding], policy: str) -> str:
    """``text`` with each finding replaced by ``<ENTITY>`` (redact) or ``*`` per character (mask)."""
    parts: list[str] = []
    pos = 0
    for f in findings:
        parts.append(text[pos : f.start])
        parts.append("*" * (f.end - f.start) if policy == "mask" else f"<{f.entity}>")
        pos = f.end
    parts.append(text[pos:])
    return "".join(parts)


def _describe(counts: dict[str, int]) -> str:
    return ", ".join(f"{entity}={n}" for entity, n in sorted(counts.items()))


class PiiScanner:
    """Find PII in documents with Presidio and apply the configured policy.

    Build once per process (loading spaCy and the recognizers takes about a second) and call
    ``scan`` per shard. Construction and scanning never touch the network.
    """

    def __init__(self, config: PiiConfig | None = None) -> None:
        self.config = config or PiiConfig()
        install_log_redaction()
        self._analyzer = make_analyzer(self.config)

    def analyze(self, texts: Sequence[str]) -> list[list[RecognizerResult]]:
        """Raw Presidio results per text (before merging), for evaluation and benchmarks."""
        return self._analyzer.analyze(texts)

    def scan(self, docs: Iterable[Document]) -> PiiResult:
        """Scan ``docs``; see ``PiiConfig.policy`` for what happens to documents with findings."""
        result = PiiResult()
        totals: Counter[str] = Counter()
        recognizers: Counter[str] = Counter()
        for chunk in _chunks(docs, _CHUNK_TEXTS):
            metas = self._redact_meta(chunk)
            for doc, per_element, (meta, meta_counts) in zip(chunk, self._find(chunk), metas, strict=True):
                result.n_in += 1
                doc = Document(doc.id, doc.source, doc.doc_type, doc.elements, doc.sha256, meta)
                counts = Counter(f.entity for findings in per_element for f in findings) + meta_counts
                recognizers.update(f.recognizer for findings in per_element for f in findings)
                if counts:
                    merged = Counter(result.findings.get(doc.id, {})) + counts
                    result.findings[doc.id] = dict(sorted(merged.items()))
                    totals.update(counts)
                self._apply(doc, per_element, dict(sorted(counts.items())), result)
        result.totals = dict(sorted(totals.items()))
        result.by_recognizer = dict(sorted(recognizers.items()))
        logger.debug("pii scan: %s", result.report())
        return result

    def _find(self, chunk: list[Document]) -> list[list[list[Finding]]]:
        """Findings per element per document of ``chunk``; identical texts are analysed once."""
        index: dict[str, int] = {}
        for doc in chunk:
            for element in doc.elements:
                if element.text.strip():
                    index.setdefault(element.text, len(index))
        analysed = self._analyze(list(index), chunk)
        return [[analysed[index[e.text]] if e.text in index else [] for e in doc.elements] for doc in chunk]

    def _analyze(self, texts: list[str], chunk: list[Document]) -> list[list[Finding]]:
        """Merged findings per text; an error names the chunk, never the text it choked on."""
        if not texts:
            return []
        windows = [(i, start, text[start : start + _WINDOW]) for i, text in enumerate(texts) for start in _starts(text)]
        try:
            with _gc_paused():
                per_text: list[list[RecognizerResult]] = [[] for _ in texts]
                analysed = self._analyzer.analyze([w for _, _, w in windows])
                for (i, start, _), results in zip(windows, analysed, strict=True):
                    for r in results:
                        r.start, r.end = r.start + start, r.end + start
                    per_text[i].extend(results)
                return [merge_findings(results) for results in per_text]
        except Exception as exc:  # the original message may quote document text: do not chain it
            raise PiiScanError(
                f"PII analysis failed on a chunk of {len(chunk)} documents "
                f"(first id {chunk[0].id}): {type(exc).__name__}"
            ) from None

    def _redact_meta(self, chunk: list[Document]) -> list[tuple[dict[str, Any], Counter[str]]]:
        """Free-text metadata (a conversation's persona, a consultant's name...) gets the same treatment
        as element text: otherwise a value would ride past this stage inside ``meta``."""
        found = [[(path, value) for path, value in _meta_strings(doc.meta)] for doc in chunk]
        texts = list(dict.fromkeys(value for pairs in found for _, value in pairs))
        analysed = dict(zip(texts, self._analyze(texts, chunk), strict=True))
        out = []
        for doc, pairs in zip(chunk, found, strict=True):
            meta, counts = copy.deepcopy(doc.meta), Counter()
            for path, value in pairs:
                if findings := analysed[value]:
                    counts.update(f.entity for f in findings)
                    _set_path(meta, path, apply_findings(value, findings, self.config.policy))
            out.append((meta, counts))
        return out

    def _apply(self, doc: Document, per_element: list[list[Finding]], counts: dict[str, int], out: PiiResult) -> None:
        policy = self.config.policy
        if counts and policy in ("drop", "flag"):
            reason = "pii_drop" if policy == "drop" else "pii_review"
            detail = f"{sum(counts.values())} PII findings: {_describe(counts)}"
            out.quarantined.append(Quarantined(doc.source, reason, STAGE, detail, doc.id))
            return
        elements = [
            Element(e.kind, apply_findings(e.text, findings, policy), e.level, dict(e.meta))
            for e, findings in zip(doc.elements, per_element, strict=True)
        ]
        meta = {**doc.meta, "pii": counts}
        out.documents.append(Document(doc.id, doc.source, doc.doc_type, elements, doc.sha256, meta))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a chunk is analysed.

    Analysis allocates many short-lived objects (Docs, spans, results), which keeps triggering full
    collections that walk every object of the loaded models: measured 12-30% of scan time. Almost
    all of it is freed by reference counting anyway; whatever cycles remain are collected when the
    collector resumes after the chunk. The previous state is restored (a caller's ``gc.disable()``
    stays in force).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _chunks(docs: Iterable[Document], max_texts: int) -> Iterator[list[Document]]:
    chunk: list[Document] = []
    n_texts = 0
    for doc in docs:
        chunk.append(doc)
        n_texts += len(doc.elements)
        if n_texts >= max_texts:
            yield chunk
            chunk, n_texts = [], 0
    if chunk:
        yield chunk


# Structural metadata written by ingest (types, encodings, roles): never free text, not scanned.
_STRUCTURAL_META = frozenset({"declared_type", "detected_type", "encoding", "parser", "format", "role", "pii"})


def _meta_strings(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every non-structural string inside nested metadata, with its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not (not path and key in _STRUCTURAL_META):
                yield from _meta_strings(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _meta_strings(item, (*path, i))
    elif isinstance(value, str) and value.strip():
        yield path, value


def _set_path(target: Any, path: tuple[Any, ...], value: str) -> None:
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
