"""OCR of PDF pages without a text layer: pypdfium2 renders the page, Tesseract (via pytesseract) reads it.

Tesseract is a Debian package (``tesseract-ocr`` plus ``tesseract-ocr-<lang>`` data), run as a local
subprocess: nothing leaves the machine. Without it, scanned pages are quarantined as ``needs_ocr``
with the install command in the detail, and every other file is ingested as usual.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import statistics
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from loraforge.ingest.base import IngestConfig, extend_deadline, short_error

INSTALL_HINT = "apt-get install tesseract-ocr tesseract-ocr-eng (scripts/setup.sh does it when run as root)"

MAX_PIXELS = 40_000_000  # one grayscale page bitmap at most (40 MB): Letter at 300 dpi is 8.4 MP

# PDFium is not thread-safe and ingest parses in worker threads (and a flow may run shards in threads):
# only rendering holds the lock; Tesseract runs in its own process, outside it.
_PDFIUM_LOCK = threading.Lock()


@dataclass(slots=True)
class OcrParagraph:
    """One paragraph Tesseract found: its lines, median line height in points, top as a page fraction."""

    page: int
    lines: list[str]
    height_pt: float
    top: float


@dataclass(slots=True)
class OcrOutcome:
    """Paragraphs read from the pages asked for, and per-page failures as ``(page, reason, detail)``."""

    paragraphs: list[OcrParagraph]
    failures: list[tuple[int, str, str]]


@functools.lru_cache(maxsize=8)
def ocr_unavailable(languages: str) -> str | None:
    """Why OCR cannot run with ``languages`` ("eng", "eng+deu"), or None when Tesseract and its data are there."""
    try:
        import pytesseract
    except ImportError:
        return "pytesseract is not installed (pip install loraforge's pinned dependencies)"
    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        return f"the tesseract program is not installed: {INSTALL_HINT}"
    try:
        installed = set(pytesseract.get_languages())
    except Exception as exc:  # a broken install: report it once per corpus, not a traceback per page
        return f"tesseract does not run: {type(exc).__name__}"
    missing = [lang for lang in languages.split("+") if lang not in installed]
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        return f"tesseract language data missing ({', '.join(missing)}): apt-get install {packages}"
    return None


class _TesseractEnv(Mapping[str, str]):
    """``os.environ``, read live, plus ``OMP_THREAD_LIMIT=1`` unless the user set it.

    Tesseract's OpenMP threads fight each other and every other process for the cores (ingest runs
    one process per core): one thread per page was 3x faster on a busy 2-core machine, as Tesseract's
    own documentation advises for parallel runs. Handed to pytesseract only, so torch and anything else
    in this process keep their own OpenMP settings.
    """

    _KEY = "OMP_THREAD_LIMIT"

    def __getitem__(self, key: str) -> str:
        if key == self._KEY and key not in os.environ:
            return "1"
        return os.environ[key]

    def __iter__(self) -> Iterator[str]:
        yield from os.environ
        if self._KEY not in os.environ:
            yield self._KEY

    def __len__(self) -> int:
        return len(os.environ) + (self._KEY not in os.environ)


@functools.cache
def _one_thread_per_tesseract() -> None:
    import pytesseract.pytesseract as api

    if getattr(api, "environ", None) is os.environ:  # pytesseract 0.3.x passes this mapping to Popen(env=)
        api.environ = _TesseractEnv()


def ocr_pages(data: bytes, pages: list[int], config: IngestConfig) -> OcrOutcome:
    """OCR the 1-based ``pages`` of the PDF in ``data``, each under ``config.ocr_page_timeout_s``.

    Each page also extends the file's parse deadline by its own timeout, so a long scan is bounded per
    page rather than cut off by the per-file limit meant for parsing.
    """
    import pypdfium2 as pdfium

    _one_thread_per_tesseract()
    outcome = OcrOutcome([], [])
    with _PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(data)
    try:
        for page_no in pages:
            extend_deadline(config.ocr_page_timeout_s)
            with _PDFIUM_LOCK:
                page = pdf[page_no - 1]
                width, height = page.get_size()  # points
                # a poster-sized page at 300 dpi would be gigabytes of pixels: cap the bitmap instead
                scale = min(config.ocr_dpi / 72, (MAX_PIXELS / max(width * height, 1.0)) ** 0.5)
                image = page.render(scale=scale, grayscale=True).to_pil()
                page.close()
            try:
                outcome.paragraphs.extend(_read_page(image, page_no, config, 1 / scale))
            except RuntimeError as exc:  # pytesseract: TesseractError, or "Tesseract process timeout"
                if "timeout" in str(exc).lower():
                    detail = f"OCR of page {page_no} took longer than ocr_page_timeout_s={config.ocr_page_timeout_s:g}"
                    outcome.failures.append((page_no, "timeout", detail))
                else:
                    outcome.failures.append(
                        (page_no, "unreadable", f"OCR failed on page {page_no}: {short_error(exc, 120)}")
                    )
    finally:
        with _PDFIUM_LOCK:
            pdf.close()
    return outcome


_ASCENDS = re.compile(r"[A-Z0-9bdfhklt()/|'\"]")
_DESCENDS = re.compile(r"[gjpqy(),;/|]")


def _font_px(word: str, height: int) -> float:
    """A word's font size in pixels from its ink height: "on" is shorter than "Top" or "pay", which are
    shorter than "Type", in any font. Fractions of the font size are typical of sans and serif faces."""
    up, down = bool(_ASCENDS.search(word)), bool(_DESCENDS.search(word))
    return height / (0.93 if up and down else 0.72 if up or down else 0.52)


def _read_page(image: Any, page_no: int, config: IngestConfig, pt_per_px: float) -> list[OcrParagraph]:
    """Tesseract's word boxes (``image_to_data``) grouped into paragraphs of lines, sizes in points."""
    import pytesseract

    data = pytesseract.image_to_data(
        image,
        lang=config.ocr_languages,
        timeout=config.ocr_page_timeout_s,
        output_type=pytesseract.Output.DICT,
    )
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, word in enumerate(data["text"]):
        if word.strip() and float(data["conf"][i]) >= 0:
            lines.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
    paragraphs: dict[tuple[int, int], OcrParagraph] = {}
    heights: dict[tuple[int, int], list[float]] = {}
    for (block, par, _line), idx in lines.items():
        text = " ".join(data["text"][i].strip() for i in idx)
        key = (block, par)
        if key not in paragraphs:
            top = min(data["top"][i] for i in idx) / image.height
            paragraphs[key] = OcrParagraph(page_no, [], 0.0, top)
            heights[key] = []
        paragraphs[key].lines.append(text)
        heights[key].append(statistics.median(_font_px(data["text"][i], data["height"][i]) for i in idx))
    for key, para in paragraphs.items():
        para.height_pt = round(statistics.median(heights[key]) * pt_per_px)
    return list(paragraphs.values())
