"""Generate the sample corpus under ``examples/docs/`` (plus ``CORPUS.md`` and ``corpus_manifest.json``).

    python tools/corpus/make_corpus.py            # (re)write docs/, CORPUS.md, corpus_manifest.json, then verify
    python tools/corpus/make_corpus.py --check    # only verify the files already on disk

The corpus is a fictional financial-advisory firm's knowledge base in every format loraforge ingests, with
planted PII and planted problems (duplicates, empty, truncated, encrypted, mislabelled, legacy-encoded, scanned and
unsupported files). Output is deterministic and byte-identical across reruns with the pinned fpdf2, Pillow and
python-docx: no randomness, fixed creation dates, docx zips rewritten with fixed timestamps.
Content lives in corpus_docs.py and corpus_chats.py; this file renders it and records what was planted.
"""

from __future__ import annotations

import csv
import html
import io
import itertools
import json
import logging
import re
import shutil
import struct
import sys
import textwrap
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import docx
import pypdf
from docx.enum.text import WD_BREAK
from docx.shared import Pt
from fpdf import FPDF
from fpdf.enums import XPos, YPos

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus_chats import CHAT_SYSTEM_PROMPT, CHATS, EXPORT_CONSULTANT, EXPORT_SESSIONS  # noqa: E402
from corpus_docs import DOCS  # noqa: E402
from scanned import render_scanned_pdf  # noqa: E402

logging.getLogger("pypdf").setLevel(logging.ERROR)  # the truncated PDF makes pypdf log, as it should

HERE = Path(__file__).resolve().parents[2] / "examples"  # what it writes: examples/docs, CORPUS.md, the manifest
DOCS_DIR = HERE / "docs"
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
ZIP_DATE = (2026, 1, 1, 0, 0, 0)
AUTHOR = "Harborview Wealth Partners"

# Word 5-gram Jaccard thresholds the corpus is built to satisfy (see check_similarity).
NEAR_DUP_MIN = 0.8
DISTINCT_MAX = 0.5

# --------------------------------------------------------------------------------------------------
# Planted PII: every value that appears anywhere in the corpus, by class. Counting is done against
# this registry (longest match first), so the per-file counts in CORPUS.md are exact by construction.
# STREET_ADDRESS is our own class: Presidio has no street-address recognizer by default.
# --------------------------------------------------------------------------------------------------
PII: dict[str, list[str]] = {
    "PERSON": [
        "Elena Morales",
        "Daniel Okafor",
        "Priya Raman",
        "Thomas Beaulieu",
        "Grace Whitaker",
        "Samuel Ortiz",
        "Hannah Liu",
        "Michael Brennan",
        "Rebecca Stone",
        "Margaret Ellison",
        "Robert Ellison",
        "Claire Novak",
        "Ruth Adeyemi",
        "Kofi Adeyemi",
        "Victor Hale",
        "Amélie Durand",
        "Zoë Lindqvist",
        "Marcus Whitfield",
        "Jennifer Park",
        "David Chen",
        "Olivia Grant",
        "Lucas Moreau",
    ],
    "EMAIL_ADDRESS": [
        "emorales@harborview-wealth.com",
        "dokafor@harborview-wealth.com",
        "praman@harborview-wealth.com",
        "tbeaulieu@harborview-wealth.com",
        "gwhitaker@harborview-wealth.com",
        "sortiz@harborview-wealth.com",
        "hliu@harborview-wealth.com",
        "mbrennan@harborview-wealth.com",
        "rstone@harborview-wealth.com",
        "service@harborview-wealth.com",
        "security@harborview-wealth.com",
        "margaret.ellison@outlook.com",
        "rob.ellison@gmail.com",
        "victor.hale@yahoo.com",
        "marcus.whitfield@gmail.com",
        "ray.donnelly@comcast.net",
    ],
    "PHONE_NUMBER": [
        "(617) 555-0100",
        "(617) 555-0101",
        "(617) 555-0142",
        "(617) 555-0165",
        "617-555-0126",
        "617-555-0178",
        "617-555-0119",
        "+1 617 555 0183",
        "+1 617 555 0177",
        "1-800-555-0148",
        "(207) 555-0130",
        "(207) 555-0131",
        "(401) 555-0180",
        "(401) 555-0187",
        "(802) 555-0150",
        "(802) 555-0154",
        "(617) 555-0193",
        "617-555-0147",
        "(781) 555-0162",
        "(207) 555-0112",
        "(207) 555-0176",
        "(857) 555-0138",
        "+1 617 555 0123",
        "617-555-0199",
    ],
    "US_SSN": ["512-44-7821", "431-72-9056", "603-18-2947", "287-65-4310", "358-21-6604"],
    "CREDIT_CARD": [
        "4539 1488 0343 6467",
        "3782 822463 10005",
        "5500 0055 5555 5559",
        "4111 1111 1111 1111",
        "6011 0009 9013 9424",
    ],
    "IBAN_CODE": [
        "GB33 BUKB 2020 1555 5555 55",
        "FR14 2004 1010 0505 0001 3M02 606",
        "DE89 3704 0044 0532 0130 00",
        "NL91 ABNA 0417 1643 00",
    ],
    "STREET_ADDRESS": [
        "200 Atlantic Avenue, Suite 1400, Boston, MA 02110",
        "45 Commercial Street, Suite 300, Portland, ME 04101",
        "10 Weybosset Street, Suite 700, Providence, RI 02903",
        "150 Bank Street, 2nd Floor, Burlington, VT 05401",
        "48 Linden Street, Brookline, MA 02445",
        "9 Prospect Street, Somerville, MA 02143",
        "212 Hope Street, Providence, RI 02906",
        "71 Elm Road, Falmouth, ME 04105",
        "17 Orchard Hill Road, Cape Elizabeth, ME 04107",
        "305 Harvard Street, Cambridge, MA 02139",
    ],
}
PII_CLASS = {v: k for k, vs in PII.items() for v in vs}
_PII_RE = re.compile(
    r"(?<!\w)(" + "|".join(re.escape(v) for v in sorted(PII_CLASS, key=len, reverse=True)) + r")(?!\w)"
)


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(reversed(digits)))
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    s = iban.replace(" ", "")
    s = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in s)) % 97 == 1


def find_pii(text: str) -> list[str]:
    """Planted PII values in ``text``, in order (whitespace-normalised so wrapped lines still match)."""
    return _PII_RE.findall(re.sub(r"\s+", " ", text))


def pii_counts(text: str) -> dict[str, int]:
    c = Counter(PII_CLASS[v] for v in find_pii(text))
    return {k: c[k] for k in PII if c[k]}


# --------------------------------------------------------------------------------------------------
# Markup -> blocks -> renderers
# --------------------------------------------------------------------------------------------------
Block = tuple[str, Any]  # ("h1"|"h2"|"h3"|"p", str) | ("ul"|"ol", list[str]) | ("table", list[list[str]])


