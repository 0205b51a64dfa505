"""Lines of text with a size and a position → structured Elements (titles, paragraphs, list items, tables).

Shared by the PDF text layer (pdfminer: font sizes) and OCR of scanned pages (Tesseract: line heights):
headings by size (and bold), list items by bullets, running headers/footers and page numbers dropped,
paragraphs cut by a page break joined again.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from loraforge.ingest.structured import table_element
from loraforge.records import Element

_BULLET = re.compile(r"^\s*(?:[•●▪◦‣∙·\-–*]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d+(?:\s*(?:of|/)\s*\d+)?$", re.I)
_MARGIN = 0.08  # top/bottom fraction of the page where running headers and footers live
_HEADING_RATIO = 1.15  # a line this much larger than body text is a heading


@dataclass(slots=True)
class TextBlock:
    """A run of consecutive lines of one size and weight (a pdfminer text box, or an OCR paragraph)."""

    page: int
    lines: list[str]
    size: float
    bold: bool
    top: float  # distance from the top of the page, as a fraction of its height
    n_chars: int
    rows: list[list[str]] | None = None  # set for a table: its cells, header row first

    @property
    def text(self) -> str:
        return join_lines(self.lines)


def drop_page_furniture(blocks: list[TextBlock], n_pages: int) -> list[TextBlock]:
    """Drop page numbers and running headers/footers: short margin lines that repeat across pages."""

    def key(b: TextBlock) -> str:
        return re.sub(r"\d+", "#", b.text.lower())

    in_margin = [b for b in blocks if b.rows is None and (b.top < _MARGIN or b.top > 1 - _MARGIN)]
    pages_with = Counter(k for k, _page in {(key(b), b.page) for b in in_margin})
    min_repeats = max(2, n_pages // 2)
    dropped = {
        id(b) for b in in_margin if _PAGE_NUMBER.match(b.text) or (n_pages > 1 and pages_with[key(b)] >= min_repeats)
    }
    return [b for b in blocks if id(b) not in dropped]


def join_across_pages(blocks: list[TextBlock]) -> list[TextBlock]:
    """Re-join a paragraph that a page break cut in two ("... before we" | "have reviewed ...")."""
    out: list[TextBlock] = []
    for b in blocks:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.rows is None
            and b.rows is None
            and b.page == prev.page + 1
            and (prev.size, prev.bold) == (b.size, b.bold)
            and not prev.text.endswith((".", "!", "?", ":", ";"))
            and b.lines[0][:1].islower()
        ):
            prev.lines.extend(b.lines)
            prev.n_chars += b.n_chars
            continue
        out.append(b)
    return out


def blocks_to_elements(blocks: list[TextBlock]) -> list[Element]:
    if not blocks:
        return []
    sizes = Counter[float]()
    for b in blocks:
        sizes[b.size] += b.n_chars
    if not sizes.total():  # only tables: no body size needed
        sizes[0.0] = 1
    body = sizes.most_common(1)[0][0]  # the size most characters are set in is the body text

    def is_heading(b: TextBlock) -> bool:
        text = b.text
        if len(text) > 200 or len(b.lines) > 3 or not any(c.isalpha() for c in text):
            return False
        if b.size >= body * _HEADING_RATIO:
            return True
        return b.bold and b.size >= body * 0.95 and len(text) <= 120 and not text.endswith((".", ","))

    heading_sizes = sorted({b.size for b in blocks if is_heading(b) and b.size >= body * _HEADING_RATIO}, reverse=True)
    out: list[Element] = []
    for b in blocks:
        meta: dict[str, Any] = {"page": b.page}
        if b.rows is not None:
            if b.rows:
                out.append(table_element(b.rows, meta))
            continue
        if is_heading(b):
            level = heading_sizes.index(b.size) + 1 if b.size in heading_sizes else len(heading_sizes) + 1
            out.append(Element(kind="title", text=" ".join(b.lines), level=min(level, 6), meta=meta))
            continue
        out.extend(_text_elements(b.lines, meta))
    return out


def _text_elements(lines: list[str], meta: dict[str, Any]) -> list[Element]:
    """Split a body block into paragraphs and list items (a bullet line starts a new item)."""
    out: list[Element] = []
    current: list[str] = []
    current_kind = "text"
    for line in lines:
        m = _BULLET.match(line)
        if m:
            if current:
                out.append(Element(kind=current_kind, text=join_lines(current), meta=dict(meta)))
            current, current_kind = [line[m.end() :]], "list_item"
        else:
            current.append(line)
    if current:
        out.append(Element(kind=current_kind, text=join_lines(current), meta=dict(meta)))
    return [e for e in out if e.text]


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines with a space; a line ending in a hyphen joins without one ("long-" + "term").

    The hyphen is kept: in office documents a line-end hyphen is usually a compound word's own, and
    "exam-ple" loses less than "longterm" would.
    """
    text = ""
    for line in lines:
        if text.endswith("-") and line[:1].islower() and len(text) > 1 and text[-2].isalpha():
            text += line
        else:
            text = f"{text} {line}" if text else line
    return text.strip()
