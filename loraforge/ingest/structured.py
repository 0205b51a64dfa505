"""Parsers built on unstructured (txt, md, html, docx) plus CSV, and the element mapping.

Text formats are decoded by us (see detect.decode_text) and handed to unstructured as ``text=``:
unstructured's own byte decoding falls back to chardet-style guessing that garbles cp1252 and
ignores UTF-16 without a BOM. unstructured is imported lazily: importing it costs ~2 s.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from loraforge.ingest.base import Blob, IngestConfig, Parsed, ParseError, make_document
from loraforge.ingest.detect import decode_text
from loraforge.ingest.sentences import rule_based_sentences
from loraforge.records import Element

_KIND_BY_CATEGORY = {
    "Title": "title",
    "NarrativeText": "text",
    "Text": "text",
    "UncategorizedText": "text",
    "Address": "text",
    "EmailAddress": "text",
    "FigureCaption": "text",
    "ListItem": "list_item",
    "Table": "table",
}
# unstructured's "skip language detection": its langdetect pass only fills metadata.languages, which
# loraforge does not keep (the title/narrative heuristics do not read it), at ~20% of the parse time.
NO_LANGUAGE_DETECTION = [""]
# Page furniture and pictures: repeated on every page or without text, they would only add noise.
_DROPPED_CATEGORIES = frozenset({"Header", "Footer", "PageNumber", "PageBreak", "Image"})


def elements_from_unstructured(items: list[Any]) -> list[Element]:
    """Map unstructured elements to loraforge Elements, keeping headings, lists and tables as structure."""
    out: list[Element] = []
    for item in items:
        category = getattr(item, "category", "")
        if category in _DROPPED_CATEGORIES:
            continue
        # Unknown categories (CodeSnippet, Formula, ...) are kept as text: never drop content silently.
        kind = _KIND_BY_CATEGORY.get(category, "text")
        md = item.metadata
        meta: dict[str, Any] = {}
        if getattr(md, "page_number", None) is not None:
            meta["page"] = md.page_number
        level = 0
        if kind == "title":
            depth = getattr(md, "category_depth", None)
            level = depth + 1 if isinstance(depth, int) else 1
        if kind == "table":
            table_html = getattr(md, "text_as_html", None)
            # Rows survive as "a | b" lines in the text. The HTML itself is not kept: it would carry
            # cell values (names, emails) past the PII stage, which scans and redacts element text.
            text = table_text_from_html(table_html) if table_html else _clean(item.text)
        else:
            text = _clean(item.text)
        if text:
            out.append(Element(kind=kind, text=text, level=level, meta=meta))
    return out


def table_text_from_html(table_html: str) -> str:
    """Render an HTML table as one "cell | cell" line per row, so rows and columns survive as text.

    unstructured's own ``Table.text`` joins all cells with spaces, which loses the row structure.
    """
    import lxml.html

    root = lxml.html.fromstring(table_html)
    lines = []
    for row in root.iter("tr"):
        cells = [" ".join(cell.text_content().split()) for cell in row if cell.tag in ("td", "th")]
        if any(cells):
            lines.append(" | ".join(cells))
    return "\n".join(lines)


def _clean(text: str) -> str:
    return text.strip() if text else ""


def parse_txt(blob: Blob, config: IngestConfig) -> Parsed:
    """Plain text: unstructured splits paragraphs and guesses titles, list items."""
    from unstructured.partition.text import partition_text

    text, encoding = _decode(blob, config)
    with rule_based_sentences(config.rule_based_sentences):
        items = partition_text(text=text, languages=NO_LANGUAGE_DETECTION)
    return [_doc(blob, items, {"encoding": encoding})]


def parse_md(blob: Blob, config: IngestConfig) -> Parsed:
    """Markdown: ``#`` → title level 1, ``##`` → 2, lists and pipe tables kept (see ``md.py``)."""
    from loraforge.ingest.md import markdown_elements

    text, encoding = _decode(blob, config)
    return [make_document(blob, markdown_elements(text), meta={"parser": "markdown", "encoding": encoding})]


def parse_html(blob: Blob, config: IngestConfig) -> Parsed:
    """HTML: h1-h6 → titles, tables kept; <header>/<footer> skipped."""
    from unstructured.partition.html import partition_html

    text, encoding = _decode(blob, config)
    # <header>/<footer> hold site navigation and legal boilerplate, not the document's content.
    with rule_based_sentences(config.rule_based_sentences):
        items = partition_html(text=text, skip_headers_and_footers=True, languages=NO_LANGUAGE_DETECTION)
    return [_doc(blob, items, {"encoding": encoding})]


def parse_docx(blob: Blob, config: IngestConfig) -> Parsed:
    """DOCX: Heading n styles → title level n, tables kept; page headers/footers dropped."""
    from unstructured.partition.docx import partition_docx

    with rule_based_sentences(config.rule_based_sentences):
        items = partition_docx(file=io.BytesIO(blob.data), languages=NO_LANGUAGE_DETECTION)
    return [_doc(blob, items, {})]


def parse_csv(blob: Blob, config: IngestConfig) -> Parsed:
    """One table element: header line then one "a | b" line per row; cells kept verbatim.

    The csv module rather than pandas/partition_csv: pandas would coerce "007" to 7 and "NA" to NaN.
    """
    text, encoding = _decode(blob, config)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise ParseError("unreadable", f"CSV: {exc}") from None
    rows = [row for row in rows if any(row)]
    elements = [table_element(rows, {})] if rows else []
    return [make_document(blob, elements, meta={"encoding": encoding})]


def table_element(rows: list[list[str]], meta: dict[str, Any]) -> Element:
    """A table Element from cell rows (header first): "a | b" text lines; cell values live only in the text."""
    meta = {**meta, "n_rows": len(rows) - 1, "n_cols": max(len(r) for r in rows)}
    return Element(kind="table", text="\n".join(" | ".join(row) for row in rows), meta=meta)


def _decode(blob: Blob, config: IngestConfig) -> tuple[str, str]:
    return decode_text(blob.data, config.encoding_fallback)


def _doc(blob: Blob, items: list[Any], meta: dict[str, Any]) -> Any:
    return make_document(blob, elements_from_unstructured(items), meta={"parser": "unstructured", **meta})