def parse(markup: str) -> list[Block]:
    """Parse the tiny markup of corpus_docs.py into blocks."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", markup.strip()):
        lines = [ln.rstrip() for ln in chunk.strip().splitlines()]
        first = lines[0]
        if first.startswith("#"):
            assert len(lines) == 1, chunk
            level = len(first) - len(first.lstrip("#"))
            blocks.append((f"h{level}", first[level:].strip()))
        elif all(ln.startswith("- ") for ln in lines):
            blocks.append(("ul", [ln[2:] for ln in lines]))
        elif all(re.match(r"\d+\. ", ln) for ln in lines):
            blocks.append(("ol", [ln.split(". ", 1)[1] for ln in lines]))
        elif all(ln.startswith("|") for ln in lines):
            rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]
            blocks.append(("table", [r for r in rows if not all(set(c) <= set("-: ") for c in r)]))
        else:
            blocks.append(("p", "\n".join(lines)))
    return blocks


def plain_text(blocks: list[Block]) -> str:
    """The text of a document independent of format: what PII counting and tests compare against."""
    out: list[str] = []
    for kind, val in blocks:
        if kind in ("ul", "ol"):
            out.extend(val)
        elif kind == "table":
            out.extend(" | ".join(r) for r in val)
        else:
            out.append(val)
    return "\n\n".join(out) + "\n"


def render_md(blocks: list[Block]) -> str:
    out: list[str] = []
    for kind, val in blocks:
        if kind[0] == "h":
            out.append("#" * int(kind[1]) + " " + val)
        elif kind == "p":
            out.append(val)
        elif kind == "ul":
            out.append("\n".join(f"- {i}" for i in val))
        elif kind == "ol":
            out.append("\n".join(f"{n}. {i}" for n, i in enumerate(val, 1)))
        elif kind == "table":
            rows = ["| " + " | ".join(r) + " |" for r in val]
            rows.insert(1, "|" + "|".join("---" for _ in val[0]) + "|")
            out.append("\n".join(rows))
    return "\n\n".join(out) + "\n"


def _wrap(text: str, width: int = 78, indent: str = "", first: str = "") -> str:
    # Spaces inside PII values become no-break spaces while wrapping, so a phone number or a name is
    # never split across two lines (which would make planted values undetectable line by line).
    protected = _PII_RE.sub(lambda m: m.group(0).replace(" ", "\u00a0"), text)
    lines = textwrap.wrap(
        protected,
        width,
        initial_indent=first or indent,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,
    )
    return "\n".join(lines).replace("\u00a0", " ")


def render_txt(blocks: list[Block], numbered: bool = True) -> str:
    """Plain text: upper-case title and section lines ("3 EMAIL AND PHISHING"), wrapped paragraphs.

    Section numbers carry no dot on purpose: "3. Email" reads as a list item to most text partitioners.
    """
    out: list[str] = []
    section = 0
    for kind, val in blocks:
        if kind == "h1":
            out.append(val.upper())
        elif kind == "h2":
            section += 1
            out.append(f"{section} {val.upper()}" if numbered else val.upper())
        elif kind == "h3":
            out.append(val)
        elif kind == "p":
            out.append("\n".join(_wrap(line) if line else "" for line in val.split("\n")))
        elif kind == "ul":
            out.append("\n".join(_wrap(i, indent="    ", first="  * ") for i in val))
        elif kind == "ol":
            out.append("\n".join(_wrap(i, indent="     ", first=f"  {n}) ") for n, i in enumerate(val, 1)))
        elif kind == "table":
            widths = [max(len(r[c]) for r in val) for c in range(len(val[0]))]
            lines = ["  " + "   ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in val]
            lines.insert(1, "  " + "   ".join("-" * w for w in widths))
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


HTML_NAV = (
    '<header class="site-header">\n<a class="logo" href="/">Harborview Wealth Partners</a>\n<nav>\n<ul class="menu">\n'
    '<li><a href="/">Home</a></li>\n<li><a href="/about/">About us</a></li>\n'
    '<li><a href="/services/">Services</a></li>\n'
    '<li><a href="/fees/">Fees</a></li>\n<li><a href="/contact/">Contact</a></li>\n'
    '<li><a href="/portal/">Client Login</a></li>\n</ul>\n</nav>\n</header>'
)
HTML_FOOTER = (
    '<footer class="site-footer">\n<p>&copy; 2026 Harborview Wealth Partners, LLC. '
    "Advisory services are offered through "
    "Harborview Wealth Partners, LLC, an SEC-registered investment adviser. Registration does not imply a certain "
    'level of skill or training.</p>\n<p><a href="/privacy/">Privacy notice</a> | <a href="/adv/">Form ADV</a> | '
    '<a href="/crs/">Form CRS</a> | <a href="/accessibility/">Accessibility</a></p>\n</footer>'
)


def render_html(blocks: list[Block]) -> str:
    e = html.escape
    title = next(v for k, v in blocks if k == "h1")
    body: list[str] = []
    for kind, val in blocks:
        if kind[0] == "h":
            body.append(f"<{kind}>{e(val)}</{kind}>")
        elif kind == "p":
            body.append("<p>" + "<br>\n".join(e(x) for x in val.split("\n")) + "</p>")
        elif kind in ("ul", "ol"):
            body.append(f"<{kind}>\n" + "\n".join(f"  <li>{e(i)}</li>" for i in val) + f"\n</{kind}>")
        elif kind == "table":
            head = "".join(f"<th>{e(c)}</th>" for c in val[0])
            rows = "\n".join("  <tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in val[1:])
            body.append(f"<table>\n<thead>\n  <tr>{head}</tr>\n</thead>\n<tbody>\n{rows}\n</tbody>\n</table>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(title)} | Harborview Wealth Partners</title>\n"
        '<link rel="stylesheet" href="/static/site.css">\n</head>\n<body>\n'
        f'{HTML_NAV}\n<main class="content">\n' + "\n".join(body) + f"\n</main>\n{HTML_FOOTER}\n</body>\n</html>\n"
    )


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip (docx) with fixed member timestamps so the bytes do not depend on the clock."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            dst.writestr(zi, src.read(info.filename))
    return buf.getvalue()


def render_docx(blocks: list[Block]) -> bytes:
    d = docx.Document()
    d.styles["Normal"].font.name = "Calibri"
    d.styles["Normal"].font.size = Pt(11)
    title = next(v for k, v in blocks if k == "h1")
    cp = d.core_properties
    cp.title, cp.author, cp.last_modified_by = title, AUTHOR, AUTHOR
    cp.created = cp.modified = cp.last_printed = FIXED_DATE.replace(tzinfo=None)
    cp.revision = 1
    for kind, val in blocks:
        if kind == "h1":
            d.add_heading(val, level=0)  # the "Title" style
        elif kind == "h2":
            d.add_heading(val, level=1)
        elif kind == "h3":
            d.add_heading(val, level=2)
        elif kind == "p":
            para = d.add_paragraph()
            for n, line in enumerate(val.split("\n")):
                if n:
                    para.add_run().add_break(WD_BREAK.LINE)
                para.add_run(line)
        elif kind in ("ul", "ol"):
            for item in val:
                d.add_paragraph(item, style="List Bullet" if kind == "ul" else "List Number")
        elif kind == "table":
            t = d.add_table(rows=len(val), cols=len(val[0]))
            t.style = "Table Grid"
            for r, row in enumerate(val):
                for c, cell in enumerate(row):
                    t.cell(r, c).text = cell
                    if r == 0:
                        for run in t.cell(r, c).paragraphs[0].runs:
                            run.bold = True
    buf = io.BytesIO()
    d.save(buf)
    return _fixed_zip(buf.getvalue())


class _Pdf(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 8, f"Harborview Wealth Partners - page {self.page_no()}", align="C")


def render_pdf(blocks: list[Block], user_password: str | None = None) -> bytes:
    pdf = _Pdf(format="Letter")
    pdf.set_creation_date(FIXED_DATE)
    title = next(v for k, v in blocks if k == "h1")
    pdf.set_title(title)
    pdf.set_author(AUTHOR)
    if user_password:
        pdf.set_encryption(owner_password="hv-owner-2026", user_password=user_password)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    nl = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
    for kind, val in blocks:
        if kind == "h1":
            pdf.set_font("Helvetica", "B", 18)
            pdf.multi_cell(0, 9, val, **nl)
            pdf.ln(3)
        elif kind in ("h2", "h3"):
            if pdf.get_y() > pdf.h - 45:  # keep a heading with its first lines
                pdf.add_page()
            pdf.ln(2)
            pdf.set_font("Helvetica", "B", 14 if kind == "h2" else 12)
            pdf.multi_cell(0, 7, val, **nl)
            pdf.ln(1)
        elif kind == "p":
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 5.5, val, **nl)
            pdf.ln(2.5)
        elif kind in ("ul", "ol"):
            pdf.set_font("Helvetica", "", 11)
            for n, item in enumerate(val, 1):
                pdf.set_x(pdf.l_margin + 4)
                pdf.multi_cell(0, 5.5, ("- " if kind == "ul" else f"{n}. ") + item, **nl)
                pdf.ln(1)
            pdf.ln(1.5)
        elif kind == "table":
            pdf.set_font("Helvetica", "", 9.5)
            with pdf.table(line_height=5, text_align="LEFT", first_row_as_headings=True) as table:
                for row in val:
                    r = table.row()
                    for cell in row:
                        r.cell(cell)
            pdf.ln(3)
    return bytes(pdf.output())


def tiny_png(size: int = 16) -> bytes:
    """A valid 16x16 RGB PNG (a navy square with a teal diagonal), built with zlib and struct only."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((0, 150, 160)) if abs(x - y) < 2 else bytes((16, 42, 84)) for x in range(size))
        for y in range(size)
    )

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


