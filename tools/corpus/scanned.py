"""Render corpus text as a scanned PDF: every page a bitmap, no text layer (what a copier's scan-to-PDF makes).

Text is drawn with Pillow's bundled TrueType font (``ImageFont.load_default``) onto a 1-bit page image,
and the pages are written by Pillow's PDF writer. Deterministic for a given Pillow version (pinned):
a fixed date, no randomness. Only titles, paragraphs and bullet lists are drawn (no tables).
"""

from __future__ import annotations

import io
import textwrap
from datetime import datetime
from typing import Any

from PIL import Image, ImageDraw, ImageFont

DPI = 200
PAGE = (int(8.5 * DPI), int(11 * DPI))  # US Letter
MARGIN = int(1.0 * DPI)
SIZES_PT = {"h1": 18, "h2": 14, "p": 11}


def _font(points: int) -> Any:
    return ImageFont.load_default(size=round(points * DPI / 72))


def render_scanned_pdf(blocks: list[tuple[str, Any]], title: str, date: datetime) -> bytes:
    """An image-only PDF of ``blocks`` (("h1"|"h2"|"p", text) or ("ul", [items])), one bitmap per page.

    ``date`` is written as the creation and modification date (Pillow would write the current time).
    """
    pages: list[Image.Image] = []
    page, draw, y = _new_page()
    width_px = PAGE[0] - 2 * MARGIN
    for kind, value in blocks:
        items = value if kind == "ul" else [value]
        size = SIZES_PT["p" if kind == "ul" else kind]
        font = _font(size)
        line_h = round(size * DPI / 72 * 1.45)
        chars = int(width_px / (font.getlength("x") * 1.05))  # average glyph is close to an "x"
        for item in items:
            text = ("- " + item) if kind == "ul" else " ".join(item.split())
            for line in textwrap.wrap(text, chars - (2 if kind == "ul" else 0)):
                if y + line_h > PAGE[1] - MARGIN:
                    pages.append(page)
                    page, draw, y = _new_page()
                indent = 30 if kind == "ul" and not line.startswith("- ") else 0
                draw.text((MARGIN + indent, y), line, font=font, fill=0)
                y += line_h
            y += line_h // 3 if kind == "ul" else 0
        y += line_h // 2
    pages.append(page)
    out = io.BytesIO()
    pages[0].save(
        out,
        "PDF",
        resolution=DPI,
        save_all=True,
        append_images=pages[1:],
        title=title,
        creationDate=date.utctimetuple(),
        modDate=date.utctimetuple(),
    )
    return out.getvalue()


def _new_page() -> tuple[Image.Image, Any, int]:
    page = Image.new("1", PAGE, 1)
    return page, ImageDraw.Draw(page), MARGIN
