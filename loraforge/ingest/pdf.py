"""PDF parsing: encryption check with pypdf, text layer with pdfminer.six, Tesseract for scanned pages.

Why not ``unstructured.partition.pdf.partition_pdf`` for the default path: in unstructured 0.27 that
module imports ``pi_heif`` and ``unstructured_inference`` at import time even for strategy="fast",
and those come only with ``unstructured[pdf]``, which pulls torchvision and a CUDA torch build. So
the fast path reads pdfminer's layout directly and rebuilds the structure unstructured would give:
headings from font size (and bold), list items from bullets, page headers/footers dropped, and
bordered tables as table elements via pdfplumber (same pdfminer parse; optional, see ``_pages``).
Pages without a text layer go to Tesseract (``ocr.py``); their paragraphs get the same structure rules,
with the OCR line height standing in for the font size.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from loraforge.ingest.base import Blob, IngestConfig, Parsed, ParseError, make_document
from loraforge.ingest.layout import TextBlock, blocks_to_elements, drop_page_furniture, join_across_pages
from loraforge.ingest.structured import elements_from_unstructured
from loraforge.records import Element


def parse_pdf(blob: Blob, config: IngestConfig) -> Parsed:
    """Parse a PDF; encrypted files raise ParseError("encrypted"), broken ones ParseError("unreadable")."""
    _check_readable(blob.data)
    if config.pdf_strategy == "fast":
        elements, n_pages, blank = _pdfminer_elements(blob.data)
        meta: dict[str, Any] = {"parser": "pdfminer", "pages": n_pages}
        if blank:
            scanned, ocr_meta = _ocr_elements(blob.data, blank, n_pages, config, has_text=bool(elements))
            elements = sorted(elements + scanned, key=lambda e: e.meta["page"])  # stable: page order kept
            meta.update(ocr_meta)
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


def _ocr_elements(
    data: bytes, blank: list[int], n_pages: int, config: IngestConfig, has_text: bool
) -> tuple[list[Element], dict[str, Any]]:
    """Elements of the pages without a text layer, read by Tesseract, and what to record in the meta.

    A file with no text at all raises: ``needs_ocr`` when OCR is off or not installed, else the reason
    of a failed page (``timeout``/``unreadable``), else ``empty``. A file that has text elsewhere keeps it
    and lists the pages it could not read in its meta.
    """
    from loraforge.ingest.ocr import ocr_pages, ocr_unavailable

    why_not = "ocr is off (IngestConfig.ocr)" if not config.ocr else ocr_unavailable(config.ocr_languages)
    if why_not:
        if not has_text:
            raise ParseError("needs_ocr", f"no text layer on {len(blank)} of {n_pages} page(s); {why_not}")
        return [], {"pages_not_read": blank, "not_read_because": why_not}
    outcome = ocr_pages(data, blank, config)
    blocks = [TextBlock(p.page, p.lines, p.height_pt, False, p.top, sum(map(len, p.lines))) for p in outcome.paragraphs]
    elements = blocks_to_elements(join_across_pages(drop_page_furniture(blocks, n_pages)))
    for e in elements:
        e.meta["ocr"] = True
    if not elements and not has_text:
        if outcome.failures:
            reasons = {reason for _, reason, _ in outcome.failures}
            reason = "timeout" if "timeout" in reasons else "unreadable"
            detail = next(d for _, r, d in outcome.failures if r == reason)
            raise ParseError(reason, f"{len(outcome.failures)} of {len(blank)} scanned page(s) failed; {detail}")
        raise ParseError("empty", f"no text layer on {n_pages} page(s) and OCR found no text")
    meta: dict[str, Any] = {"ocr_pages": blank}
    if outcome.failures:
        meta["ocr_failed_pages"] = [page for page, _, _ in outcome.failures]
    return elements, meta


def _pdfminer_elements(data: bytes) -> tuple[list[Element], int, list[int]]:
    """Elements of the text layer, the page count, and the pages without any text (scans)."""
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        blocks, n_pages = _layout_blocks(_pages(data))
    except PDFPasswordIncorrect:
        raise ParseError("encrypted", "PDF needs a password to open") from None
    except Exception as exc:  # pdfminer raises a zoo of syntax/EOF/key errors on damaged files
        if type(exc).__module__.startswith(("pdfminer", "pdfplumber")):
            raise ParseError("unreadable", f"PDF syntax: {type(exc).__name__}") from None
        raise
    blank = sorted(set(range(1, n_pages + 1)) - {b.page for b in blocks})
    blocks = join_across_pages(drop_page_furniture(blocks, n_pages))
    return blocks_to_elements(blocks), n_pages, blank


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


def _layout_blocks(pages: Iterable[tuple[Any, list[Any]]]) -> tuple[list[TextBlock], int]:
    from pdfminer.layout import LTChar, LTTextBox, LTTextLine

    blocks: list[TextBlock] = []
    n_pages = 0
    for page_no, (page, tables) in enumerate(pages, start=1):
        n_pages = page_no
        height = page.height or 1.0
        page_blocks: list[TextBlock] = []
        for box in page:
            if not isinstance(box, LTTextBox):
                continue
            current: TextBlock | None = None
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
                    current = TextBlock(page_no, [text], size, bold, top, len(chars))
                    page_blocks.append(current)
        for bbox, rows in tables:  # a table goes before the first text block that starts below its top
            table = TextBlock(page_no, [], 0.0, False, bbox[1] / height, 0, rows=[r for r in rows if any(r)])
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


def _cell(value: str | None) -> str:
    return " ".join((value or "").split())  # merged cells come back as None


def _unstructured_elements(blob: Blob, strategy: str) -> list[Element]:
    # Only reachable when IngestConfig validated that unstructured[pdf] is installed.
    from unstructured.partition.pdf import partition_pdf

    return elements_from_unstructured(partition_pdf(file=io.BytesIO(blob.data), strategy=strategy))