# --------------------------------------------------------------------------------------------------
# Conversations
# --------------------------------------------------------------------------------------------------
def parse_turns(markup: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """``=== header`` then ``U:``/``A:`` lines -> [(header, [(role, text), ...]), ...]."""
    convs: list[tuple[str, list[tuple[str, str]]]] = []
    for line in markup.strip().splitlines():
        if line.startswith("=== "):
            convs.append((line[4:].strip(), []))
        elif line.strip():
            role, text = line.split(": ", 1)
            convs[-1][1].append(({"U": "user", "A": "assistant"}[role], text.strip()))
    for head, turns in convs:
        assert [r for r, _ in turns] == ["user", "assistant"] * (len(turns) // 2), head
        assert 2 <= len(turns) // 2 <= 4, f"{head}: 2-4 user turns"
    return convs


def chat_records() -> list[dict[str, Any]]:
    return [
        {
            "messages": [{"role": "system", "content": CHAT_SYSTEM_PROMPT}]
            + [{"role": r, "content": t} for r, t in turns]
        }
        for _, turns in parse_turns(CHATS)
    ]


def export_record() -> dict[str, Any]:
    convs = []
    for head, turns in parse_turns(EXPORT_SESSIONS):
        cid, persona, arc, topic = (x.strip() for x in head.split("|"))
        convs.append(
            {
                "conversation_id": cid,
                "metadata": {"persona": persona, "emotional_arc": arc.replace("->", "\u2192"), "topic": topic},
                "turns": [{"turn_number": n, "role": r, "content": t} for n, (r, t) in enumerate(turns, 1)],
            }
        )
    return {"format": "brightrun-lora-v4", "consultant_profile": EXPORT_CONSULTANT, "conversations": convs}


# --------------------------------------------------------------------------------------------------
# CSV tables
# --------------------------------------------------------------------------------------------------
FEE_TIERS = [
    ["service", "fee_basis", "range_from_usd", "range_to_usd", "annual_rate_pct", "flat_fee_usd", "billing", "notes"],
    [
        "Wealth Management",
        "tier 1 of household AUM",
        "0",
        "1000000",
        "1.00",
        "",
        "quarterly in arrears",
        "Program minimum $250,000 household AUM; minimum annual fee $2,500",
    ],
    [
        "Wealth Management",
        "tier 2 of household AUM",
        "1000000",
        "3000000",
        "0.80",
        "",
        "quarterly in arrears",
        "Rate applies only to assets within the tier",
    ],
    ["Wealth Management", "tier 3 of household AUM", "3000000", "5000000", "0.60", "", "quarterly in arrears", ""],
    [
        "Wealth Management",
        "tier 4 of household AUM",
        "5000000",
        "",
        "0.45",
        "",
        "quarterly in arrears",
        "Donor-advised fund assets count toward household AUM",
    ],
    [
        "Foundations",
        "flat rate on AUM",
        "50000",
        "250000",
        "1.20",
        "",
        "quarterly in arrears",
        "No minimum fee; offered Wealth Management above $250,000",
    ],
    [
        "Comprehensive financial plan",
        "project",
        "",
        "",
        "",
        "3500",
        "one-time",
        "Delivered within eight weeks; waived for Wealth Management households above $500,000",
    ],
    ["Annual plan update", "subscription", "", "", "", "1800", "annual", "Planning Only clients"],
    ["Retirement Readiness Review", "project", "", "", "", "1200", "one-time", "Retirement timing and income"],
    ["Hourly consultation", "hourly", "", "", "", "300", "per hour", "Billed in quarter-hour increments"],
    ["Transfer fee reimbursement", "credit", "", "", "", "150", "per account", "Fees charged by the previous firm"],
]

BRANCH_OFFICES = [
    [
        "office",
        "address",
        "main_phone",
        "opened",
        "branch_manager",
        "manager_email",
        "manager_phone",
        "advisors",
        "saturday_hours",
        "specialties",
    ],
    [
        "Boston (headquarters)",
        "200 Atlantic Avenue, Suite 1400, Boston, MA 02110",
        "(617) 555-0100",
        "2009",
        "Michael Brennan",
        "mbrennan@harborview-wealth.com",
        "(617) 555-0101",
        "7",
        "9:00-12:00 February to April, by appointment",
        "investment team; operations; compliance",
    ],
    [
        "Portland",
        "45 Commercial Street, Suite 300, Portland, ME 04101",
        "(207) 555-0130",
        "2014",
        "Thomas Beaulieu",
        "tbeaulieu@harborview-wealth.com",
        "(207) 555-0131",
        "3",
        "closed",
        "business owners; retirees",
    ],
    [
        "Providence",
        "10 Weybosset Street, Suite 700, Providence, RI 02903",
        "(401) 555-0180",
        "2017",
        "Grace Whitaker",
        "gwhitaker@harborview-wealth.com",
        "(401) 555-0187",
        "3",
        "closed",
        "physicians; university faculty; college planning",
    ],
    [
        "Burlington",
        "150 Bank Street, 2nd Floor, Burlington, VT 05401",
        "(802) 555-0150",
        "2022",
        "Hannah Liu",
        "hliu@harborview-wealth.com",
        "(802) 555-0154",
        "1",
        "closed",
        "video clients in Vermont and northern New York",
    ],
]

STAFF_DIRECTORY = [
    ["name", "title", "office", "email", "direct_phone", "credentials", "joined"],
    [
        "Michael Brennan",
        "Managing Partner",
        "Boston",
        "mbrennan@harborview-wealth.com",
        "(617) 555-0101",
        "CFP",
        "2009",
    ],
    [
        "Elena Morales",
        "Senior Wealth Advisor",
        "Boston",
        "emorales@harborview-wealth.com",
        "(617) 555-0142",
        "CFP",
        "2012",
    ],
    [
        "Daniel Okafor",
        "Chief Compliance Officer",
        "Boston",
        "dokafor@harborview-wealth.com",
        "617-555-0178",
        "CRCP",
        "2016",
    ],
    [
        "Priya Raman",
        "Director of Client Service",
        "Boston",
        "praman@harborview-wealth.com",
        "(617) 555-0165",
        "",
        "2013",
    ],
    ["Rebecca Stone", "Operations Manager", "Boston", "rstone@harborview-wealth.com", "617-555-0126", "", "2015"],
    [
        "Samuel Ortiz",
        "IT and Security Manager",
        "Boston",
        "sortiz@harborview-wealth.com",
        "617-555-0119",
        "CISSP",
        "2019",
    ],
    [
        "Thomas Beaulieu",
        "Branch Manager",
        "Portland",
        "tbeaulieu@harborview-wealth.com",
        "(207) 555-0131",
        "CFP",
        "2014",
    ],
    [
        "Grace Whitaker",
        "Branch Manager and Lead Advisor",
        "Providence",
        "gwhitaker@harborview-wealth.com",
        "(401) 555-0187",
        "CFP, CFA",
        "2017",
    ],
    ["Hannah Liu", "Branch Manager", "Burlington", "hliu@harborview-wealth.com", "(802) 555-0154", "CFP", "2020"],
]


def render_csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------------
# Near duplicates: lightly edited copies. Each edit must match exactly once in the original.
# --------------------------------------------------------------------------------------------------
PRIVACY_WEB_EDITS = [
    ("Effective date: January 1, 2026.", "Effective date: February 1, 2026."),
    (
        "are reviewed by the Chief Compliance Officer every quarter.",
        "are reviewed by the Chief Compliance Officer every six months.",
    ),
    ("We respond to requests within 45 days.", "We respond to requests within 30 days."),
    (
        "Vendors that handle client data are reviewed before engagement and every two years afterwards, including a "
        "review of their own security controls and breach history.",
        "Vendors that handle client data are reviewed before engagement and every year afterwards, including a review "
        "of their own security controls, insurance coverage and breach history.",
    ),
]
PHILOSOPHY_2024_EDITS = [
    ("this edition was approved on March 4, 2025.", "this edition was approved on February 27, 2024."),
    (
        "weighted average fund expense ratio below 0.20 percent",
        "weighted average fund expense ratio below 0.25 percent",
    ),
    ("International stocks make up about 30 percent", "International stocks make up about 25 percent"),
    (
        "Performance expectations are similar to our standard models over long periods, though results will differ "
        "in any single year.",
        "We introduced these models in 2023 and will report on their results separately once they have a "
        "longer record.",
    ),
]


def edited(markup: str, edits: list[tuple[str, str]]) -> str:
    for old, new in edits:
        assert markup.count(old) == 1, old
        markup = markup.replace(old, new)
    return markup


# --------------------------------------------------------------------------------------------------
# The file table: what is written, what it contains, what is planted, what the pipeline should do.
# --------------------------------------------------------------------------------------------------
@dataclass
class Entry:
    path: str  # relative to docs/
    fmt: str  # the real format (by content)
    contents: str
    planted: str  # what problem is planted ("" = a clean document)
    outcome: str  # ingested | quarantined | exact_duplicate | near_duplicate
    documents: int  # documents produced by ingest (0 when quarantined)
    reason: str = ""  # quarantine reason
    of: str = ""  # the original, for duplicates
    data: bytes = b""
    text: str = ""  # plain text used for PII counting ("" for quarantined files whose text is unreachable)
    pii_texts: list[str] = field(default_factory=list)  # per-document texts for multi-document files
    hidden_pii_text: str = ""  # text holding PII that ingestion can never reach (encrypted/truncated)
    scanned: bool = False  # image-only PDF: its text (``text``) comes back only through OCR


def build() -> list[Entry]:
    """Render every file of the corpus in memory."""
    E: list[Entry] = []
    b = {k: parse(v) for k, v in DOCS.items()}

    def doc(path: str, key: str, fmt: str, contents: str, blocks: list[Block] | None = None, **kw: Any) -> Entry:
        blocks = blocks if blocks is not None else b[key]
        data = {
            "md": lambda: render_md(blocks).encode(),
            "txt": lambda: render_txt(blocks).encode(),
            "html": lambda: render_html(blocks).encode(),
            "docx": lambda: render_docx(blocks),
            "pdf": lambda: render_pdf(blocks),
        }[fmt]()
        kw.setdefault("outcome", "ingested")
        kw.setdefault("documents", 1)
        kw.setdefault("planted", "")
        if fmt == "pdf":
            contents += f" ({len(pypdf.PdfReader(io.BytesIO(data)).pages)} pages)"
        e = Entry(path, fmt, contents, data=data, text=plain_text(blocks), **kw)
        E.append(e)
        return e

    # client_service/
    doc(
        "client_service/client_onboarding_procedure.pdf",
        "client_onboarding",
        "pdf",
        "Eight-stage onboarding procedure: stage table, document checklist, account types",
    )
    doc(
        "client_service/client_intake_form_example.docx",
        "client_intake_form_example",
        "docx",
        "Completed intake form for a fictional couple (field tables, goals list)",
        planted="PII-dense: names, SSNs, addresses, phones, emails, a card number, an IBAN",
    )
    doc(
        "client_service/client_portal_help.html",
        "client_portal_help",
        "html",
        "Client Portal help page (sign-in, lockout, vault, messaging) with nav/footer boilerplate",
    )
    doc(
        "client_service/escalation_contacts.txt",
        "escalation_contacts",
        "txt",
        "Internal escalation ladder with staff contacts and a branch table",
        planted="staff names, emails, phones",
    )
    doc(
        "client_service/fee_schedule.html",
        "fee_schedule",
        "html",
        "Advisory fee tiers, Foundations and Planning Only prices, billing rules",
    )
    doc(
        "client_service/office_locations.html",
        "office_locations",
        "html",
        "Four offices with addresses, hours, branch managers, contact-channel table",
        planted="office street addresses, phones, manager names",
    )
    letter = b["welcome_letter_utf16"]
    E.append(
        Entry(
            "client_service/welcome_letter_utf16.txt",
            "txt",
            "Welcome letter to a new client",
            "UTF-16 (LE, with BOM) encoding; non-ASCII: \u00eb \u00ef \u2013 \u2019 \u201c \u201d",
            "ingested",
            1,
            data=render_txt(letter, numbered=False).encode("utf-16"),
            text=plain_text(letter),
        )
    )
    notes = b["branch_notes_cp1252"]
    E.append(
        Entry(
            "client_service/branch_notes_cp1252.txt",
            "txt",
            "Portland branch operations notes",
            "cp1252 (Windows-1252) encoding; non-ASCII: \u00e9 \u2019 \u20ac \u2013 \u201c \u201d",
            "ingested",
            1,
            data=render_txt(notes, numbered=False).encode("cp1252"),
            text=plain_text(notes),
        )
    )

    # policies/
    doc(
        "policies/compliance_kyc_policy.docx",
        "compliance_kyc_policy",
        "docx",
        "KYC/AML policy: identification, sanctions screening, risk-rating table, senior investors",
    )
    doc(
        "policies/complaint_handling_procedure.docx",
        "complaint_handling",
        "docx",
        "Complaint definition, register, timeline table, investigation, final response",
    )
    doc(
        "policies/data_privacy_policy.docx",
        "data_privacy_policy",
        "docx",
        "Client data privacy policy (Reg S-P, 201 CMR 17.00); headings, paragraphs only, no table",
    )
    doc(
        "policies/data_privacy_policy_web.md",
        "data_privacy_policy",
        "md",
        "Web (Markdown) edition of the privacy policy",
        blocks=parse(edited(DOCS["data_privacy_policy"], PRIVACY_WEB_EDITS)),
        planted="near duplicate in another format: effective date, 3 phrases/1 sentence edited",
        outcome="near_duplicate",
        of="policies/data_privacy_policy.docx",
    )
    sec = doc(
        "policies/it_security_policy.txt",
        "it_security_policy",
        "txt",
        "IT security policy for advisors (numbered sections)",
    )
    resaved = sec.data.decode().replace("\n", "\r\n") + "\r\n\r\n"
    E.append(
        Entry(
            "policies/it_security_policy_resaved.txt",
            "txt",
            "The IT security policy re-saved on Windows",
            "exact duplicate, different bytes: CRLF line endings and two extra trailing blank lines",
            "exact_duplicate",
            1,
            of="policies/it_security_policy.txt",
            data=resaved.encode(),
            text=sec.text,
        )
    )

    memo = b["records_retention_memo"]
    scan = render_scanned_pdf(memo, "Records Retention Memo", FIXED_DATE)
    E.append(
        Entry(
            "policies/records_retention_memo_scan.pdf",
            "pdf",
            f"Compliance memo: retention periods, destruction ({len(pypdf.PdfReader(io.BytesIO(scan)).pages)} page)",
            "scanned: image-only page (1-bit CCITT bitmap, no text layer), readable only by OCR",
            "ingested",
            1,
            data=scan,
            text=plain_text(memo),
            scanned=True,
        )
    )

    # guides/
    faq = doc(
        "guides/retirement_faq.md",
        "retirement_faq",
        "md",
        "Retirement planning FAQ (2025 limits, RMDs, withdrawal guardrails)",
    )
    E.append(
        Entry(
            "guides/retirement_faq_copy.md",
            "md",
            "Byte-identical copy of guides/retirement_faq.md",
            "exact duplicate (same bytes, same sha256)",
            "exact_duplicate",
            1,
            of="guides/retirement_faq.md",
            data=faq.data,
            text=faq.text,
        )
    )
    doc("guides/glossary.md", "glossary", "md", "Glossary A-Z as bullet lists plus an abbreviations table")
    doc(
        "guides/college_savings_529.md",
        "college_savings_529",
        "md",
        "529 plans: state deductions, savings-target table, superfunding, Roth rollover",
    )
    doc(
        "guides/social_security_claiming.md",
        "social_security_claiming",
        "md",
        "Social Security claiming ages table, couples, earnings test, taxation",
    )
    doc(
        "guides/charitable_giving_strategies.md",
        "charitable_giving",
        "md",
        "Appreciated stock, donor-advised funds, QCDs, trusts; tool-choice table",
    )
    doc(
        "guides/investment_philosophy.md",
        "investment_philosophy",
        "md",
        "Investment philosophy (2025 edition): costs, allocation, rebalancing, taxes, governance",
    )
    doc(
        "guides/investment_philosophy_2024.md",
        "investment_philosophy",
        "md",
        "Investment philosophy, previous (2024) edition",
        blocks=parse(edited(DOCS["investment_philosophy"], PHILOSOPHY_2024_EDITS)),
        planted="near duplicate, same format: approval date, 2 numbers and 1 sentence differ",
        outcome="near_duplicate",
        of="guides/investment_philosophy.md",
    )
    doc(
        "guides/estate_planning_checklist.txt",
        "estate_planning_checklist",
        "txt",
        "Estate planning checklist (numbered sections, lists)",
    )
    doc("guides/rmd_guide.html", "rmd_guide", "html", "Required minimum distributions: rules, factor table, service")
    doc(
        "guides/roth_conversion_guide.pdf",
        "roth_conversion_guide",
        "pdf",
        "Roth conversions: when they help, bracket filling, timeline table, five-year rules",
    )
    doc(
        "guides/tax_loss_harvesting.pdf",
        "tax_loss_harvesting",
        "pdf",
        "Tax-loss harvesting rules, wash sales, replacement table",
    )
    doc(
        "guides/risk_profile_questionnaire_guide.docx",
        "risk_questionnaire_guide",
        "docx",
        "Risk questionnaire administration and scoring table (12-60 points, five profiles)",
    )

    # research/
    doc(
        "research/market_commentary_q4_2025.pdf",
        "market_commentary_q4_2025",
        "pdf",
        "Q4 2025 market commentary: stocks, bonds, changes, outlook",
    )
    qr = b["quarterly_review"]
    qr_pdf = render_pdf(qr)
    E.append(
        Entry(
            "research/quarterly_review.docx",
            "pdf",
            f"Q3 2025 portfolio review for a client household ({len(pypdf.PdfReader(io.BytesIO(qr_pdf)).pages)} pages)",
            "wrong extension: a real PDF named .docx (type must be detected from content)",
            "ingested",
            1,
            data=qr_pdf,
            text=plain_text(qr),
        )
    )

    # data/
    for path, rows, what in [
        ("data/advisory_fee_tiers.csv", FEE_TIERS, "Fee schedule as a table: 10 rows, 8 columns"),
        ("data/branch_offices.csv", BRANCH_OFFICES, "Four offices: address, phones, manager, email (4 rows)"),
        ("data/staff_directory.csv", STAFF_DIRECTORY, "Nine staff: title, office, email, direct phone (9 rows)"),
    ]:
        text = render_csv(rows)
        E.append(Entry(path, "csv", what, "", "ingested", 1, data=text.encode(), text=text))

    # chats/
    chats = chat_records()
    E.append(
        Entry(
            "chats/client_chats.jsonl",
            "jsonl",
            f"{len(chats)} client-service chats, OpenAI messages format (system + 2-4 user turns)",
            "PII in a few conversations",
            "ingested",
            len(chats),
            data="".join(json.dumps(c, ensure_ascii=False) + "\n" for c in chats).encode(),
            pii_texts=["\n".join(m["content"] for m in c["messages"]) for c in chats],
        )
    )
    exp = export_record()
    E.append(
        Entry(
            "chats/advisor_sessions_export.json",
            "json",
            f"{len(exp['conversations'])} advisor sessions, brightrun-lora-v4 export (consultant Elena Morales)",
            "PII in a few conversations",
            "ingested",
            len(exp["conversations"]),
            data=(json.dumps(exp, ensure_ascii=False, indent=2) + "\n").encode(),
            pii_texts=["\n".join(t["content"] for t in c["turns"]) for c in exp["conversations"]],
            hidden_pii_text=EXPORT_CONSULTANT["system_prompt"],
        )
    )

    # planted problems at the top level
    E.append(Entry("empty.txt", "txt", "Nothing (0 bytes)", "empty file", "quarantined", 0, reason="empty"))
    E.append(
        Entry(
            "whitespace_only.md",
            "md",
            "Spaces, tabs and newlines only",
            "whitespace-only file",
            "quarantined",
            0,
            reason="empty",
            data=b"   \n\t\n  \t  \n\n \t\n\n",
        )
    )
    annual = b["annual_report"]
    full = render_pdf(annual)
    E.append(
        Entry(
            "truncated_report.pdf",
            "pdf",
            "2025 annual report to clients, cut off half-way",
            f"truncated: first {len(full) // 2} of {len(full)} bytes (no xref, no trailer, no %%EOF)",
            "quarantined",
            0,
            reason="unreadable",
            data=full[: len(full) // 2],
            hidden_pii_text=plain_text(annual),
        )
    )
    stmt = b["encrypted_statement"]
    E.append(
        Entry(
            "encrypted_statement.pdf",
            "pdf",
            "December 2025 account statement for a client",
            'password-protected PDF (user password "secret", RC4)',
            "quarantined",
            0,
            reason="encrypted",
            data=render_pdf(stmt, user_password="secret"),
            hidden_pii_text=plain_text(stmt),
        )
    )
    E.append(
        Entry(
            "logo.png",
            "png",
            "16x16 firm logo",
            "unsupported type (image)",
            "quarantined",
            0,
            reason="unsupported",
            data=tiny_png(),
        )
    )
    return E


def file_pii(e: Entry) -> dict[str, int]:
    if e.outcome == "quarantined":
        return {}
    if e.pii_texts:
        total: Counter[str] = Counter()
        for t in e.pii_texts:
            total.update(pii_counts(t))
        return {k: total[k] for k in PII if total[k]}
    return pii_counts(e.text)


def fmt_counts(c: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in c.items()) or "none"


# --------------------------------------------------------------------------------------------------
# Text extraction for the checks (independent of loraforge: a plain approximation of ingestion)
# --------------------------------------------------------------------------------------------------
class _HtmlText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def extract_documents(path: Path, with_system: bool = True) -> list[str]:
    """Texts of the documents a file yields (one per conversation for chat files)."""
    raw = path.read_bytes()
    if raw[:5] == b"%PDF-":
        return ["\n".join(p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(raw)).pages)]
    if path.suffix == ".docx":
        d = docx.Document(io.BytesIO(raw))
        cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
        return ["\n".join([p.text for p in d.paragraphs] + cells)]
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = raw.decode("utf-16")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")
    if path.suffix == ".html":
        p = _HtmlText()
        p.feed(text)
        return ["".join(p.parts)]
    if path.suffix == ".jsonl":
        return [
            "\n".join(m["content"] for m in json.loads(ln)["messages"] if with_system or m["role"] != "system")
            for ln in text.splitlines()
            if ln.strip()
        ]
    if path.suffix == ".json":
        data = json.loads(text)
        sys_prompt = [data["consultant_profile"]["system_prompt"]] if with_system else []
        return ["\n".join(sys_prompt + [t["content"] for t in c["turns"]]) for c in data["conversations"]]
    return [text]


def shingles(text: str, n: int = 5, mode: str = "word") -> set[tuple[str, ...]]:
    toks = re.findall(r"\w+", text.lower()) if mode == "word" else text.lower().split()
    return {tuple(toks[i : i + n]) for i in range(max(len(toks) - n + 1, 1))}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def check_similarity(
    entries: list[Entry], show: int = 12, quiet: bool = False
) -> dict[tuple[str, str], dict[str, float]]:
    """Word 5-gram Jaccard over every pair of ingestible documents; print the top pairs; enforce the design.

    Near duplicates must score >= NEAR_DUP_MIN with their original, and every other pair of distinct
    documents must stay <= DISTINCT_MAX, under both tokenisations (\\w+ words and whitespace tokens), and
    with or without the conversation system prompts.
    """
    docs: dict[str, str] = {}
    docs_nosys: dict[str, str] = {}
    for e in entries:
        if e.outcome == "quarantined":
            continue
        path = DOCS_DIR / e.path
        texts = [[e.text], [e.text]] if e.scanned else [extract_documents(path), extract_documents(path, False)]
        for n, (t, t2) in enumerate(zip(*texts, strict=True)):
            key = e.path + (f"#{n}" if e.documents > 1 else "")
            docs[key], docs_nosys[key] = t, t2
    expected = {(e.of, e.path): e.outcome for e in entries if e.of}
    worst: dict[tuple[str, str], dict[str, float]] = {}
    for variant, texts, mode in [("word", docs, "word"), ("ws", docs, "ws"), ("word-nosys", docs_nosys, "word")]:
        sh = {k: shingles(v, mode=mode) for k, v in texts.items()}
        scores = sorted(((jaccard(sh[a], sh[b]), a, b) for a, b in itertools.combinations(sorted(sh), 2)), reverse=True)
        if not quiet:
            print(f"\nTop {show} pairs, 5-gram Jaccard ({variant}), {len(sh)} documents, {len(scores)} pairs:")
            for s, a, b in scores[:show]:
                tag = expected.get((a, b)) or expected.get((b, a)) or ""
                print(f"  {s:.3f}  {a}  ~  {b}  {tag}")
        for s, a, b in scores:
            kind = expected.get((a, b)) or expected.get((b, a))
            pair = (a, b) if (a, b) in expected else (b, a)
            if kind == "near_duplicate":
                assert s >= NEAR_DUP_MIN, (variant, a, b, s)
                worst.setdefault(pair, {})[variant] = s
            elif kind == "exact_duplicate":
                assert s == 1.0, (variant, a, b, s)
            else:
                assert s <= DISTINCT_MAX, (variant, a, b, s)
                other = worst.setdefault(("*", "*"), {})
                other[variant] = max(other.get(variant, 0.0), s)
    return worst


# --------------------------------------------------------------------------------------------------
# Verification of the written files
# --------------------------------------------------------------------------------------------------
def verify(entries: list[Entry]) -> None:
    """Check that every file behaves as CORPUS.md says (parses or fails, PII present and countable)."""
    for e in entries:
        path = DOCS_DIR / e.path
        raw = path.read_bytes()
        assert raw == e.data, f"{e.path} differs from what build() renders"
        if e.reason == "empty":
            assert not raw.strip(), e.path
        elif e.reason == "unsupported":
            assert raw.startswith(b"\x89PNG\r\n\x1a\n"), e.path
        elif e.reason == "encrypted":
            r = pypdf.PdfReader(io.BytesIO(raw))
            assert r.is_encrypted, e.path
            try:
                r.pages[0].extract_text()
                raise AssertionError(f"{e.path} readable without password")
            except pypdf.errors.FileNotDecryptedError:
                pass
            assert r.decrypt("secret") and "Victor Hale" in r.pages[0].extract_text()
        elif e.scanned:  # no text layer at all, one image per page; its words are checked by the ingest tests
            r = pypdf.PdfReader(io.BytesIO(raw))
            assert all(not (p.extract_text() or "").strip() for p in r.pages), f"{e.path} has a text layer"
            assert all(len(p.images) == 1 for p in r.pages) and len(raw) < 200_000, e.path
        elif e.reason == "unreadable":
            try:
                r = pypdf.PdfReader(io.BytesIO(raw))
                text = "".join(p.extract_text() for p in r.pages)
                raise AssertionError(f"{e.path} parsed by pypdf ({len(text)} chars)")
            except pypdf.errors.PyPdfError:
                pass
        else:
            texts = extract_documents(path)
            assert len(texts) == e.documents, (e.path, len(texts), e.documents)
            assert all(len(t.strip()) > 200 for t in texts), e.path
            if e.fmt == "pdf":
                assert raw[:5] == b"%PDF-" and len(pypdf.PdfReader(io.BytesIO(raw)).pages) >= 1
            if path.suffix == ".docx" and e.fmt == "docx":
                d = docx.Document(io.BytesIO(raw))
                styles = {p.style.name for p in d.paragraphs}
                assert {"Title", "Heading 1"} <= styles, (e.path, styles)
            # every planted value survives extraction intact (whitespace-normalised)
            got: Counter[str] = Counter()
            for t in extract_documents(path, with_system=False):  # the export's prompt is counted apart
                got.update(PII_CLASS[v] for v in find_pii(t))
                # ...and no value is split over two lines (PDF wrapping, TXT wrapping)
                assert sorted(_PII_RE.findall(t)) == sorted(find_pii(t)), (e.path, "PII value split by a line break")
            assert {k: got[k] for k in PII if got[k]} == file_pii(e), (e.path, dict(got), file_pii(e))
    try:  # the legacy-encoded texts must be recoverable by charset detection, not only by knowing the codec
        import charset_normalizer

        for e in entries:
            codec = {"_cp1252.txt": "cp1252", "_utf16.txt": "utf-16"}.get(e.path[e.path.rfind("_") :])
            if codec:
                best = charset_normalizer.from_bytes(e.data).best()
                assert best is not None and str(best) == e.data.decode(codec), (e.path, best and best.encoding)
    except ImportError:
        pass
    for v in PII["CREDIT_CARD"]:
        assert luhn_ok(v), v
    for v in PII["IBAN_CODE"]:
        assert iban_ok(v), v
    for v in PII["US_SSN"]:
        area, group, serial = v.split("-")
        assert area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000", v
    used = Counter(v for e in entries for t in ([e.text, e.hidden_pii_text] + e.pii_texts) for v in find_pii(t))
    assert set(used) == set(PII_CLASS), f"registered but never planted: {set(PII_CLASS) - set(used)}"
    print(f"verify: {len(entries)} files OK")


# --------------------------------------------------------------------------------------------------
# CORPUS.md and corpus_manifest.json
# --------------------------------------------------------------------------------------------------
def outcome_text(e: Entry) -> str:
    if e.outcome == "quarantined":
        return f"quarantined: `{e.reason}`"
    if e.outcome == "exact_duplicate":
        return f"ingested, then dropped as **exact duplicate** of `{e.of}`"
    if e.outcome == "near_duplicate":
        return f"ingested, then dropped as **near duplicate** of `{e.of}`"
    return "ingested"


def manifest(entries: list[Entry], sims: dict[tuple[str, str], dict[str, float]]) -> dict[str, Any]:
    files = []
    for e in entries:
        item: dict[str, Any] = {
            "path": e.path,
            "format": e.fmt,
            "bytes": len(e.data),
            "outcome": e.outcome,
            "documents": e.documents,
            "reason": e.reason or None,
            "duplicate_of": e.of or None,
            "planted": e.planted or None,
            "pii": file_pii(e),
            "pii_values": sorted({v for t in (e.pii_texts or [e.text]) for v in find_pii(t)})
            if e.outcome != "quarantined"
            else [],
        }
        if e.pii_texts:
            item["pii_by_document"] = {str(n): pii_counts(t) for n, t in enumerate(e.pii_texts) if pii_counts(t)}
        if e.hidden_pii_text:
            item["pii_unreachable"] = pii_counts(e.hidden_pii_text)
        if (e.of, e.path) in sims:
            item["jaccard_5gram"] = {k: round(v, 3) for k, v in sims[(e.of, e.path)].items()}
        files.append(item)
    return {
        "generated_by": "tools/corpus/make_corpus.py",
        "root": "examples/docs",
        "pii_classes": PII,
        "totals": totals(entries),
        "files": files,
    }


def totals(entries: list[Entry]) -> dict[str, Any]:
    q = Counter(e.reason for e in entries if e.outcome == "quarantined")
    ing = [e for e in entries if e.outcome != "quarantined"]
    pii: Counter[str] = Counter()
    for e in ing:
        pii.update(file_pii(e))
    return {
        "files": len(entries),
        "files_ingested": len(ing),
        "files_quarantined": dict(sorted(q.items())),
        "documents_ingested": sum(e.documents for e in ing),
        "exact_duplicates_dropped": sum(e.documents for e in ing if e.outcome == "exact_duplicate"),
        "near_duplicates_dropped": sum(e.documents for e in ing if e.outcome == "near_duplicate"),
        "documents_after_dedup": sum(e.documents for e in ing if e.outcome == "ingested"),
        "pii_in_ingested_documents": {k: pii[k] for k in PII},
    }


def corpus_md(entries: list[Entry], sims: dict[tuple[str, str], dict[str, float]]) -> str:
    t = totals(entries)
    chats = next(e for e in entries if e.path.endswith(".jsonl"))
    export = next(e for e in entries if e.path.endswith(".json"))
    L = [
        "# Sample corpus: Harborview Wealth Partners",
        "",
        "<!-- Generated by tools/corpus/make_corpus.py. Edit the generator and rerun it; do not edit this file. -->",
        "",
        "`examples/docs/` is the knowledge base of a fictional New England financial-advisory firm, "
        "*Harborview Wealth Partners* (fee-only RIA, four offices, consultant persona Elena Morales, CFP). "
        "Every person, phone number, account and address is invented. The corpus exercises every ingest "
        "format and every data-prep failure mode; the tables below are the expected outcomes that tests "
        "assert. The same facts, machine-readable, are in `examples/corpus_manifest.json`.",
        "",
        "Regenerate (deterministic, byte-identical, no network): `python tools/corpus/make_corpus.py` "
        "(`--check` only verifies the files on disk, including the similarity bounds below).",
        "",
        "## Totals",
        "",
        "| | count |",
        "|---|---|",
        f"| files | {t['files']} |",
        f"| files ingested | {t['files_ingested']} |",
        "| files quarantined | "
        + ", ".join(f"{n} `{r}`" for r, n in t["files_quarantined"].items())
        + f" ({sum(t['files_quarantined'].values())} in all) |",
        f"| documents after ingest (1 per file; 1 per conversation in `chats/`) | {t['documents_ingested']} |",
        f"| dropped as exact duplicates | {t['exact_duplicates_dropped']} |",
        f"| dropped as near duplicates | {t['near_duplicates_dropped']} |",
        f"| documents after dedup | {t['documents_after_dedup']} |",
        f"| bytes on disk | {sum(len(e.data) for e in entries):,} |",
        "",
        f"No file is planted for `too_large` or `timeout`: the largest file is {max(len(e.data) for e in entries):,} "
        "bytes and every file parses in well under a "
        "second, so those reasons appear only when a test lowers the configured limits.",
        "",
        "## Files",
        "",
        "Format is the real format by content (one file lies about it). Documents = documents produced by ingest. "
        "PII = planted values in the ingestible text, counted per occurrence (see the PII section for the classes).",
        "",
        "| file | format | contents | planted | expected outcome | docs | PII planted |",
        "|---|---|---|---|---|---|---|",
    ]
    for e in entries:
        pii = fmt_counts(file_pii(e))
        if e.outcome == "quarantined" and e.hidden_pii_text and pii_counts(e.hidden_pii_text):
            pii += f" reachable (unreachable inside: {fmt_counts(pii_counts(e.hidden_pii_text))})"
        L.append(
            f"| `{e.path}` | {e.fmt} | {e.contents} | {e.planted or '-'} | {outcome_text(e)} | {e.documents} | {pii} |"
        )
    L += [
        "",
        "## Planted problems",
        "",
        "| problem | file | expected |",
        "|---|---|---|",
        "| empty file (0 bytes) | `empty.txt` | quarantined `empty` |",
        "| whitespace only (spaces, tabs, newlines) | `whitespace_only.md` | quarantined `empty` |",
        "| truncated PDF (first half of the bytes: no xref/trailer/%%EOF; pypdf and pdfminer both fail) | "
        "`truncated_report.pdf` | quarantined `unreadable` |",
        "| password-protected PDF (user password `secret`) | `encrypted_statement.pdf` | quarantined `encrypted` |",
        "| unsupported type (PNG image) | `logo.png` | quarantined `unsupported` |",
        "| wrong extension: a PDF named `.docx` | `research/quarterly_review.docx` | ingested as PDF (1 document) |",
        "| scanned PDF: image-only page, no text layer | `policies/records_retention_memo_scan.pdf` | ingested "
        "through Tesseract OCR (1 document; quarantined `needs_ocr` where Tesseract is not installed) |",
        "| legacy encoding cp1252 (\u00e9 \u2019 \u20ac \u2013 \u201c \u201d) | "
        "`client_service/branch_notes_cp1252.txt` | ingested with the right characters (e.g. `Am\u00e9lie Durand`, "
        "`\u20ac4,000`, `branch\u2019s`, `\u00dcberweisung`) |",
        "| UTF-16 with BOM (\u00eb \u00ef \u2013 \u2019 \u201c \u201d) | `client_service/welcome_letter_utf16.txt` | "
        "ingested with the right characters (e.g. `Zo\u00eb Lindqvist`, `na\u00efve`, `don\u2019t`) |",
        "| byte-identical copy | `guides/retirement_faq_copy.md` | exact duplicate of `guides/retirement_faq.md` |",
        "| same text re-saved with CRLF and 2 extra trailing blank lines (different bytes, same normalised text) | "
        "`policies/it_security_policy_resaved.txt` | exact duplicate of `policies/it_security_policy.txt` |",
        "| lightly edited copy in another format (DOCX -> Markdown) | `policies/data_privacy_policy_web.md` | "
        "near duplicate of `policies/data_privacy_policy.docx` |",
        "| lightly edited older edition (Markdown -> Markdown) | `guides/investment_philosophy_2024.md` | "
        "near duplicate of `guides/investment_philosophy.md` |",
        "",
        "Each duplicate sorts after its original (same folder, `.` < `_`), so a first-seen-wins dedup in sorted "
        "path order keeps the original and drops the copy. Exact duplicates are equal after normalising line "
        "endings and trailing whitespace; only `retirement_faq_copy.md` also has the same raw sha256.",
        "",
        "## Similarity (word 5-gram Jaccard)",
        "",
        "Measured by `check_similarity()` over the text of every ingestible document (PDF via pypdf, the "
        "scanned PDF by its source text, DOCX "
        "paragraphs + table cells, HTML text including nav/footer, each conversation separately), under three "
        "variants: lower-cased `\\w+` tokens, whitespace tokens, and conversations without the system prompt.",
        "",
        "| pair | `\\w+` words | whitespace tokens | words, no system prompt |",
        "|---|---|---|---|",
    ]
    row = lambda d: " | ".join(f"{d[v]:.3f}" for v in ("word", "ws", "word-nosys"))  # noqa: E731
    for (a, b), s in sims.items():
        if a != "*":
            L.append(f"| `{b}` ~ `{a}` | {row(s)} |")
    L += [
        f"| highest of any other pair of distinct documents (bound {DISTINCT_MAX}) | {row(sims[('*', '*')])} |",
        "",
        f"Near duplicates are built to score >= {NEAR_DUP_MIN} and all other pairs <= {DISTINCT_MAX}; "
        "the generator refuses to finish otherwise.",
        "",
        "## Conversations",
        "",
        f"- `chats/client_chats.jsonl`: {chats.documents} lines, each "
        '`{"messages": [{"role": "system", ...}, {"role": "user", ...}, {"role": "assistant", ...}, ...]}` with the '
        "same short system prompt, 2-4 user turns, always ending with an assistant turn. Document n = line n "
        "(0-based in `corpus_manifest.json`).",
        f"- `chats/advisor_sessions_export.json`: `brightrun-lora-v4` export, {export.documents} conversations "
        "(`conv-001`..`conv-012`), each with `metadata` {persona, emotional_arc, topic} and alternating "
        "user/assistant `turns` numbered from 1, 2-4 user turns. `consultant_profile.system_prompt` names "
        "Elena Morales (1 PERSON); that prompt is not counted in the per-conversation PII below.",
        "",
        "PII by conversation (0-based index):",
        "",
        "| file | conversation | PII planted |",
        "|---|---|---|",
    ]
    for e in (chats, export):
        for n, t in enumerate(e.pii_texts):
            if pii_counts(t):
                L.append(
                    f"| `{e.path}` | {n} | {fmt_counts(pii_counts(t))}: "
                    + ", ".join(f"`{v}`" for v in find_pii(t))
                    + " |"
                )
    L += [
        "",
        "## Planted PII",
        "",
        "Classes use Presidio entity names; `STREET_ADDRESS` is ours (Presidio has no default recognizer for it, "
        "so a regex or custom recognizer is needed). Values were chosen to validate: SSNs avoid area 000/666/9xx, "
        "group 00, serial 0000 and known sample numbers; card numbers pass Luhn; IBANs have valid mod-97 "
        "checksums; phone numbers are in the fictional 555-01xx range in US formats; emails use real TLDs "
        "(Presidio rejects `.example`). Presidio 2.2 with `en_core_web_sm` detects every structured value "
        "below in context; PERSON detection depends on the NER model.",
        "",
        "Totals in ingestible documents (duplicates included, quarantined files excluded): "
        + fmt_counts(totals(entries)["pii_in_ingested_documents"])
        + ".",
        "",
        "PII inside quarantined files is unreachable and must never appear downstream: "
        + "; ".join(
            f"`{e.path}`: {fmt_counts(pii_counts(e.hidden_pii_text))}"
            for e in entries
            if e.outcome == "quarantined" and e.hidden_pii_text and pii_counts(e.hidden_pii_text)
        )
        + ".",
        "",
        "| class | value | files (occurrences) |",
        "|---|---|---|",
    ]
    for cls, values in PII.items():
        for v in values:
            where = []
            for e in entries:
                texts = e.pii_texts or [e.text]
                n = sum(find_pii(t).count(v) for t in texts) if e.outcome != "quarantined" else 0
                if e.hidden_pii_text and e.outcome == "quarantined":
                    n = find_pii(e.hidden_pii_text).count(v)
                    if n:
                        where.append(f"`{e.path}` ({n}, unreachable)")
                    continue
                if e.path.endswith(".json") and v in EXPORT_CONSULTANT["system_prompt"]:
                    where.append(f"`{e.path}` (1, in consultant_profile.system_prompt)")
                if n:
                    where.append(f"`{e.path}` ({n})")
            L.append(f"| {cls} | `{v}` | {'; '.join(where)} |")
    L += [
        "",
        "Not planted, but expect detectors to fire on them too: the firm and custodian names "
        '(ORGANIZATION), city and state names (LOCATION), dates (DATE_TIME), and words such as "Roth" that '
        "NER models sometimes tag as PERSON. Tests should assert on the planted values above, not on raw "
        "detector counts.",
        "",
    ]
    return "\n".join(L)


# --------------------------------------------------------------------------------------------------
def write(entries: list[Entry]) -> None:
    if DOCS_DIR.exists():
        shutil.rmtree(DOCS_DIR)
    for e in entries:
        p = DOCS_DIR / e.path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(e.data)


def main(argv: list[str]) -> None:
    for k in DOCS:
        if k not in ("branch_notes_cp1252", "welcome_letter_utf16"):
            assert DOCS[k].isascii(), f"{k}: PDF core fonts need ASCII/latin-1"
    entries = build()
    if "--check" not in argv:
        write(entries)
    verify(entries)
    sims = check_similarity(entries)
    if "--check" not in argv:
        (HERE / "CORPUS.md").write_text(corpus_md(entries, sims), encoding="utf-8")
        (HERE / "corpus_manifest.json").write_text(
            json.dumps(manifest(entries, sims), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    total = sum(len(e.data) for e in entries)
    print(f"\n{len(entries)} files, {total:,} bytes under {DOCS_DIR.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main(sys.argv[1:])
