"""PDF parsing: encryption check with pypdf, text layer with pdfminer.six, unstructured for OCR modes.

Why not ``unstructured.partition.pdf.partition_pdf`` for the default path: in unstructured 0.27 that
module imports ``pi_heif`` and ``unstructured_inference`` at import time even for strategy="fast",
and those come only with ``unstructured[pdf]``, which pulls torchvision and a CUDA torch build. So
the fast path reads pdfminer's layout directly and rebuilds the structure unstructured would give:
headings from font size (and bold), list items from bullets, page headers/footers dropped, and
bordered tables as table elements via pdfplumber (same pdfminer parse; optional, see ``_pages``).
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from loraforge.ingest.base import Blob, IngestConfig, Parsed, ParseError, make_document
from loraforge.ingest.structured import elements_from_unstructured, table_element
from loraforge.records import Element

_BULLET = re.compile(r"^\s*(?:[•●▪◦‣∙·\-–*]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d+(?:\s*(?:of|/)\s*\d+)?$", re.I)
_MARGIN = 0.08  # top/bottom fraction of the page where running headers and footers live
_HEADING_RATIO = 1.15  # a line this much larger than body text is a heading


@dataclass(slots=True)
class _Block:
    """A run of consecutive lines inside one pdfminer text box with the same font size and weight."""

    page: int
    lines: list[str]
    size: float
    bold: bool
    top: float  # distance from the top of the page, as a fraction of its height
    n_chars: int
    rows: list[list[str]] | None = None  # set for a table: its cells, header row first

    @property
    def text(self) -> str:
        return _join_lines(self.lines)


def parse_pdf(blob: Blob, config: IngestConfig) -> Parsed:
    """Parse a PDF; encrypted files raise ParseError("encrypted"), broken ones ParseError("unreadable")."""
    _check_readable(blob.data)
    if config.pdf_strategy == "fast":
        elements, n_pages = _pdfminer_elements(blob.data)
        if not elements:
            raise ParseError("empty", f"no text layer on {n_pages} page(s): scanned? (OCR needs unstructured[pdf])")
        meta: dict[str, Any] = {"parser": "pdfminer", "pages": n_pages}
    else:
        elements = _unstructured_elements(blob, config.pdf_strategy)
        meta = {"parser": f"unstructured:{config.pdf_strategy}"}
    return [make_document(blob, elements, meta=meta)]


def _check_readable(data: bytes) -> None:
    import pypdf
    from pypdf.errors import PyPdfError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Permission-only encryption (empty user password) is common on reports and statements and
            # their text is readable without a password: only a real open-password makes it "encrypted".
            if reader.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
                raise ParseError("encrypted", "PDF needs a password to open")
        if len(reader.pages) == 0:
            raise ParseError("unreadable", "PDF has no pages")
    except ParseError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ParseError("unreadable", f"PDF structure: {type(exc).__name__}") from None


def _pdfminer_elements(data: bytes) -> tuple[list[Element], int]:
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        blocks, n_pages = _layout_blocks(_pages(data))
    except PDFPasswordIncorrect:
        raise ParseError("encrypted", "PDF needs a password to open") from None
    except Exception as exc:  # pdfminer raises a zoo of syntax/EOF/key errors on damaged files
        if type(exc).__module__.startswith(("pdfminer", "pdfplumber")):
            raise ParseError("unreadable", f"PDF syntax: {type(exc).__name__}") from None
        raise
    blocks = _join_across_pages(_drop_page_furniture(blocks, n_pages))
    return _blocks_to_elements(blocks), n_pages


# line_margin 0.7 instead of 0.5: generated PDFs (fpdf, reports) often set body text with 1.5 leading,
# which pdfminer's default splits into one box per line. Word's paragraph spacing (about 0.9 line
# heights) still separates paragraphs.
_LAPARAMS = {"line_margin": 0.7}


def _pages(data: bytes) -> Iterator[tuple[Any, list[tuple[tuple[float, float, float, float], list[list[str]]]]]]:
    """Yield ``(pdfminer LTPage, [(bbox, rows), ...])`` per page; bbox = (x0, top, x1, bottom) from the top.

    Tables come from pdfplumber's ruling-line detector (bordered tables, as Word and fpdf draw them),
    which shares pdfminer's parse. Without pdfplumber every table is read as loose text lines.
    """
    try:
        import pdfplumber
    except ImportError:
        from pdfminer.high_level import extract_pages
        from pdfminer.layout import LAParams

        for page in extract_pages(io.BytesIO(data), laparams=LAParams(**_LAPARAMS)):
            yield page, []
        return
    with pdfplumber.open(io.BytesIO(data), laparams=_LAPARAMS) as pdf:
        for page in pdf.pages:
            layout = page.layout
            tables = []
            # find_tables converts every glyph of the page into a dict first (~75% of the parse time),
            # so only pages that draw a few ruling lines are searched for tables.
            if _ruling_count(layout) >= 4:
                tables = [(t.bbox, [[_cell(c) for c in row] for row in t.extract()]) for t in page.find_tables()]
            yield layout, tables
            page.close()  # drop the page's cached objects: keeps memory flat on long PDFs


def _ruling_count(layout: Any) -> int:
    """Lines and rectangles drawn on a page (table borders), counted from pdfminer's layout tree."""
    from pdfminer.layout import LTCurve, LTFigure

    count = 0
    for obj in layout:
        if isinstance(obj, LTCurve):  # LTLine and LTRect are LTCurve subclasses
            count += 1
        elif isinstance(obj, LTFigure):
            count += _ruling_count(obj)
    return count


def _layout_blocks(pages: Iterable[tuple[Any, list[Any]]]) -> tuple[list[_Block], int]:
    from pdfminer.layout import LTChar, LTTextBox, LTTextLine

    blocks: list[_Block] = []
    n_pages = 0
    for page_no, (page, tables) in enumerate(pages, start=1):
        n_pages = page_no
        height = page.height or 1.0
        page_blocks: list[_Block] = []
        for box in page:
            if not isinstance(box, LTTextBox):
                continue
            current: _Block | None = None
            for line in box:
                if not isinstance(line, LTTextLine) or _inside_table(line, height, tables):
                    continue
                text = " ".join(line.get_text().split())  # pdfminer doubles spaces set as glyphs
                chars = [c for c in line if isinstance(c, LTChar) and not c.get_text().isspace()]
                if not text or not chars:
                    continue
                size = round(Counter(round(c.size * 2) / 2 for c in chars).most_common(1)[0][0], 1)
                bold = all(_is_bold(c.fontname) for c in chars)
                top = (height - line.y1) / height
                if current and current.size == size and current.bold == bold:
                    current.lines.append(text)
                    current.n_chars += len(chars)
                else:
                    current = _Block(page_no, [text], size, bold, top, len(chars))
                    page_blocks.append(current)
        for bbox, rows in tables:  # a table goes before the first text block that starts below its top
            table = _Block(page_no, [], 0.0, False, bbox[1] / height, 0, rows=[r for r in rows if any(r)])
            at = next((i for i, b in enumerate(page_blocks) if b.top > table.top), len(page_blocks))
            page_blocks.insert(at, table)
        blocks.extend(page_blocks)
    return blocks, n_pages


def _inside_table(line: Any, height: float, tables: list[Any]) -> bool:
    x = (line.x0 + line.x1) / 2
    y = height - (line.y0 + line.y1) / 2  # pdfminer counts from the bottom, pdfplumber from the top
    return any(x0 <= x <= x1 and top <= y <= bottom for (x0, top, x1, bottom), _ in tables)


def _is_bold(fontname: str) -> bool:
    name = fontname.lower()
    return any(w in name for w in ("bold", "black", "heavy", "semibold"))


def _drop_page_furniture(blocks: list[_Block], n_pages: int) -> list[_Block]:
    """Drop page numbers and running headers/footers: short margin lines that repeat across pages."""

    def key(b: _Block) -> str:
        return re.sub(r"\d+", "#", b.text.lower())

    in_margin = [b for b in blocks if b.rows is None and (b.top < _MARGIN or b.top > 1 - _MARGIN)]
    pages_with = Counter(k for k, _page in {(key(b), b.page) for b in in_margin})
    min_repeats = max(2, n_pages // 2)
    dropped = {
        id(b) for b in in_margin if _PAGE_NUMBER.match(b.text) or (n_pages > 1 and pages_with[key(b)] >= min_repeats)
    }
    return [b for b in blocks if id(b) not in dropped]


def _join_across_pages(blocks: list[_Block]) -> list[_Block]:
    """Re-join a paragraph that a page break cut in two ("... before we" | "have reviewed ...")."""
    out: list[_Block] = []
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


def _blocks_to_elements(blocks: list[_Block]) -> list[Element]:
    if not blocks:
        return []
    sizes = Counter[float]()
    for b in blocks:
        sizes[b.size] += b.n_chars
    if not sizes.total():  # only tables: no body size needed
        sizes[0.0] = 1
    body = sizes.most_common(1)[0][0]  # the size most characters are set in is the body text

    def is_heading(b: _Block) -> bool:
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


def _cell(value: str | None) -> str:
    return " ".join((value or "").split())  # merged cells come back as None


def _text_elements(lines: list[str], meta: dict[str, Any]) -> list[Element]:
    """Split a body block into paragraphs and list items (a bullet line starts a new item)."""
    out: list[Element] = []
    current: list[str] = []
    current_kind = "text"
    for line in lines:
        m = _BULLET.match(line)
        if m:
            if current:
                out.append(Element(kind=current_kind, text=_join_lines(current), meta=dict(meta)))
            current, current_kind = [line[m.end() :]], "list_item"
        else:
            current.append(line)
    if current:
        out.append(Element(kind=current_kind, text=_join_lines(current), meta=dict(meta)))
    return [e for e in out if e.text]


def _join_lines(lines: list[str]) -> str:
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


def _unstructured_elements(blob: Blob, strategy: str) -> list[Element]:
    # Only reachable when IngestConfig validated that unstructured[pdf] is installed.
    from unstructured.partition.pdf import partition_pdf

    return elements_from_unstructured(partition_pdf(file=io.BytesIO(blob.data), strategy=strategy))
